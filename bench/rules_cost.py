"""End-to-end time of this checkout against an older one, in one run: what new rules and
normalisation cost.

    git archive BASE anonymizer rules | tar -x -C /tmp/base && ln -s "$PWD/models" /tmp/base/models
    .venv/bin/python bench/rules_cost.py --baseline /tmp/base --model models/sv-ner-int8.rt.npz

Each side runs in its own child process (its own package on ``sys.path``), redacting the
gold documents of tests/data/gold (``--copies`` times) on one thread with caching off; the
sides take turns for ``--rounds`` rounds, so background load hits both alike, and the best
time of each counts.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

CHILD = """
import json, sys, time
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from anonymizer.evaluation.gold import load_gold
from anonymizer.pipeline import Anonymizer
texts = [d.text for d in load_gold(Path(sys.argv[2]))] * int(sys.argv[3])
model = Path(sys.argv[4]) if sys.argv[4] else None
pipeline = Anonymizer.load(model_path=model, key=b"bench key, 32 bytes long .......", cache_size=0)
pipeline.redact(texts[:4])
best = float("inf")
for _ in range(int(sys.argv[5])):
    started = time.perf_counter()
    pipeline.redact(texts)
    best = min(best, time.perf_counter() - started)
print(json.dumps({"seconds": best, "characters": sum(map(len, texts))}))
"""


def _time(root: Path, args: argparse.Namespace) -> dict[str, float]:
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "PYTHONPATH": str(root)}
    command = [
        sys.executable,
        "-c",
        CHILD,
        str(root),
        str(REPO / "tests" / "data" / "gold"),
        str(args.copies),
        str(args.model or ""),
        str(args.repeat),
    ]
    output = subprocess.run(command, env=env, check=True, capture_output=True, text=True, cwd=root).stdout
    result: dict[str, float] = json.loads(output.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--baseline", type=Path, required=True, help="a folder with the older anonymizer/ and rules/"
    )
    parser.add_argument("--model", type=Path, help="tagger model file for both sides")
    parser.add_argument("--copies", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3, help="timed passes per child")
    parser.add_argument("--rounds", type=int, default=2, help="children per side, taken in turns")
    args = parser.parse_args()
    best: dict[str, float] = {}
    characters = 0.0
    for _ in range(args.rounds):
        for name, root in (("baseline", args.baseline.resolve()), ("this checkout", REPO)):
            result = _time(root, args)
            best[name] = min(best.get(name, float("inf")), result["seconds"])
            characters = result["characters"]
    print(f"{characters:,.0f} characters, one thread, best of {args.rounds} x {args.repeat}")
    print("| code | seconds | characters/s |")
    print("|---|---:|---:|")
    for name, seconds in best.items():
        print(f"| {name} | {seconds:.2f} | {characters / seconds:,.0f} |")
    print(f"this checkout takes {best['this checkout'] / best['baseline']:.3f}x the baseline's time")


if __name__ == "__main__":
    main()
