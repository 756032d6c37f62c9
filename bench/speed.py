"""Tagger throughput, int8 against fp32, on the same sentences in one process.

    .venv/bin/python bench/speed.py --fp32 ~/.cache/anonymizer/train/best-model.pt
    .venv/bin/python bench/speed.py --fp32 fp32.pt --quantize       # int8 made from that fp32 file
    .venv/bin/python bench/speed.py --repeat 1 --limit-sentences 100  # quick check, int8 only

Each repeat times every model once, in turn, so background load hits them alike; the
best repeat counts. Also times end-to-end ``Anonymizer.redact`` with the int8 model.
"""

from __future__ import annotations

import argparse
import functools
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from _report import MIB, environment, markdown_table, settings, write_json

REPO = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = REPO.parent / "shared" / "data" / "ner" / "talbanken_dev.bio"

TagRuns = list[list[tuple[int, int, str, float]]]


@dataclass
class ModelResult:
    name: str
    path: Path
    file_bytes: int
    quantized: bool
    load_s: float
    times: list[float] = field(default_factory=list)
    predictions: TagRuns = field(default_factory=list)

    @property
    def best_s(self) -> float:
        return min(self.times)


def timed(function: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = function()
    return time.perf_counter() - started, result


def entity_runs(runs: Sequence[tuple[int, int, str, float]]) -> set[tuple[int, int, str]]:
    return {(first, last, label) for first, last, label, _ in runs}


def compare(a: TagRuns, b: TagRuns) -> dict[str, Any]:
    """Sentences whose entity runs (ignoring scores) are identical."""
    pairs = [(entity_runs(x), entity_runs(y)) for x, y in zip(a, b, strict=True)]
    with_entities = [(x, y) for x, y in pairs if x or y]
    return {
        "sentences": len(pairs),
        "identical_share": sum(x == y for x, y in pairs) / len(pairs),
        "sentences_with_entities": len(with_entities),
        "identical_share_with_entities": (
            sum(x == y for x, y in with_entities) / len(with_entities) if with_entities else None
        ),
    }


def architecture(tagger: Any) -> tuple[Any, ...]:
    """What a quantized copy keeps from its fp32 original."""
    return (
        tuple(tagger.label_dictionary.get_items()),
        tagger.embeddings.embedding_length,
        getattr(tagger, "hidden_size", None),
    )


def parse_args() -> argparse.Namespace:
    from anonymizer.model.shipped import default_model_path

    parser = argparse.ArgumentParser(description="Tagger throughput of the int8 model against fp32.")
    parser.add_argument(
        "--fp32", type=Path, help="fp32 Flair SequenceTagger file (without it, only int8 is measured)"
    )
    parser.add_argument(
        "--int8",
        type=Path,
        default=default_model_path(),
        help="int8 model file (default: the shipped %(default)s)",
    )
    parser.add_argument(
        "--quantize",
        action="store_true",
        help="measure an int8 copy of --fp32 made with quantize_tagger instead of --int8",
    )
    parser.add_argument(
        "--corpus",
        type=Path,
        default=DEFAULT_CORPUS if DEFAULT_CORPUS.is_file() else None,
        help="token<TAB>TAG file (default: %(default)s)",
    )
    parser.add_argument("--limit-sentences", type=int, help="use only the first N sentences")
    parser.add_argument(
        "--batch-size", type=int, default=32, help="sentences per tagger mini-batch (default: %(default)s)"
    )
    parser.add_argument(
        "--chunk-rows",
        type=int,
        default=256,
        help="texts per Anonymizer.redact call, as the CLI reads them (default: %(default)s)",
    )
    parser.add_argument(
        "--repeat", type=int, default=3, help="timed passes; the best counts (default: %(default)s)"
    )
    parser.add_argument(
        "--warmup-sentences",
        type=int,
        default=256,
        help="sentences tagged once per model before timing (default: %(default)s)",
    )
    parser.add_argument(
        "--threads", type=int, default=1, help="torch.set_num_threads (default: %(default)s, one core)"
    )
    parser.add_argument(
        "--reference-lm-hidden",
        type=int,
        default=0,
        help="also time the seed's architecture: the --fp32 tagger with two random fp32 character "
        "LMs of this hidden size (the seed used 2048) in place of its own (default: off)",
    )
    parser.add_argument(
        "--no-redact", action="store_true", help="skip the end-to-end Anonymizer.redact timing"
    )
    parser.add_argument("--json", type=Path, help="also write the results as JSON to this file")
    args = parser.parse_args()
    if args.corpus is None:
        parser.error(f"--corpus is required ({DEFAULT_CORPUS} does not exist)")
    for path in (args.fp32, args.int8, args.corpus):
        if path is not None and not path.is_file():
            parser.error(f"{path}: no such file")
    if args.quantize and args.fp32 is None:
        parser.error("--quantize needs --fp32")
    if args.reference_lm_hidden and args.fp32 is None:
        parser.error("--reference-lm-hidden needs --fp32")
    for name in ("repeat", "batch_size", "chunk_rows", "threads"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1")
    return args


def reference_tagger(tagger: Any, *, hidden_size: int) -> Any:
    """The seed's architecture, for timing only: ``tagger``'s word and character embeddings
    and tagger head, with two randomly initialised one-layer character LMs of
    ``hidden_size`` (the seed's Swedish Flair embeddings: 2048) instead of its own."""
    from flair.data import Dictionary
    from flair.embeddings import FlairEmbeddings, StackedEmbeddings
    from flair.models import LanguageModel, SequenceTagger

    from anonymizer.model import FLAIR_EMBEDDING_NAMES

    own = list(tagger.embeddings.embeddings)
    # Flair's stock "chars" dictionary downloads; take the model's own instead.
    dictionaries = [e.lm.dictionary for e in own if isinstance(e, FlairEmbeddings)]
    dictionaries += [e.char_dictionary for e in own if hasattr(e, "char_dictionary")]
    dictionary: Dictionary = dictionaries[0]
    seed_lms = [
        FlairEmbeddings(
            LanguageModel(dictionary, forward, hidden_size=hidden_size, nlayers=1, has_decoder=False),
            name=name,
        )
        for forward, name in (
            (True, FLAIR_EMBEDDING_NAMES["flair_forward"]),
            (False, FLAIR_EMBEDDING_NAMES["flair_backward"]),
        )
    ]
    return SequenceTagger(
        hidden_size=tagger.hidden_size,
        embeddings=StackedEmbeddings([*(e for e in own if not isinstance(e, FlairEmbeddings)), *seed_lms]),
        tag_dictionary=tagger.label_dictionary,
        tag_type=tagger.tag_type,
        use_crf=tagger.use_crf,
    ).eval()


def load(name: str, path: Path) -> tuple[ModelResult, Any]:
    from anonymizer.model import load_model

    seconds, model = timed(lambda: load_model(path))
    return ModelResult(name, path, path.stat().st_size, model.quantized, seconds), model


def main() -> None:
    args = parse_args()
    # flair.models and our embedding class imported here keep import time out of "load s".
    import flair.models  # noqa: F401
    import torch

    import anonymizer.model.chars  # noqa: F401
    from anonymizer.detectors.ner import NerDetector
    from anonymizer.evaluation.evaluate import read_conll, score, spans_from_tags
    from anonymizer.model import save_quantized

    torch.set_num_threads(args.threads)
    corpus = list(read_conll(args.corpus))[: args.limit_sentences]
    if not corpus:
        sys.exit(f"{args.corpus}: no sentences")
    token_lists = [sentence.tokens for sentence in corpus]
    tokens = sum(len(t) for t in token_lists)
    notes: list[str] = []

    loaded: list[tuple[ModelResult, Any]] = []
    with tempfile.TemporaryDirectory(prefix="anonymizer-bench-") as tmp:
        if args.fp32 is not None:
            loaded.append(load("fp32", args.fp32))
        int8_path = args.int8
        if args.quantize:
            from anonymizer.model import quantize_tagger

            int8_path = Path(tmp) / "quantized.pt"
            save_quantized(quantize_tagger(loaded[0][1].tagger), int8_path)
            notes.append(f"int8 = quantize_tagger({args.fp32}), saved and reloaded")
        loaded.append(load("int8", int8_path))
        if args.fp32 is None:
            notes.append("no --fp32 given: int8 only, no speed ratio")

        for result, _ in loaded:
            if result.quantized != (result.name == "int8"):
                state = "a quantized" if result.quantized else "an fp32"
                notes.append(f"warning: {result.path} ({result.name}) holds {state} model")
        if len(loaded) == 2 and architecture(loaded[0][1].tagger) != architecture(loaded[1][1].tagger):
            notes.append(
                "warning: the int8 model is not a quantized copy of the fp32 one (labels or sizes "
                "differ), so agreement compares two different models; use --quantize"
            )

        detectors = [(result, NerDetector(model, batch_size=args.batch_size)) for result, model in loaded]
        reference_result = None
        if args.reference_lm_hidden:
            from anonymizer.model import LoadedModel

            fp32_result, fp32_model = loaded[0]
            reference = reference_tagger(fp32_model.tagger, hidden_size=args.reference_lm_hidden)
            reference_result = ModelResult(
                f"seed architecture (2 x {args.reference_lm_hidden}-hidden LMs, random weights)",
                fp32_result.path,
                0,
                False,
                0.0,
            )
            detectors.append(
                (
                    reference_result,
                    NerDetector(
                        LoadedModel(tagger=reference, path=fp32_result.path, sha256="", quantized=False),
                        batch_size=args.batch_size,
                    ),
                )
            )
            notes.append("the seed-architecture row times random weights: its F1 is meaningless")
        for _, detector in detectors:
            detector.tag(token_lists[: args.warmup_sentences])
        for _ in range(args.repeat):
            for result, detector in detectors:
                seconds, result.predictions = timed(functools.partial(detector.tag, token_lists))
                result.times.append(seconds)
            print(
                " ".join(f"{r.name} {r.times[-1]:.2f} s" for r, _ in detectors), file=sys.stderr, flush=True
            )

        gold = [spans_from_tags(sentence.tags) for sentence in corpus]
        gold_labels = sorted({span[2] for spans in gold for span in spans})
        f1 = {
            result.name: float(
                score(gold, [entity_runs(r) for r in result.predictions], labels=gold_labels)["micro"]["f1"]
            )
            for result, _ in loaded
        }
        agreement = None
        if len(loaded) == 2:
            fp32_runs, int8_runs = (result.predictions for result, _ in loaded)
            agreement = compare(fp32_runs, int8_runs)

        redact = None if args.no_redact else time_redact(loaded[-1][0].path, token_lists, args)

    results = [result for result, _ in loaded]
    report(
        args,
        corpus_size=(len(corpus), tokens),
        results=results,
        f1=f1,
        agreement=agreement,
        reference=reference_result,
    )
    if redact is not None:
        print_redact(redact)
    if notes:
        print("\n" + "\n".join(f"- {note}" for note in notes))
    write_json(
        args.json,
        {
            "benchmark": "speed",
            "settings": settings(args),
            "environment": environment()
            | {"torch": torch.__version__, "quantized_engine": torch.backends.quantized.engine},
            "corpus": {"path": str(args.corpus), "sentences": len(corpus), "tokens": tokens},
            "models": [
                {
                    "name": r.name,
                    "path": str(r.path),
                    "file_bytes": r.file_bytes,
                    "quantized": r.quantized,
                    "load_s": r.load_s,
                    "times_s": r.times,
                    "tokens_per_s": tokens / r.best_s,
                    "sentences_per_s": len(corpus) / r.best_s,
                    "f1_vs_gold": f1[r.name],
                }
                for r in results
            ],
            "int8_over_fp32_speed": ratio(results),
            "reference": None
            if reference_result is None
            else {
                "name": reference_result.name,
                "times_s": reference_result.times,
                "tokens_per_s": tokens / reference_result.best_s,
                "int8_over_reference_speed": reference_result.best_s / results[-1].best_s,
            },
            "agreement": agreement,
            "redact": redact,
            "notes": notes,
        },
    )


def ratio(results: list[ModelResult]) -> float | None:
    """int8 throughput over fp32 throughput (above 1: int8 is faster)."""
    if len(results) != 2:
        return None
    fp32, int8 = results
    return fp32.best_s / int8.best_s


def time_redact(model_path: Path, token_lists: list[list[str]], args: argparse.Namespace) -> dict[str, Any]:
    """``Anonymizer.redact`` in CLI-sized chunks over the sentences joined with spaces."""
    from anonymizer.pipeline import Anonymizer

    anonymizer = Anonymizer.load(model_path=model_path, batch_size=args.batch_size)
    texts = [" ".join(tokens) for tokens in token_lists]
    chunks = [texts[i : i + args.chunk_rows] for i in range(0, len(texts), args.chunk_rows)]
    anonymizer.redact(texts[: args.warmup_sentences])
    times = []
    spans = 0
    for _ in range(args.repeat):
        seconds, redactions = timed(lambda: [r for chunk in chunks for r in anonymizer.redact(chunk)])
        times.append(seconds)
        spans = sum(len(r.replacements) for r in redactions)
    chars = sum(len(t) for t in texts)
    best = min(times)
    return {
        "model": str(model_path),
        "entities": sorted(anonymizer.config.entities),
        "texts": len(texts),
        "chars": chars,
        "times_s": times,
        "chars_per_s": chars / best,
        "texts_per_s": len(texts) / best,
        "spans": spans,
    }


def report(
    args: argparse.Namespace,
    *,
    corpus_size: tuple[int, int],
    results: list[ModelResult],
    f1: dict[str, float],
    agreement: dict[str, Any] | None,
    reference: ModelResult | None = None,
) -> None:
    sentences, tokens = corpus_size
    rows = [
        [
            r.name,
            r.path.name,
            f"{r.file_bytes / MIB:.2f}",
            f"{r.load_s:.2f}",
            f"{r.best_s:.3f}",
            f"{tokens / r.best_s:,.0f}",
            f"{sentences / r.best_s:,.1f}",
            f"{f1[r.name]:.4f}",
        ]
        for r in results
    ]
    if reference is not None:
        best = reference.best_s
        speeds = [f"{best:.3f}", f"{tokens / best:,.0f}", f"{sentences / best:,.1f}"]
        rows.append([reference.name, "-", "-", "-", *speeds, "-"])
    print(
        f"## Tagger throughput: {sentences:,} sentences, {tokens:,} tokens from {args.corpus.name}; "
        f"{args.threads} thread(s), batch {args.batch_size}, best of {args.repeat}\n"
    )
    print(
        markdown_table(
            ["model", "file", "size MiB", "load s", "best s", "tokens/s", "sentences/s", "F1 vs gold"],
            rows,
        )
    )
    if reference is not None:
        print(f"\nint8 over the seed architecture (fp32): **{reference.best_s / results[-1].best_s:.2f}x**")
    speed = ratio(results)
    if speed is not None and agreement is not None:
        fp32, int8 = results
        print(
            f"\nint8/fp32 speed: **{speed:.2f}x**; "
            f"file size int8/fp32: {int8.file_bytes / fp32.file_bytes:.2f}; "
            f"identical entity runs in {agreement['identical_share']:.1%} of sentences"
        )
        if agreement["sentences_with_entities"]:
            print(
                f"({agreement['identical_share_with_entities']:.1%} of the "
                f"{agreement['sentences_with_entities']:,} where either model found an entity)"
            )


def print_redact(redact: dict[str, Any]) -> None:
    print(f"\n## End-to-end Anonymizer.redact, int8 model, entities {','.join(redact['entities'])}\n")
    best = min(redact["times_s"])
    print(
        markdown_table(
            ["texts", "chars", "best s", "chars/s", "texts/s", "spans replaced"],
            [
                [
                    f"{redact['texts']:,}",
                    f"{redact['chars']:,}",
                    f"{best:.3f}",
                    f"{redact['chars_per_s']:,.0f}",
                    f"{redact['texts_per_s']:,.1f}",
                    f"{redact['spans']:,}",
                ]
            ],
        )
    )


if __name__ == "__main__":
    main()
