"""``anonymizer``: the tools around the main job (train, quantize, evaluate)."""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

import click

from anonymizer import __version__
from anonymizer.cli.common import exit_codes, stderr

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
    """Build, shrink and measure the models behind `anonymize`."""


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
    """Train the fp32 tagger from the shared data (then run `anonymizer quantize`)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from anonymizer.training.train import TrainSettings
    from anonymizer.training.train import train as run_training

    with exit_codes():
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
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=DEFAULT_TRAIN_DIR / "resources" / "chars.pkl",
    show_default=True,
    help="Character dictionary (made by `anonymizer train`).",
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
    import torch

    from anonymizer.training.language_model import prepare_corpus, train_language_model
    from anonymizer.training.train import TrainSettings

    with exit_codes():
        settings = TrainSettings.load(settings_path, data_root=data_root)
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
def quantize(model: Path, output: Path) -> None:
    """Write an int8 copy of an fp32 MODEL (LSTM and projection quantized)."""
    from anonymizer.detectors.ner import file_sha256, load_model, save_quantized
    from anonymizer.quantization import quantize_tagger

    with exit_codes():
        loaded = load_model(model)
        save_quantized(quantize_tagger(loaded.tagger), output)
        size_in, size_out = model.stat().st_size, output.stat().st_size
        stderr.print(f"{model}: {size_in / 1e6:.1f} MB -> {output}: {size_out / 1e6:.1f} MB")
        click.echo(json.dumps({"output": str(output), "bytes": size_out, "sha256": file_sha256(output)}))


@tools.command()
@click.argument("corpus", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--io", "io_scheme", is_flag=True, help="Score spans as maximal runs of one type (IO-annotated gold)."
)
@click.option(
    "--predictions-out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write token<TAB>gold<TAB>predicted (BIO) here.",
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
@click.option("--batch-size", type=click.IntRange(min=1), default=64, show_default=True)
def evaluate(
    corpus: Path,
    io_scheme: bool,
    predictions_out: Path | None,
    model_path: Path | None,
    labels: str | None,
    batch_size: int,
) -> None:
    """Score the tagger on CORPUS (token<TAB>TAG per line, blank line between sentences).

    Tokens are tagged as given (no re-tokenization). Prints one JSON object with
    entity-level precision, recall and F1 per label and micro-averaged.
    """
    from anonymizer.detectors.ner import NerDetector, load_model
    from anonymizer.evaluate import bio_tags, read_conll, score, spans_from_tags, write_predictions
    from anonymizer.pipeline import default_model_path

    with exit_codes():
        sentences = list(read_conll(corpus))
        model = load_model(model_path or default_model_path())
        detector = NerDetector(model, batch_size=batch_size)
        runs = detector.tag([sentence.tokens for sentence in sentences])
        predicted_tags = [bio_tags(len(s.tokens), r) for s, r in zip(sentences, runs, strict=True)]
        gold = [spans_from_tags(s.tags, io=io_scheme) for s in sentences]
        predicted = [spans_from_tags(tags, io=io_scheme) for tags in predicted_tags]
        chosen = [label.strip().upper() for label in labels.split(",")] if labels else None
        result = score(gold, predicted, labels=chosen)
        result["model_sha256"] = model.sha256
        result["sentences"] = len(sentences)
        if predictions_out is not None:
            with predictions_out.open("w", encoding="utf-8") as handle:
                write_predictions(handle, sentences, predicted_tags, io=io_scheme)
        click.echo(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    tools()
