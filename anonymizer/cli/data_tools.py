"""Commands that build the data the tool ships or trains on: synthetic documents,
name lists, the common-word table and silver training data."""

from __future__ import annotations

import json
from pathlib import Path

import click

from anonymizer.cli.common import FiniteFloat, exit_codes, stderr
from anonymizer.errors import UsageError

data_root_option = click.option(
    "--data-root",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default="../shared/data",
    show_default=True,
    help="The shared data folder (gazetteers/, text/).",
)


@click.command()
@click.option(
    "--count", type=click.IntRange(min=1), default=1000, show_default=True, help="Documents to write."
)
@click.option("--seed", type=int, default=0, show_default=True, help="Same seed, same documents.")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="Span-format JSON Lines file to write.",
)
@click.option(
    "--gazetteers",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Also draw names, places and agencies from these lists (e.g. ../shared/data/gazetteers).",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["jsonl", "bio"]),
    default="jsonl",
    show_default=True,
    help="jsonl: gold documents in the span format; bio: token<TAB>TAG training sentences "
    "(PER, LOC, ORG; the genre data of a training recipe's `silver` list).",
)
def synthesize(count: int, seed: int, out: Path, gazetteers: Path | None, output_format: str) -> None:
    """Write COUNT labelled synthetic documents (journal notes, letters, chats ...) in the span format."""
    from anonymizer.evaluation.gold import write_jsonl
    from anonymizer.evaluation.shared_lists import Gazetteers
    from anonymizer.evaluation.synthetic import generate
    from anonymizer.io import atomic_text_output
    from anonymizer.training.genre import write_genre_sentences

    with exit_codes():
        lists = Gazetteers.load(gazetteers) if gazetteers is not None else None
        documents = generate(count, seed=seed, gazetteers=lists)
        summary: dict[str, object] = {"output": str(out), "documents": count, "seed": seed}
        with atomic_text_output(out) as handle:
            if output_format == "bio":
                summary.update(sorted(write_genre_sentences(documents, handle).items()))
            else:
                summary["documents"] = write_jsonl(handle, documents)
        stderr.print(f"synthesize: {summary['documents']} documents -> {out}")
        click.echo(json.dumps(summary))


@click.command("build-gazetteers")
@data_root_option
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default="rules/gazetteers",
    show_default=True,
    help="Where the shipped lists go.",
)
@click.option(
    "--min-bearers",
    type=click.IntRange(min=1),
    default=20,
    show_default=True,
    help="Keep first names that at least this many people are called by.",
)
def build_gazetteers_command(data_root: Path, out: Path, min_bearers: int) -> None:
    """Build the name lists of the gazetteer detector from the shared lists and raw text.

    Names that the raw text often writes in lower case are marked common, and the
    detector asks more context of them.
    """
    from anonymizer.training.gazetteers import GazetteerSettings, build_gazetteers

    with exit_codes():
        counts = build_gazetteers(
            data_root, out, settings=GazetteerSettings(min_first_name_bearers=min_bearers)
        )
        stderr.print(f"build-gazetteers: {', '.join(f'{name} {rows}' for name, rows in counts.items())}")
        click.echo(json.dumps({"output": str(out), "rows": counts}))


@click.command("build-lexicon")
@data_root_option
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default="rules/lexicon/word-case.tsv.gz",
    show_default=True,
    help="The common-word table to write.",
)
@click.option("--min-count", type=click.IntRange(min=1), default=3, show_default=True)
def build_lexicon_command(data_root: Path, out: Path, min_count: int) -> None:
    """Build the Swedish common-word table (cased counts of every word in text/*.txt.gz).

    The strict preset and the tagger's lexicon features read it.
    """
    from anonymizer.training.common_words import write_word_case_table

    with exit_codes():
        rows = write_word_case_table(sorted((data_root / "text").glob("*.txt.gz")), out, min_count=min_count)
        stderr.print(f"build-lexicon: {rows} words")
        click.echo(json.dumps({"output": str(out), "rows": rows}))


@click.command()
@data_root_option
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("~/.cache/anonymizer/silver/silver.bio").expanduser(),
    show_default=True,
    help="token<TAB>TAG file to write.",
)
@click.option("--sentences", type=click.IntRange(min=1), default=50_000, show_default=True)
@click.option(
    "--sample",
    type=FiniteFloat(min=0.0, max=1.0, min_open=True),
    default=0.05,
    show_default=True,
    help="Share of the raw paragraphs to read.",
)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option(
    "--tagger",
    "tagger_name",
    type=click.Choice(["efselab", "self"]),
    default="efselab",
    show_default=True,
    help="efselab's SUC tagger, or our own (self-training: the shipped model or --model).",
)
@click.option(
    "--model",
    "model_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="With --tagger self: a runtime, encoder (.onnx) or Flair file (default: the default tagger).",
)
@click.option(
    "--min-confidence",
    type=FiniteFloat(min=0.0, max=1.0),
    default=0.95,
    show_default=True,
    help="With --tagger self: keep a sentence only if every token's confidence reaches this.",
)
@click.option(
    "--time-tags/--no-time-tags", default=True, show_default=True, help="Add TME from the time rules."
)
@click.option("--build", is_flag=True, help="Compile pefselab's taggers first (once; a few minutes).")
def silver(
    data_root: Path,
    out: Path,
    sentences: int,
    sample: float,
    seed: int,
    tagger_name: str,
    model_path: Path | None,
    min_confidence: float,
    time_tags: bool,
    build: bool,
) -> None:
    """Label raw text with a named-entity tagger and the time rules (silver data).

    efselab needs the optional dependency: pip install '.[silver]'.
    """
    from anonymizer.io import atomic_text_output
    from anonymizer.training.silver import (
        PefselabTagger,
        RuntimeTagger,
        SentenceTagger,
        build_pefselab,
        raw_sentences,
        write_silver,
    )

    with exit_codes():
        root = data_root
        paths = sorted((root / "text").glob("*.txt.gz"))
        if not paths:
            raise UsageError(f"{root / 'text'}: no *.txt.gz raw text files; point --data-root at shared/data")
        tagger: SentenceTagger
        if tagger_name == "self":
            from anonymizer.detectors.ner import NerDetector, load_tagger
            from anonymizer.model.shipped import tagger_path

            runtime = NerDetector(load_tagger(model_path or tagger_path("default"))).runtime
            if runtime is None:
                raise UsageError(f"{model_path}: --tagger self runs runtime and encoder files only")
            tagger = RuntimeTagger(runtime, min_confidence=min_confidence)
        else:
            if build:
                build_pefselab()
            try:
                tagger = PefselabTagger()
            except RuntimeError as error:
                raise UsageError(str(error)) from None
        out.parent.mkdir(parents=True, exist_ok=True)
        with atomic_text_output(out) as handle:
            counts = write_silver(
                raw_sentences(paths, sample=sample, seed=seed),
                handle,
                tagger=tagger,
                limit=sentences,
                seed=seed,
                time_tags=time_tags,
            )
        stderr.print(f"silver: {counts['sentences']} sentences -> {out}")
        click.echo(json.dumps({"output": str(out), **dict(sorted(counts.items()))}))


DATA_COMMANDS = (synthesize, build_gazetteers_command, build_lexicon_command, silver)
