"""Cold start and one-thread tagger speed: the numpy runtime against Flair.

    .venv/bin/python bench/startup.py                       # 5 cold starts each, full Talbanken dev
    .venv/bin/python bench/startup.py --starts 3 --limit-sentences 100 --no-flair-single

Cold start: ``python -c "import torch"`` and ``python -m anonymizer.cli.anonymize
samples/letter.txt -q`` in fresh processes, in turn (so background load hits both
alike); the median of each counts. Target (issue 13): the letter in at most 2 s and
at most 1.6 times the torch import.

Speed, one thread, one process, best of ``--repeat``: the runtime on the shipped
runtime file (sentences together, each with its own int8 ranges; and one sentence per
call), the same runtime on dequantized fp32 weights (one sentence at a time), and
Flair's ``predict`` on the int8 Flair file with mini-batches of 32 (the old detector,
not batch-invariant) and of 1 (the runtime's reference).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from _report import environment, markdown_table, settings, write_json

REPO = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = REPO.parent / "shared" / "data" / "ner" / "talbanken_dev.bio"
LETTER = REPO / "samples" / "letter.txt"


def cold_starts(count: int) -> dict[str, list[float]]:
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    commands = {
        "python -c 'import torch'": [sys.executable, "-c", "import torch"],
        "anonymize samples/letter.txt": [
            sys.executable,
            "-m",
            "anonymizer.cli.anonymize",
            str(LETTER),
            "--quiet",
        ],
    }
    times: dict[str, list[float]] = {name: [] for name in commands}
    for run in range(count):
        for name, command in commands.items():
            started = time.perf_counter()
            subprocess.run(command, check=True, capture_output=True, env=env, cwd=REPO, timeout=300)
            times[name].append(time.perf_counter() - started)
        print(f"cold start {run + 1}/{count}", file=sys.stderr)
    return times


def dequantized(payload: Any) -> Any:
    """The payload with every int8 weight turned back into fp32 (the fp32-on-int8-weights option)."""
    import numpy as np

    if isinstance(payload, dict):
        if "int8" in payload:
            values = payload["int8"].astype(np.float64)
            if payload["axis"] is None:
                weight = (values - payload["zero_point"]) * payload["scale"]
            else:
                weight = (values - payload["zero_point"][:, None]) * payload["scale"][:, None]
            return {"weight": weight.astype(np.float32), "bias": payload.get("bias")}
        converted = {key: dequantized(value) for key, value in payload.items()}
        if "quantized" in converted:
            converted["quantized"] = False
        return converted
    if isinstance(payload, list):
        return [dequantized(item) for item in payload]
    return payload


def speed(corpus: Path, *, limit: int | None, repeat: int, flair_single: bool) -> list[list[Any]]:
    import torch

    torch.set_num_threads(1)
    from anonymizer.detectors.ner import NerDetector
    from anonymizer.evaluation.evaluate import read_conll
    from anonymizer.model import load_model, tag_tokens
    from anonymizer.model.arrays import read_arrays
    from anonymizer.model.runtime import TaggerRuntime
    from anonymizer.model.shipped import default_model_path, default_runtime_path

    token_lists = [s.tokens for s in read_conll(corpus)][:limit]
    tokens = sum(len(t) for t in token_lists)
    runtime = TaggerRuntime.load(default_runtime_path())
    fp32 = TaggerRuntime(dequantized(read_arrays(default_runtime_path())))
    tagger = load_model(default_model_path()).tagger
    detector = NerDetector(load_model(default_model_path()))
    candidates: dict[str, Callable[[], object]] = {
        "runtime, int8, sentences together (shipped)": lambda: runtime.predict(token_lists),
        "runtime, int8, one sentence per call": lambda: [runtime.predict([t]) for t in token_lists],
        "runtime, fp32 on dequantized weights, one sentence at a time": lambda: fp32.predict(token_lists),
        "Flair predict, int8, mini-batch 32 (old detector)": lambda: tag_tokens(
            tagger, token_lists, batch_size=32
        ),
    }
    if flair_single:
        candidates["Flair predict, int8, mini-batch 1 (the reference)"] = lambda: tag_tokens(
            tagger, token_lists, batch_size=1
        )
    best = {name: float("inf") for name in candidates}
    for run in range(repeat):
        for name, call in candidates.items():
            started = time.perf_counter()
            call()
            best[name] = min(best[name], time.perf_counter() - started)
        print(f"speed repeat {run + 1}/{repeat}", file=sys.stderr)
    runtime_spans = [[run[:3] for run in spans] for spans in detector.tag(token_lists)]
    flair_spans = [[run[:3] for run in spans] for spans in tag_tokens(tagger, token_lists, batch_size=1)]
    print(
        f"runtime spans == Flair mini-batch 1 spans on all {len(token_lists)} sentences: "
        f"{runtime_spans == flair_spans}",
        file=sys.stderr,
    )
    return [[name, f"{tokens / seconds:,.0f}", f"{seconds:.2f}"] for name, seconds in best.items()]


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--starts", type=int, default=5, help="Cold starts of each command (median counts).")
    parser.add_argument(
        "--corpus", type=Path, default=DEFAULT_CORPUS, help="token<TAB>TAG file for the speed run."
    )
    parser.add_argument("--limit-sentences", type=int, help="Use only the first N sentences.")
    parser.add_argument("--repeat", type=int, default=3, help="Speed repeats (best counts).")
    parser.add_argument(
        "--no-flair-single",
        dest="flair_single",
        action="store_false",
        help="Skip Flair with mini-batch 1 (slow).",
    )
    parser.add_argument("--json", type=Path, help="Also write the results here.")
    args = parser.parse_args(argv)

    starts = cold_starts(args.starts)
    torch_s, letter_s = (statistics.median(values) for values in starts.values())
    start_rows = [
        [name, f"{statistics.median(v):.2f}", f"{min(v):.2f}", f"{max(v):.2f}"] for name, v in starts.items()
    ]
    print("## Cold start (median of", args.starts, "fresh processes)\n")
    print(markdown_table(["command", "median s", "min s", "max s"], start_rows))
    print(f"\nletter / import torch: {letter_s / torch_s:.2f}x (target <= 1.6x and <= 2 s)\n")
    speed_rows = speed(
        args.corpus, limit=args.limit_sentences, repeat=args.repeat, flair_single=args.flair_single
    )
    print(f"## Tagger speed, one thread ({args.corpus.name})\n")
    print(markdown_table(["tagger", "tokens/s", "best s"], speed_rows))
    write_json(
        args.json,
        {
            "environment": environment(),
            "settings": settings(args),
            "cold_start_s": starts,
            "letter_over_torch": letter_s / torch_s,
            "speed": speed_rows,
        },
    )


if __name__ == "__main__":
    main()
