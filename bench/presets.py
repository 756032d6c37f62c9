"""End-to-end redaction speed of the default configuration against a preset, in one run.

    .venv/bin/python bench/presets.py                       # default vs --preset strict
    .venv/bin/python bench/presets.py --model FILE --repeat 5

Both pipelines redact the same documents (the hand-written gold documents of
tests/data/gold, repeated to ``--copies``) on one core (the tagger runtime tags on one
BLAS thread); each repeat times
them in turn, so background load hits both alike, and the best repeat counts.
Identical-text caching is off, so every repeat really runs the detectors.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from anonymizer.evaluation.gold import load_gold
from anonymizer.pipeline import Anonymizer
from anonymizer.text import tokenize

REPO = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--preset", default="strict")
    parser.add_argument("--model", type=Path, help="model file (default: the shipped one)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--copies", type=int, default=2, help="times each gold document is redacted")
    args = parser.parse_args()
    texts = [document.text for document in load_gold(REPO / "tests" / "data" / "gold")] * args.copies
    tokens = sum(len(tokenize(text)) for text in texts)
    characters = sum(map(len, texts))
    key = b"bench key, 32 bytes long ......."
    pipelines = {
        "default": Anonymizer.load(model_path=args.model, key=key, cache_size=0),
        args.preset: Anonymizer.load(model_path=args.model, key=key, preset=args.preset, cache_size=0),
    }
    best: dict[str, float] = {}
    for _ in range(args.repeat):
        for name, pipeline in pipelines.items():
            started = time.perf_counter()
            pipeline.redact(texts)
            best[name] = min(best.get(name, float("inf")), time.perf_counter() - started)
    print(f"{len(texts)} documents, {tokens:,} tokens, {characters:,} characters")
    print(f"one thread, best of {args.repeat}")
    print("| configuration | seconds | tokens/s | characters/s |")
    print("|---|---:|---:|---:|")
    for name, seconds in best.items():
        print(f"| {name} | {seconds:.2f} | {tokens / seconds:,.0f} | {characters / seconds:,.0f} |")
    print(f"{args.preset} takes {best[args.preset] / best['default']:.2f}x the time of the default")


if __name__ == "__main__":
    main()
