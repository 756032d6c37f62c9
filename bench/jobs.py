"""Nightly-job throughput and memory, in one run: engines, worker counts, cold start, RSS.

    .venv/bin/python bench/jobs.py --json runs/jobs.json                      # 2,000 rows, tagger on
    .venv/bin/python bench/jobs.py --rows 500 --memory-sizes 1000,10000       # quick check
    .venv/bin/python bench/jobs.py --memory-sizes 1000,100000,1000000 --memory-entities PNR,PHONE,EMAIL,TME

Every measurement is a fresh ``anonymize`` process on the same synthetic CSV (the
records of ``bench/memory.py``), in turn, so background load hits them alike:

- ``seed``: the architecture the project started with, one file streamed in one
  process (``anonymize in.csv -o out.csv``, no job options);
- ``local 1``, ``local 2``: the job path (``-o DIR``) with one and two workers;
- ``dask 2``: the same on a two-worker ``LocalCluster``;
- each again on a one-row file: its cold start, which ``net`` rows/s takes off.

Outputs of the job runs must be byte-identical to the seed's; the script checks it.
Memory: peak RSS of the whole process tree (the coordinator and its workers) of the
seed and of one worker at each of ``--memory-sizes`` rows.
"""

from __future__ import annotations

import argparse
import filecmp
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import psutil
from _report import environment, markdown_table, settings, write_json
from memory import write_input

REPO = Path(__file__).resolve().parent.parent
COMMAND = [sys.executable, "-m", "anonymizer.cli.anonymize"]

CONFIGS: dict[str, list[str]] = {
    "seed": [],
    "local 1": ["--workers", "1"],
    "local 2": ["--workers", "2"],
    "dask 2": ["--engine", "dask", "--workers", "2"],
}


@dataclass
class Run:
    config: str
    rows: int
    wall_s: float
    peak_rss: int
    """Peak of the summed resident memory of the process tree, in bytes."""


def measure(command: list[str], *, timeout: float) -> tuple[float, float, int]:
    """Wall seconds, CPU seconds (the process and every child it reaped: workers included)
    and peak RSS of the process tree (coordinator and workers summed), polled."""
    started = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=REPO)
    process = psutil.Process(child.pid)
    peak = 0
    while True:
        try:
            tree = [process, *process.children(recursive=True)]
            peak = max(peak, sum(p.memory_info().rss for p in tree))
        except psutil.Error:
            pass
        pid, status, usage = os.wait4(child.pid, os.WNOHANG)
        if pid:
            break
        if time.perf_counter() - started > timeout:
            child.kill()
            raise RuntimeError(f"timed out: {' '.join(command)}")
        time.sleep(0.05)
    wall = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        assert child.stderr is not None
        raise RuntimeError(
            f"exit {child.returncode}: {' '.join(command)}\n{child.stderr.read().decode()[-2000:]}"
        )
    return wall, usage.ru_utime + usage.ru_stime, peak


def command(config: str, source: Path, out: Path, entities: str | None) -> list[str]:
    target = out / source.name if config == "seed" else out
    extra = ["--entities", entities] if entities else []
    return [*COMMAND, str(source), "--column", "text", "-o", str(target), "-q", *extra, *CONFIGS[config]]


def tokens_of(source: Path) -> int:
    import csv

    from anonymizer.text import sentences

    with source.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return sum(len(tokens) for row in rows for tokens in sentences(row["text"]))


def throughput(args: argparse.Namespace, folder: Path) -> tuple[list[dict[str, object]], dict[str, float]]:
    source, tiny = folder / "in.csv", folder / "tiny.csv"
    write_input(source, "csv", args.rows, args.seed, 10_000)
    write_input(tiny, "csv", 1, args.seed, 10_000)
    tokens = tokens_of(source)
    best: dict[tuple[str, str], float] = {}
    cpu: dict[str, float] = {}
    outputs: dict[str, Path] = {}
    for repeat in range(args.repeat):
        for config in args.configs:
            for name, path in (("cold", tiny), ("full", source)):
                out = folder / f"out-{config.replace(' ', '-')}-{name}-{repeat}"
                out.mkdir()
                wall, cpu_s, _ = measure(command(config, path, out, args.entities), timeout=args.timeout)
                key = (config, name)
                if wall < best.get(key, float("inf")):
                    best[key] = wall
                    if name == "full":
                        cpu[config] = cpu_s
                if name == "full":
                    outputs[config] = out / source.name
                print(f"{config:8} {name:5} {wall:8.1f} s", file=sys.stderr)
    reference = outputs["seed"] if "seed" in outputs else next(iter(outputs.values()))
    rows: list[dict[str, object]] = []
    for config in args.configs:
        full, cold = best[(config, "full")], best[(config, "cold")]
        net = max(full - cold, 1e-9)
        rows.append(
            {
                "config": config,
                "rows": args.rows,
                "tokens": tokens,
                "wall_s": round(full, 1),
                "cold_start_s": round(cold, 1),
                "rows_per_s": round(args.rows / full, 1),
                "net_rows_per_s": round(args.rows / net, 1),
                "net_tokens_per_s": round(tokens / net),
                "cpu_s": round(cpu[config], 1),
                "rows_per_cpu_s": round(args.rows / cpu[config], 1),
                "identical_to_seed": filecmp.cmp(outputs[config], reference, shallow=False),
            }
        )
    by_config = {str(r["config"]): float(r["net_rows_per_s"]) for r in rows}  # type: ignore[arg-type]
    ratios = {}
    if "local 1" in by_config and "local 2" in by_config:
        ratios["local 2 / local 1"] = round(by_config["local 2"] / by_config["local 1"], 2)
    if "local 2" in by_config and "dask 2" in by_config:
        ratios["dask 2 / local 2"] = round(by_config["dask 2"] / by_config["local 2"], 2)
    if "seed" in by_config and "local 2" in by_config:
        ratios["local 2 / seed"] = round(by_config["local 2"] / by_config["seed"], 2)
    return rows, ratios


def memory(args: argparse.Namespace, folder: Path) -> list[Run]:
    runs = []
    for size in args.memory_sizes:
        source = folder / f"mem-{size}.csv"
        write_input(source, "csv", size, args.seed, 10_000)
        for config in args.memory_configs:
            out = folder / f"mem-out-{config.replace(' ', '-')}-{size}"
            out.mkdir()
            wall, _, peak = measure(command(config, source, out, args.memory_entities), timeout=args.timeout)
            runs.append(Run(config, size, wall, peak))
            print(f"memory {config:8} {size:>9,} rows {wall:8.1f} s {peak / 2**20:7.0f} MiB", file=sys.stderr)
        source.unlink()
    return runs


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=2000, help="rows of the throughput input")
    parser.add_argument("--entities", help="labels (default: the config's, with the tagger)")
    parser.add_argument("--configs", default=",".join(CONFIGS), help="which of: " + ", ".join(CONFIGS))
    parser.add_argument("--repeat", type=int, default=1, help="times each run; the best counts")
    parser.add_argument("--memory-sizes", default="1000,100000", help="rows of the memory runs ('' skips)")
    parser.add_argument("--memory-entities", default="PNR,PHONE,EMAIL,TME", help="labels of the memory runs")
    parser.add_argument("--memory-configs", default="seed,local 1", help="configs of the memory runs")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--timeout", type=float, default=7200)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    args.configs = [c.strip() for c in args.configs.split(",") if c.strip()]
    args.memory_sizes = [int(s) for s in args.memory_sizes.split(",") if s.strip()]
    args.memory_configs = [c.strip() for c in args.memory_configs.split(",") if c.strip()]
    return args


def main() -> None:
    args = parse_args()
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    with tempfile.TemporaryDirectory(prefix="bench-jobs-") as tmp:
        folder = Path(tmp)
        rows, ratios = throughput(args, folder) if args.configs else ([], {})
        runs = memory(args, folder)
    write_json(
        args.json,
        {
            "environment": environment(),
            "settings": settings(args),
            "throughput": rows,
            "ratios": ratios,
            "memory": [vars(r) for r in runs],
        },
    )
    headers = [
        "config",
        "rows",
        "wall s",
        "cold start s",
        "rows/s",
        "net rows/s",
        "net tokens/s",
        "CPU s",
        "rows/CPU s",
        "same bytes",
    ]
    if rows:
        print(
            markdown_table(
                headers,
                [
                    [
                        r["config"],
                        f"{r['rows']:,}",
                        f"{r['wall_s']:.1f}",
                        f"{r['cold_start_s']:.1f}",
                        f"{r['rows_per_s']:,.1f}",
                        f"{r['net_rows_per_s']:,.1f}",
                        f"{r['net_tokens_per_s']:,}",
                        f"{r['cpu_s']:.1f}",
                        f"{r['rows_per_cpu_s']:,.1f}",
                        "yes" if r["identical_to_seed"] else "NO",
                    ]
                    for r in rows
                ],
            )
        )
    for name, value in ratios.items():
        print(f"\n{name}: {value}x")
    if runs:
        print()
        print(
            markdown_table(
                ["config", "rows", "wall s", "peak RSS MiB"],
                [[r.config, f"{r.rows:,}", f"{r.wall_s:.1f}", f"{r.peak_rss / 2**20:.0f}"] for r in runs],
            )
        )


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    main()
