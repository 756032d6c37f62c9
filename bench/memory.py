"""Peak memory of the ``anonymize`` CLI against input size, per input format.

Generates synthetic Swedish inputs of each size, runs the real CLI once per input in
a child process and reads the child's peak RSS (``VmHWM``) from ``/proc``. If the I/O
streams, peak RSS is flat in the row count: the ratio largest/smallest stays near 1.

    .venv/bin/python bench/memory.py                      # rules only (TME), 1k and 100k rows
    .venv/bin/python bench/memory.py --entities PER,LOC,ORG,TME --sizes 1000,10000
"""

from __future__ import annotations

import argparse
import csv
import itertools
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from _report import MIB, environment, markdown_table, settings, write_json

FORMATS = ("csv", "parquet", "jsonl", "text")
SUFFIX = {"csv": ".csv", "parquet": ".parquet", "jsonl": ".jsonl", "text": ".txt"}

FIRST = [
    "Anna", "Erik", "Lars", "Karin", "Sofia", "Johan", "Maria", "Mohammed", "Eva", "Per",
    "Ingrid", "Ahmed", "Elin", "Oskar", "Fatima", "Gustav", "Linnea", "Nils", "Zeynep", "Björn",
]  # fmt: skip
LAST = [
    "Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson", "Olsson", "Persson",
    "Svensson", "Gustafsson", "Lindqvist", "Ek", "Ahmed", "Öberg", "Åström", "Hussein", "Berg",
]  # fmt: skip
PLACES = [
    "Stockholm", "Göteborg", "Malmö", "Umeå", "Uppsala", "Luleå", "Kiruna", "Växjö", "Örebro",
    "Solna", "Kista", "Norrköping", "Visby", "Sundsvall", "Jönköping",
]  # fmt: skip
ORGS = [
    "Försäkringskassan", "Volvo", "Region Skåne", "Skatteverket", "Ericsson", "Ikea",
    "Karolinska universitetssjukhuset", "Arbetsförmedlingen", "SVT", "Polisen", "Ica",
]  # fmt: skip
MONTHS = [
    "januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti", "september",
    "oktober", "november", "december",
]  # fmt: skip
WEEKDAYS = ["måndag", "tisdag", "onsdag", "torsdag", "fredag", "lördag", "söndag"]
RELATIVE = ["i går", "i förrgår", "förra veckan", "i morse", "för två år sedan", "i somras"]
TEMPLATES = [
    "{per} flyttade från {loc} till {loc2} den {date}.",
    "Patienten {per}, född {date}, kom till vårdcentralen i {loc} med feber.",
    "{per} ringde {rel} och frågade efter handläggaren på {org}.",
    "Mötet med {org} i {loc} hölls på {weekday} kl. {clock}; {per} och {per2} deltog.",
    '{per} skrev till {org} om sin sjukskrivning den {iso}. "Tack för svaret", skrev hen.',
    "Inga personuppgifter i den här anteckningen.",
    "{per} har arbetat på {org} sedan {year} och bor numera i {loc}.",
    "Enligt {per2} lämnades paketet i {loc} {rel}, men ingen hämtade det.",
]


def sentence(rng: random.Random) -> str:
    day, month, year = rng.randint(1, 28), rng.randint(1, 12), rng.randint(1950, 2024)
    return rng.choice(TEMPLATES).format(
        per=f"{rng.choice(FIRST)} {rng.choice(LAST)}",
        per2=f"{rng.choice(FIRST)} {rng.choice(LAST)}",
        loc=rng.choice(PLACES),
        loc2=rng.choice(PLACES),
        org=rng.choice(ORGS),
        date=f"{day} {MONTHS[month - 1]} {year}",
        iso=f"{year}-{month:02d}-{day:02d}",
        year=year,
        weekday=rng.choice(WEEKDAYS),
        clock=f"{rng.randint(7, 18)}.{rng.choice(['00', '15', '30', '45'])}",
        rel=rng.choice(RELATIVE),
    )


def records(rows: int, seed: int) -> Iterator[tuple[int, str, int]]:
    """``(id, text, visits)``; a text is one or two sentences."""
    rng = random.Random(seed)
    for index in range(rows):
        text = " ".join(sentence(rng) for _ in range(rng.choice((1, 1, 2))))
        yield index + 1, text, rng.randint(0, 9)


def write_input(path: Path, fmt: str, rows: int, seed: int, row_group_rows: int) -> None:
    data = records(rows, seed)
    if fmt == "parquet":
        write_parquet(path, data, row_group_rows)
        return
    with path.open("w", encoding="utf-8", newline="") as handle:
        if fmt == "csv":
            table = csv.writer(handle)
            table.writerow(["id", "text", "visits"])
            table.writerows(data)
        elif fmt == "jsonl":
            for id_, text, visits in data:
                obj = {"id": id_, "text": text, "visits": visits}
                handle.write(json.dumps(obj, ensure_ascii=False) + "\n")
        else:
            for _, text, _ in data:
                handle.write(text + "\n\n")  # a record is a paragraph


def write_parquet(path: Path, data: Iterator[tuple[int, str, int]], row_group_rows: int) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    fields: list[pa.Field[Any]] = [
        pa.field("id", pa.int64()),
        pa.field("text", pa.string()),
        pa.field("visits", pa.int32()),
    ]
    schema = pa.schema(fields)
    with pq.ParquetWriter(path, schema) as parquet:
        written = False
        while group := list(itertools.islice(data, row_group_rows)):
            columns = [pa.array([row[i] for row in group], type=f.type) for i, f in enumerate(schema)]
            parquet.write_table(pa.Table.from_arrays(columns, schema=schema), row_group_size=len(group))
            written = True
        if not written:
            parquet.write_table(schema.empty_table())


@dataclass
class Run:
    format: str
    rows: int
    input_bytes: int
    wall_s: float
    cpu_s: float
    peak_rss_bytes: int

    @property
    def rows_per_s(self) -> float:
        return self.rows / self.wall_s if self.wall_s else 0.0

    def net_rows_per_s(self, empty: Run | None) -> float | None:
        """Rows/s after taking off the 0-row run's wall time; ``None`` when what is left is
        under half the start-up time, i.e. mostly start-up jitter."""
        if empty is None or self.rows == 0 or self.wall_s - empty.wall_s < 0.5 * empty.wall_s:
            return None
        return self.rows / (self.wall_s - empty.wall_s)


def measure(
    command: list[str], *, env: dict[str, str], timeout: float, log: Path
) -> tuple[float, float, int]:
    """Wall seconds, CPU seconds and peak RSS (bytes) of exactly this child.

    The peak is the child's ``VmHWM`` from ``/proc``, polled while it runs. Not
    ``ru_maxrss``: Linux carries the high-water mark of the forked parent's memory
    across ``exec`` into it, so a child forked from a large parent reports the
    parent's size.
    """
    with log.open("wb") as stderr:
        started = time.perf_counter()
        child = subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=stderr, env=env
        )
        deadline = started + timeout
        peak = 0
        while True:
            peak = max(peak, _high_water_mark(child.pid))
            pid, status, usage = os.wait4(child.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                child.kill()
                os.wait4(child.pid, 0)
                child.returncode = -9
                raise RuntimeError(f"timed out after {timeout:.0f} s: {' '.join(command)}")
            time.sleep(0.02)
        wall = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)  # reaped here; keep Popen from waiting again
    if child.returncode != 0:
        tail = log.read_text(encoding="utf-8", errors="replace")[-2000:]
        raise RuntimeError(f"exit status {child.returncode}: {' '.join(command)}\n{tail}")
    return wall, usage.ru_utime + usage.ru_stime, peak


def _high_water_mark(pid: int) -> int:
    """Peak resident bytes of the process's current address space (0 once it has exited)."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def cli_command(source: Path, fmt: str, output: Path, args: argparse.Namespace) -> list[str]:
    command = [sys.executable, "-m", "anonymizer.cli.anonymize", str(source), "-q", "-o", str(output)]
    command += ["--entities", args.entities]
    if fmt != "text":
        command += ["--column", "text"]
    if args.chunk_rows:
        command += ["--chunk-rows", str(args.chunk_rows)]
    if args.batch_size:
        command += ["--batch-size", str(args.batch_size)]
    if args.model:
        command += ["--model", str(args.model)]
    return command


def row_counts(text: str) -> list[int]:
    values = sorted({int(v) for v in text.split(",") if v.strip()})
    if not values or values[0] < 0:
        raise argparse.ArgumentTypeError("give non-negative row counts, e.g. 1000,100000")
    return values


def formats(text: str) -> list[str]:
    chosen = [v.strip() for v in text.split(",") if v.strip()]
    unknown = set(chosen) - set(FORMATS)
    if not chosen or unknown:
        raise argparse.ArgumentTypeError(f"choose from {','.join(FORMATS)}")
    return chosen


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Peak RSS and throughput of the anonymize CLI for growing inputs, per format."
    )
    parser.add_argument(
        "--sizes", type=row_counts, default="1000,100000", help="row counts (default: %(default)s)"
    )
    parser.add_argument(
        "--formats", type=formats, default=",".join(FORMATS), help="input formats (default: %(default)s)"
    )
    parser.add_argument(
        "--entities",
        default="TME",
        help="passed to anonymize (default: %(default)s = time rules only, no tagger pass; "
        "PER,LOC,ORG,TME adds the model)",
    )
    parser.add_argument(
        "--seed", type=int, default=1, help="seed of the synthetic text (default: %(default)s)"
    )
    parser.add_argument("--chunk-rows", type=int, help="passed to anonymize (default: the CLI's)")
    parser.add_argument("--batch-size", type=int, help="passed to anonymize (default: the config's)")
    parser.add_argument("--model", type=Path, help="passed to anonymize (default: the shipped int8 model)")
    parser.add_argument(
        "--parquet-row-group",
        type=int,
        default=10_000,
        help="rows per row group of the generated Parquet files; the reader and writer each hold "
        "about one row group (default: %(default)s)",
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=1,
        help="OMP/MKL threads of the child, i.e. torch (default: %(default)s)",
    )
    parser.add_argument(
        "--no-empty",
        action="store_true",
        help="skip the 0-row run per format that measures the fixed cost (start-up, imports, model)",
    )
    parser.add_argument("--timeout", type=float, default=3600, help="seconds per run (default: %(default)s)")
    parser.add_argument(
        "--workdir", type=Path, help="write the inputs here and keep them (default: a temp dir)"
    )
    parser.add_argument("--json", type=Path, help="also write the results as JSON to this file")
    args = parser.parse_args()
    if args.parquet_row_group < 1:
        parser.error("--parquet-row-group must be at least 1")
    return args


def main() -> None:
    args = parse_args()
    env = dict(os.environ, OMP_NUM_THREADS=str(args.threads), MKL_NUM_THREADS=str(args.threads))
    env.setdefault("PYTHONDONTWRITEBYTECODE", "1")
    runs: list[Run] = []
    with tempfile.TemporaryDirectory(prefix="anonymizer-bench-") as tmp:
        folder = args.workdir or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        sizes = args.sizes if args.no_empty or 0 in args.sizes else [0, *args.sizes]
        for fmt in args.formats:
            for rows in sizes:
                source = folder / f"input-{rows}{SUFFIX[fmt]}"
                write_input(source, fmt, rows, args.seed, args.parquet_row_group)
                output = Path(tmp) / f"output{SUFFIX[fmt]}"
                command = cli_command(source, fmt, output, args)
                wall, cpu, peak = measure(
                    command, env=env, timeout=args.timeout, log=Path(tmp) / "stderr.log"
                )
                if not output.is_file():
                    raise RuntimeError(f"no output written: {' '.join(command)}")
                output.unlink()
                run = Run(fmt, rows, source.stat().st_size, wall, cpu, peak)
                runs.append(run)
                print(
                    f"{fmt:8} {rows:>9,} rows  {wall:7.1f} s  {peak / MIB:7.1f} MiB",
                    file=sys.stderr,
                    flush=True,
                )
    report(runs, args)


def report(runs: list[Run], args: argparse.Namespace) -> None:
    empty = {r.format: r for r in runs if r.rows == 0}
    print(f"## anonymize: peak memory by input size (--entities {args.entities})\n")
    print(
        markdown_table(
            ["format", "rows", "input MiB", "wall s", "CPU s", "rows/s", "net rows/s", "peak RSS MiB"],
            [
                [
                    r.format,
                    f"{r.rows:,}",
                    f"{r.input_bytes / MIB:.2f}",
                    f"{r.wall_s:.2f}",
                    f"{r.cpu_s:.2f}",
                    f"{r.rows_per_s:,.0f}",
                    "-" if (net := r.net_rows_per_s(empty.get(r.format))) is None else f"{net:,.0f}",
                    f"{r.peak_rss_bytes / MIB:.1f}",
                ]
                for r in runs
            ],
        )
    )
    growth = []
    counted = [n for n in args.sizes if n > 0] or args.sizes
    small_rows, large_rows = counted[0], counted[-1]
    for fmt in args.formats:
        by_rows = {r.rows: r for r in runs if r.format == fmt}
        small, large = by_rows[small_rows], by_rows[large_rows]
        growth.append(
            {
                "format": fmt,
                "small_rows": small_rows,
                "large_rows": large_rows,
                "empty_peak_rss_bytes": empty[fmt].peak_rss_bytes if fmt in empty else None,
                "small_peak_rss_bytes": small.peak_rss_bytes,
                "large_peak_rss_bytes": large.peak_rss_bytes,
                "peak_ratio": large.peak_rss_bytes / small.peak_rss_bytes,
                "peak_growth_bytes": large.peak_rss_bytes - small.peak_rss_bytes,
            }
        )
    if large_rows > small_rows:
        print(f"\n### Growth from {small_rows:,} to {large_rows:,} rows\n")
        print(
            markdown_table(
                [
                    "format",
                    "0 rows MiB",
                    f"{small_rows:,} rows MiB",
                    f"{large_rows:,} rows MiB",
                    "ratio",
                    "growth MiB",
                ],
                [
                    [
                        g["format"],
                        "-"
                        if g["empty_peak_rss_bytes"] is None
                        else f"{g['empty_peak_rss_bytes'] / MIB:.1f}",
                        f"{g['small_peak_rss_bytes'] / MIB:.1f}",
                        f"{g['large_peak_rss_bytes'] / MIB:.1f}",
                        f"{g['peak_ratio']:.3f}",
                        f"{g['peak_growth_bytes'] / MIB:+.1f}",
                    ]
                    for g in growth
                ],
            )
        )
    print(
        "\nPeak RSS is the child's VmHWM (/proc, polled every 20 ms). The 0-row run is the fixed cost: "
        "interpreter start and, unless only rule labels (TME) are asked for, Flair and the model. "
        "net rows/s takes that run's wall time off."
    )
    write_json(
        args.json,
        {
            "benchmark": "memory",
            "settings": settings(args),
            "environment": environment(),
            "runs": [
                asdict(r)
                | {"rows_per_s": r.rows_per_s, "net_rows_per_s": r.net_rows_per_s(empty.get(r.format))}
                for r in runs
            ],
            "growth": growth,
        },
    )


if __name__ == "__main__":
    try:
        main()
    except RuntimeError as error:  # a failed or timed-out run: its command and stderr say enough
        sys.exit(f"memory.py: {error}")
