"""``anonymizer``: the tools around the main job (train, quantize, evaluate, synthesize)."""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import Any

import click

from anonymizer import __version__
from anonymizer.cli.common import exit_codes, split_labels, stderr
from anonymizer.cli.data_tools import DATA_COMMANDS
from anonymizer.cli.decrypt import decrypt_command
from anonymizer.cli.encoder_tools import ENCODER_COMMANDS
from anonymizer.cli.review import audit_group, demo_command, review_command
from anonymizer.errors import UsageError

DEFAULT_TRAIN_DIR = Path("~/.cache/anonymizer/train").expanduser()


recipe_option = click.option(
    "--config",
    "settings_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default="models/train.toml",
    show_default=True,
    help="Training recipe: corpora, raw text, embeddings, hyper-parameters.",
)
data_root_option = click.option(
    "--data-root",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Folder with ner/ and text/ (default: the recipe's data.root).",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="anonymizer")
def tools() -> None:
    """Build and measure the models and data behind `anonymize`, and review its runs."""


@tools.command()
@recipe_option
@data_root_option
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=DEFAULT_TRAIN_DIR,
    show_default=True,
    help="Working folder: resources, checkpoints, log, best-model.pt.",
)
@click.option(
    "--resume/--no-resume",
    default=True,
    show_default=True,
    help="Continue from the last finished epoch in --out.",
)
@click.option("--max-epochs", type=click.IntRange(min=1), help="Override the recipe's max_epochs.")
@click.option(
    "--threads", type=click.IntRange(min=1), help="Torch threads (default: all cores; 1 on a shared machine)."
)
def train(
    settings_path: Path,
    data_root: Path | None,
    out: Path,
    resume: bool,
    max_epochs: int | None,
    threads: int | None,
) -> None:
    """Train a tagger from the shared data: the encoder (a recipe with kind = "encoder": import,
    fine-tune, export to int8 ONNX) or the BiLSTM-CRF (then run `anonymizer quantize`)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from anonymizer.training.train import TrainSettings
    from anonymizer.training.train import train as run_training

    with exit_codes():
        if recipe_kind(settings_path) == "encoder":
            from anonymizer.cli.encoder_tools import train_encoder_recipe

            if max_epochs is not None:
                raise UsageError("an encoder recipe sets its epochs per stage; change them in the recipe")
            click.echo(str(train_encoder_recipe(settings_path, data_root, out, threads, resume=resume)))
            return
        settings = TrainSettings.load(settings_path, data_root=data_root)
        out.mkdir(parents=True, exist_ok=True)
        logging.basicConfig(
            level=logging.INFO,
            format="%(asctime)s %(name)s %(message)s",
            handlers=[logging.FileHandler(out / "train-resources.log")],
        )
        with Progress(
            TextColumn("training"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("epochs"),
            TimeElapsedColumn(),
            console=stderr,
            disable=not sys.stderr.isatty(),
        ) as progress:
            task = progress.add_task("train", total=max_epochs or settings.training["max_epochs"])
            best = run_training(
                settings,
                out,
                resume=resume,
                max_epochs=max_epochs,
                threads=threads,
                on_epoch=lambda done, total: progress.update(task, completed=done, total=total),
            )
        stderr.print(f"best model: {best}\nlog: {out / 'training.log'}")
        click.echo(str(best))


@tools.command("pretrain-lm")
@click.option("--direction", type=click.Choice(["forward", "backward"]), required=True)
@recipe_option
@data_root_option
@click.option(
    "--chars",
    type=click.Path(dir_okay=False, path_type=Path),
    default=DEFAULT_TRAIN_DIR / "resources" / "chars.pkl",
    show_default=True,
    help="Character dictionary (the tagger's; built from the recipe's corpora and text when missing).",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Working folder (default: ~/.cache/anonymizer/lm-DIRECTION).",
)
@click.option("--hidden-size", type=click.IntRange(min=8), default=1024, show_default=True)
@click.option("--max-epochs", type=click.IntRange(min=1), default=10, show_default=True)
@click.option("--threads", type=click.IntRange(min=1), help="Torch threads (default: all cores).")
def pretrain_lm(
    direction: str,
    settings_path: Path,
    data_root: Path | None,
    chars: Path,
    out: Path | None,
    hidden_size: int,
    max_epochs: int,
    threads: int | None,
) -> None:
    """Pretrain a character language model on the raw text (resumes from its checkpoint)."""
    from anonymizer.training.train import TrainSettings, ensure_char_dictionary

    with exit_codes():
        import torch

        from anonymizer.model.training import train_language_model
        from anonymizer.training.language_model import prepare_corpus

        settings = TrainSettings.load(settings_path, data_root=data_root)
        ensure_char_dictionary(settings, chars)
        work = out or Path(f"~/.cache/anonymizer/lm-{direction}").expanduser()
        corpus = work.parent / "lm-corpus"
        splits = prepare_corpus(settings.text, corpus)
        stderr.print(f"corpus: {corpus} ({splits} splits); log: {work / 'training.log'}")
        if threads is not None:
            torch.set_num_threads(threads)
        best = train_language_model(
            corpus,
            work,
            char_dictionary=chars,
            forward=direction == "forward",
            hidden_size=hidden_size,
            max_epochs=max_epochs,
        )
        click.echo(str(best))


@tools.command()
@click.argument("model", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="Where to write the int8 model.",
)
@click.option(
    "--keep-lm-fp32",
    is_flag=True,
    help="Leave the character language models (Flair embeddings) in fp32 (slower).",
)
def quantize(model: Path, output: Path, keep_lm_fp32: bool) -> None:
    """Write an int8 copy of an fp32 MODEL (LSTM and projection quantized)."""
    from anonymizer.model import file_sha256, load_model, quantize_tagger, save_quantized

    with exit_codes():
        loaded = load_model(model)
        save_quantized(quantize_tagger(loaded.tagger, language_models=not keep_lm_fp32), output)
        size_in, size_out = model.stat().st_size, output.stat().st_size
        stderr.print(f"{model}: {size_in / 1e6:.1f} MB -> {output}: {size_out / 1e6:.1f} MB")
        click.echo(json.dumps({"output": str(output), "bytes": size_out, "sha256": file_sha256(output)}))


@tools.command("export-runtime")
@click.argument("model", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="Where to write the runtime file.",
)
def export_runtime(model: Path, output: Path) -> None:
    """Write a Flair MODEL (fp32 or int8) as a runtime file (arrays, no pickle) for `anonymize`."""
    from anonymizer.model import file_sha256
    from anonymizer.model.runtime import TaggerRuntime

    with exit_codes():
        from anonymizer.model.export import ExportError, export_file, save_runtime  # needs torch

        try:
            payload = export_file(model)
        except ExportError as error:
            raise UsageError(f"{model}: {error}") from error
        TaggerRuntime(payload)  # fails here, not at the first run, if the runtime cannot build it
        save_runtime(payload, output)
        click.echo(
            json.dumps({"output": str(output), "bytes": output.stat().st_size, "sha256": file_sha256(output)})
        )


@tools.command()
@click.argument("corpus", type=click.Path(exists=True, path_type=Path))
@click.option(
    "--io", "io_scheme", is_flag=True, help="Score spans as maximal runs of one type (IO-annotated gold)."
)
@click.option(
    "--predictions-out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="token<TAB>TAG corpora: write token<TAB>gold<TAB>predicted (BIO) here; gold documents: "
    "one JSON object per document with its predicted and leaked spans.",
)
@click.option(
    "--model",
    "model_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Model file (default: the shipped int8 model).",
)
@click.option(
    "--labels", help="Comma-separated labels to score (default: every label seen in gold or predictions)."
)
@click.option(
    "--batch-size",
    type=click.IntRange(min=1),
    help="Sentences per tagger mini-batch (default: 64 for token corpora, the config's for documents).",
)
@click.option(
    "--config",
    "config_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Gold documents: TOML laid over rules/default.toml.",
)
@click.option("--entities", help="Gold documents: labels the pipeline replaces (default: from the config).")
@click.option("--preset", help="Gold documents: a shipped preset (rules/presets/NAME.toml), e.g. strict.")
@click.option(
    "--trust-model",
    "trust_models",
    multiple=True,
    metavar="SHA256",
    help="Gold documents: load a --model file with this SHA-256 (repeatable).",
)
@click.option(
    "--tagger-only",
    is_flag=True,
    help="Token corpora: score the tagger's own runs, without the repairs from the name lists "
    "that anonymize applies (rules.tagger_repair).",
)
def evaluate(
    corpus: Path,
    io_scheme: bool,
    predictions_out: Path | None,
    model_path: Path | None,
    labels: str | None,
    batch_size: int | None,
    config_path: Path | None,
    entities: str | None,
    preset: str | None,
    trust_models: tuple[str, ...],
    tagger_only: bool,
) -> None:
    """Score the tagger on a token<TAB>TAG CORPUS, or the whole pipeline on gold documents.

    \b
    CORPUS is one of
      FILE.bio (any name but below)  token<TAB>TAG per line, blank line between sentences;
                                     tokens are tagged as given (no re-tokenization)
      FILE.jsonl                     gold documents in the span format (anonymizer/evaluation/gold.py)
      FILE.txt or a folder of them   gold documents in [[surface|LABEL]] markup

    Prints one JSON object with entity-level precision, recall and F1 (exact span
    match) per label and micro-averaged. Gold documents are run through the whole
    pipeline (each document one text) and also get, per label, for the identifiers
    together and for all spans (micro): leak_rate, the share of gold spans that leak
    (nothing of the span replaced, or a visible part holding a capital letter or a
    digit, or, for a name written in lower case, a word of two letters or more);
    leak_rate_chars, the older character rule (not every character replaced); and
    overlap_precision, the share of replaced spans that overlap some gold span.
    """
    from anonymizer.evaluation.gold import is_gold_path

    with exit_codes():
        chosen = split_labels(labels)
        if entities is not None and not split_labels(entities):
            raise UsageError("--entities: give at least one label, e.g. PER,LOC")
        if is_gold_path(corpus):
            if io_scheme:
                raise UsageError("--io applies to token<TAB>TAG corpora, not to gold documents")
            result = _evaluate_documents(
                corpus,
                predictions_out=predictions_out,
                model_path=model_path,
                labels=chosen,
                batch_size=batch_size,
                config_path=config_path,
                preset=preset,
                trust_models=trust_models,
                entities=split_labels(entities),
            )
        else:
            if config_path is not None or entities is not None or preset is not None:
                raise UsageError(
                    "--config, --entities and --preset apply to gold documents (.jsonl, .txt or a folder "
                    "of .txt), not to token<TAB>TAG corpora"
                )
            result = _evaluate_tokens(
                corpus,
                io_scheme=io_scheme,
                predictions_out=predictions_out,
                model_path=model_path,
                labels=chosen,
                batch_size=batch_size or 64,
                repaired=not tagger_only,
            )
        click.echo(json.dumps(result, ensure_ascii=False))


def _evaluate_tokens(
    corpus: Path,
    *,
    io_scheme: bool,
    predictions_out: Path | None,
    model_path: Path | None,
    labels: list[str] | None,
    batch_size: int,
    repaired: bool,
) -> dict[str, Any]:
    from anonymizer.detectors.ner import NerDetector, load_tagger
    from anonymizer.detectors.tagger_repair import TaggerRepair
    from anonymizer.evaluation.evaluate import RepairedTagger, Tagger, evaluate_tokens, read_conll
    from anonymizer.model.shipped import tagger_path

    sentences = list(read_conll(corpus))
    # The runtime, as `anonymize` runs it (a Flair file is exported in memory); its best
    # path, without the words that only the recall aid takes (they are no tags).
    model = load_tagger(model_path or tagger_path("default"))
    tagger: Tagger = NerDetector(model, batch_size=batch_size, recall_aid=False)
    if repaired:
        tagger = RepairedTagger(tagger, TaggerRepair.load())
    evaluation = evaluate_tokens(sentences, tagger, io=io_scheme, labels=labels)
    if predictions_out is not None:
        with predictions_out.open("w", encoding="utf-8") as handle:
            evaluation.write_predictions(handle)
    return {
        **evaluation.scores,
        "model_sha256": model.sha256,
        "sentences": len(sentences),
        "tagger_repair": repaired,
    }


def _evaluate_documents(
    corpus: Path,
    *,
    predictions_out: Path | None,
    model_path: Path | None,
    labels: list[str] | None,
    batch_size: int | None,
    config_path: Path | None,
    entities: list[str] | None,
    preset: str | None,
    trust_models: tuple[str, ...],
) -> dict[str, Any]:
    from anonymizer.evaluation.evaluate import evaluate_documents
    from anonymizer.evaluation.gold import load_gold
    from anonymizer.pipeline import Anonymizer

    documents = load_gold(corpus)
    anonymizer = Anonymizer.load(
        config=config_path,
        entities=entities,
        model_path=model_path,
        batch_size=batch_size,
        preset=preset,
        trust_models=trust_models,
    )
    evaluation = evaluate_documents(documents, anonymizer, labels=labels)
    if predictions_out is not None:
        with predictions_out.open("w", encoding="utf-8") as handle:
            for record in evaluation.prediction_records():
                handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    return {
        **evaluation.scores,
        "documents": len(documents),
        "entities": sorted(anonymizer.config.entities),
        "model_sha256": anonymizer.model_sha256,
    }


def recipe_kind(path: Path) -> str:
    """A recipe's ``kind`` (``"bilstm"`` when it names none); the TOML is checked on load."""
    import tomllib

    try:
        return str(tomllib.loads(path.read_text(encoding="utf-8")).get("kind", "bilstm"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return "bilstm"  # the recipe loader names the file and the problem


# Building the encoder tagger (anonymizer/cli/encoder_tools.py).
for command in ENCODER_COMMANDS:
    tools.add_command(command)
# Data the tool ships or trains on (anonymizer/cli/data_tools.py).
for command in DATA_COMMANDS:
    tools.add_command(command)
# Reviewing a run (anonymizer/cli/review.py).
tools.add_command(audit_group)
tools.add_command(decrypt_command)
tools.add_command(review_command)
tools.add_command(demo_command)


if __name__ == "__main__":
    tools()
