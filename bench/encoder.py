"""The encoder tagger against the BiLSTM and the seed's architecture, one core, in one run.

    .venv/bin/python bench/encoder.py                         # 400 sentences, 3 repeats
    .venv/bin/python bench/encoder.py --limit-sentences 100 --repeat 1 --no-seed --no-workers

Measures, with one thread everywhere (ONNX Runtime, numpy's BLAS, torch):
- model-only words/s of the encoder (int8 ONNX), the BiLSTM-CRF (numpy runtime) and the
  seed's architecture (the BiLSTM's head with two 2048-hidden character LMs, fp32, Flair,
  mini-batches of 32; needs the train extra), best of ``--repeat``, timed in turn;
- end to end: ``Anonymizer.redact`` words/s with the default tagger and with ``--preset fast``;
- cold start of ``anonymize samples/letter.txt`` (median of ``--starts`` fresh processes)
  and its peak RSS, for both taggers;
- ``anonymize`` on a CSV with ``--workers 1`` and ``--workers 2``: the scaling ratio.
"""

from __future__ import annotations

import argparse
import csv
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from _report import environment, markdown_table, settings, write_json

REPO = Path(__file__).resolve().parent.parent
CORPORA = [
    REPO.parent / "shared" / "data" / "ner" / name for name in ("klintan_dev.bio", "talbanken_dev.bio")
]
LETTER = REPO / "samples" / "letter.txt"
ONE_THREAD = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--limit-sentences", type=int, default=400)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--starts", type=int, default=3)
    parser.add_argument("--rows", type=int, default=8000, help="CSV rows for the workers' ratio")
    parser.add_argument("--no-seed", action="store_true", help="skip the seed's architecture (needs torch)")
    parser.add_argument("--no-workers", action="store_true", help="skip the 1-against-2-workers run")
    parser.add_argument("--json", type=Path)
    return parser.parse_args()


def read_sentences(limit: int) -> list[list[str]]:
    from anonymizer.evaluation.evaluate import read_conll

    sentences = [sentence.tokens for corpus in CORPORA for sentence in read_conll(corpus)]
    step = max(1, len(sentences) // limit)
    return sentences[::step][:limit]


def best_time(function: Callable[[], Any], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return min(times)


def model_speeds(sentences: list[list[str]], args: argparse.Namespace) -> dict[str, float]:
    from threadpoolctl import threadpool_limits

    from anonymizer.model.encoder import load_encoder
    from anonymizer.model.runtime import load_runtime
    from anonymizer.model.shipped import default_model_path, tagger_path

    words = sum(map(len, sentences))
    encoder = load_encoder(tagger_path("encoder")).runtime
    bilstm = load_runtime(tagger_path("fast")).runtime
    candidates: dict[str, Callable[[], Any]] = {
        "encoder int8 (ONNX Runtime)": lambda: encoder.predict(sentences),
        "BiLSTM-CRF int8 (numpy)": lambda: bilstm.predict(sentences),
    }
    if not args.no_seed:
        import torch
        from flair.data import Sentence
        from speed import reference_tagger

        from anonymizer.model import load_model

        torch.set_num_threads(1)
        seed = reference_tagger(load_model(default_model_path()).tagger, hidden_size=2048)
        seed_sentences = sentences[: max(1, len(sentences) // 4)]
        seed_words = sum(map(len, seed_sentences))

        def run_seed() -> None:
            seed.predict([Sentence(s) for s in seed_sentences], mini_batch_size=32)

        candidates["seed architecture fp32 (Flair, 2048 LMs)"] = run_seed
    speeds: dict[str, float] = {}
    with threadpool_limits(1):
        for name, function in candidates.items():
            function()  # warm-up
            seconds = best_time(function, args.repeat)
            speeds[name] = (seed_words if name.startswith("seed") else words) / seconds
    return speeds


def end_to_end(sentences: list[list[str]], args: argparse.Namespace) -> dict[str, float]:
    from threadpoolctl import threadpool_limits

    from anonymizer.pipeline import Anonymizer

    texts = [" ".join(s) for s in sentences]
    words = sum(map(len, sentences))
    speeds = {}
    for name, preset in (("default (encoder)", None), ("--preset fast (BiLSTM)", "fast")):
        anonymizer = Anonymizer.load(preset=preset, cache_size=0)  # no repeat served from the cache
        anonymizer.redact(texts[:20])
        with threadpool_limits(1):
            speeds[name] = words / best_time(lambda a=anonymizer: a.redact(texts), args.repeat)
    return speeds


def run_measured(command: Sequence[str]) -> tuple[float, int]:
    """Wall seconds and peak RSS (KiB) of a fresh process, measured by GNU time (a child forked
    from this process would count this process's pages as its own until it execs)."""
    with tempfile.NamedTemporaryFile("r", suffix=".rss") as rss:
        started = time.perf_counter()
        done = subprocess.run(
            ["/usr/bin/time", "-f", "%M", "-o", rss.name, *command],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env={**os.environ, **ONE_THREAD},
            check=False,
        )
        seconds = time.perf_counter() - started
        if done.returncode != 0:
            raise SystemExit(f"{' '.join(command)} failed")
        return seconds, int(rss.read().split()[-1])


def cold_starts(args: argparse.Namespace) -> dict[str, dict[str, float]]:
    base = [sys.executable, "-m", "anonymizer.cli.anonymize", str(LETTER), "-q"]
    runs: dict[str, list[tuple[float, int]]] = {"default (encoder)": [], "--preset fast": []}
    for _ in range(args.starts):  # in turn, so background load hits both alike
        runs["default (encoder)"].append(run_measured(base))
        runs["--preset fast"].append(run_measured([*base, "--preset", "fast"]))
    return {
        name: {
            "median_s": statistics.median(s for s, _ in values),
            "peak_rss_mib": max(r for _, r in values) / 1024,
        }
        for name, values in runs.items()
    }


def workers(sentences: list[list[str]], args: argparse.Namespace) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "in.csv"
        with source.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["id", "text"])
            for index in range(args.rows):
                writer.writerow([index, " ".join(sentences[index % len(sentences)])])
        seconds = {}
        for count in (1, 2):
            out = Path(folder) / f"out{count}"
            command = [
                sys.executable,
                "-m",
                "anonymizer.cli.anonymize",
                str(source),
                "--column",
                "text",
                "-o",
                f"{out}/",
                "--workers",
                str(count),
                "-q",
                "--part-size",
                "16K",
                "--cache-size",
                "0",
            ]
            seconds[count], _ = run_measured(command)
    return {"1 worker s": seconds[1], "2 workers s": seconds[2], "ratio": seconds[1] / seconds[2]}


def main() -> None:
    args = parse_args()
    for key, value in ONE_THREAD.items():
        os.environ.setdefault(key, value)
    sentences = read_sentences(args.limit_sentences)
    results: dict[str, Any] = {"environment": environment(), "settings": settings(args)}
    results["model_words_per_s"] = model_speeds(sentences, args)
    results["end_to_end_words_per_s"] = end_to_end(sentences, args)
    results["cold_start"] = cold_starts(args)
    if not args.no_workers:
        results["workers"] = workers(sentences, args)
    speeds = results["model_words_per_s"]
    print(f"{len(sentences)} sentences, {sum(map(len, sentences)):,} words, one thread\n")
    print(markdown_table(["tagger", "words/s"], [[k, f"{v:,.0f}"] for k, v in speeds.items()]))
    seed = next((v for k, v in speeds.items() if k.startswith("seed")), None)
    encoder = speeds["encoder int8 (ONNX Runtime)"]
    if seed:
        print(f"\nencoder / seed architecture: {encoder / seed:.1f}x")
    print()
    e2e = results["end_to_end_words_per_s"]
    print(markdown_table(["Anonymizer.redact", "words/s"], [[k, f"{v:,.0f}"] for k, v in e2e.items()]))
    print()
    rows = [[k, f"{v['median_s']:.2f}", f"{v['peak_rss_mib']:.0f}"] for k, v in results["cold_start"].items()]
    print(markdown_table(["anonymize samples/letter.txt", "cold start s", "peak RSS MiB"], rows))
    if "workers" in results:
        w = results["workers"]
        print(
            f"\n{args.rows} CSV rows: 1 worker {w['1 worker s']:.1f} s, 2 workers {w['2 workers s']:.1f} s, "
            f"ratio {w['ratio']:.2f}x"
        )
    write_json(args.json, results)


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    main()
