"""Leak rates of the default pipeline and a preset on every gold document set, in one run.

    .venv/bin/python bench/leaks.py                          # default and strict, four sets
    .venv/bin/python bench/leaks.py --synthetic-seed 7 --json runs/leaks.json
    .venv/bin/python bench/leaks.py --model models/sv-ner-int8.rt.npz    # another tagger
    .venv/bin/python bench/leaks.py --model FILE.onnx --trust-model SHA256  # one not shipped

The sets: the hand-written documents of tests/data/gold (the rules were written against
them), ../shared/data/docs/train.jsonl (rules were developed on it too),
../shared/data/docs/dev.jsonl (measured only) and a fresh synthetic set
(``anonymizer synthesize`` with ``--synthetic-seed``). The leak rule, the character rule
and overlap precision are those of ``anonymizer evaluate``
(anonymizer/evaluation/leaks.py). Prints one Markdown table.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # measure this checkout, not an installed copy

from anonymizer.evaluation.evaluate import evaluate_documents  # noqa: E402
from anonymizer.evaluation.gold import GoldDocument, load_gold  # noqa: E402
from anonymizer.evaluation.leaks import IDENTIFIER_LABELS  # noqa: E402
from anonymizer.evaluation.synthetic import generate  # noqa: E402
from anonymizer.pipeline import Anonymizer  # noqa: E402

SHARED = REPO.parent / "shared" / "data" / "docs"
COLUMNS = ("PER", "LOC", "ORG", "TME")


def _sets(seed: int, count: int) -> dict[str, list[GoldDocument]]:
    sets = {"tests/data/gold (tuned on)": load_gold(REPO / "tests" / "data" / "gold")}
    for name, note in (("train", "rules developed on it"), ("dev", "measured only")):
        path = SHARED / f"{name}.jsonl"
        if path.is_file():
            sets[f"shared {name}.jsonl ({note})"] = load_gold(path)
    sets[f"synthetic seed {seed} ({count})"] = list(generate(count, seed=seed))
    return sets


def _percent(scores: dict[str, Any], label: str, key: str = "leak_rate") -> str:
    entry = scores.get(label)
    return "-" if entry is None or not entry["support"] else f"{100 * entry[key]:.1f}"


def _worst_identifier(scores: dict[str, Any]) -> str:
    rates = [
        (scores[label]["leak_rate"], label)
        for label in IDENTIFIER_LABELS
        if label in scores and scores[label]["support"] and scores[label]["leaked"]
    ]
    if not rates:
        return ""
    rate, label = max(rates)
    return f" ({label} {100 * rate:.0f} %)"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--preset", action="append", help="presets besides the default (default: strict)")
    parser.add_argument("--synthetic-seed", type=int, default=2126)
    parser.add_argument("--synthetic-count", type=int, default=100)
    parser.add_argument("--json", type=Path, help="also write the scores here")
    parser.add_argument("--model", type=Path, help="tagger model file (default: the shipped default)")
    parser.add_argument(
        "--trust-model",
        action="append",
        default=[],
        metavar="SHA256",
        help="load a --model file that is not shipped, as anonymize --trust-model does",
    )
    args = parser.parse_args()
    presets: list[str | None] = [None, *(args.preset or ["strict"])]
    sets = _sets(args.synthetic_seed, args.synthetic_count)
    results: dict[str, dict[str, Any]] = {}
    print(
        "| documents | preset | all | PER | LOC | ORG | TME | identifiers | overlap precision "
        "| exact P | exact R | all, character rule |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for preset in presets:
        anonymizer = Anonymizer.load(
            preset=preset,
            model_path=args.model,
            key=b"bench key, 32 bytes long .......",
            cache_size=0,
            trust_models=args.trust_model,
        )
        for name, documents in sets.items():
            print(f"{name} / {preset or 'default'} ...", file=sys.stderr)
            scores = evaluate_documents(documents, anonymizer).scores
            results[f"{name} / {preset or 'default'}"] = scores
            micro = scores["micro"]
            cells = [_percent(scores, label) for label in COLUMNS]
            identifiers = _percent(scores, "identifiers") + _worst_identifier(scores)
            print(
                f"| {name} | {preset or 'default'} | {_percent(scores, 'micro')} | {' | '.join(cells)} "
                f"| {identifiers} | {micro['overlap_precision']:.3f} | {micro['precision']:.3f} "
                f"| {micro['recall']:.3f} | {_percent(scores, 'micro', 'leak_rate_chars')} |",
                flush=True,
            )
    print("\nLeak rates in %: the leak rule of `anonymizer evaluate` (anonymizer/evaluation/leaks.py).")
    if args.json is not None:
        args.json.write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
