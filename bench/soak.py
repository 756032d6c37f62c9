"""Soak: 1M rows through `anonymize` with two workers, SIGKILLed at random points and resumed.

    .venv/bin/python bench/soak.py                                  # 1,000,000 rows, 5 kills
    .venv/bin/python bench/soak.py --rows 100000 --kills 3          # quick check
    .venv/bin/python bench/soak.py --json runs/soak.json --workdir /tmp/soak

It writes a CSV of ``--rows`` short Swedish notes (``id,text``; every note holds a
personnummer, a phone number and an e-mail address), then runs the real command in a
child process of its own session:

    python -m anonymizer.cli.anonymize in/ -o out/ --workers 2 --resume --column text
        --entities PNR,PHONE,EMAIL,TME --audit audit.jsonl --audit-key K --report report.json

``--kills`` times it SIGKILLs the coordinator at a random moment (``--kill-after``
seconds, uniform, seeded) and starts it again with the same command; workers must end
by themselves when their coordinator dies (any still alive after 10 s are counted as
orphans, then killed). The last run goes to the end. Then it checks the output: every
row ID from 0 to rows-1 exactly once and in order, no personnummer, phone number or
e-mail address left, and an audit summary line for the file.

While a run goes on it samples, every ``--interval`` seconds, the resident memory of
every process of the session (``VmRSS`` from ``/proc``): the total over time and the
peak of each process are reported per run and overall.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from _report import environment, markdown_table, settings, write_json

ENTITIES = "PNR,PHONE,EMAIL,TME"
NOTES = (
    "Patienten {name} ({pnr}) ringde i går från {phone} om sin remiss.",
    "Mejla {mail} före den {day} maj, kl. 14.30; {name} väntar på svar.",
    "Återbesök nästa vecka. Ring {phone} vid frågor, pnr {pnr}.",
    "{name} har flyttat. Ny adress meddelas via {mail}.",
)
NAMES = ("Anna Lind", "Erik Berg", "Sara Ek", "Johan Holm", "Maria Nilsson", "Lars Åberg")
LEFT_OVER = re.compile(r"\b\d{6}-\d{4}\b|\b07\d-\d{3} \d{2} \d{2}\b|@exempel\.se")


def luhn_pnr(rng: random.Random) -> str:
    digits = (
        f"{rng.randint(40, 99):02d}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}{rng.randint(100, 999)}"
    )
    total = 0
    for index, char in enumerate(digits):
        value = int(char) * (2 if index % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return f"{digits[:6]}-{digits[6:]}{(10 - total % 10) % 10}"


def write_input(path: Path, rows: int, seed: int) -> None:
    rng = random.Random(seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "text"])
        for row in range(rows):
            name = rng.choice(NAMES)
            note = rng.choice(NOTES).format(
                name=name,
                pnr=luhn_pnr(rng),
                phone=f"07{rng.randint(0, 9)}-{rng.randint(100, 999)} {rng.randint(10, 99)} "
                f"{rng.randint(10, 99)}",
                mail=f"{name.split()[0].lower()}.{row}@exempel.se",
                day=rng.randint(1, 28),
            )
            writer.writerow([row, note])


def session_rss_kib(session: int) -> dict[int, int]:
    """``VmRSS`` of every process in ``session``, by pid."""
    found: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
            if int(fields[3]) != session:  # field 6 of stat: the session id
                continue
            with open(f"/proc/{entry}/status", encoding="ascii", errors="replace") as handle:
                for line in handle:
                    if line.startswith("VmRSS:"):
                        found[int(entry)] = int(line.split()[1])
        except (OSError, IndexError, ValueError):
            continue
    return found


@dataclass
class Run:
    index: int
    started: float
    seconds: float = 0.0
    killed: bool = False
    exit_code: int | None = None
    orphans: int = 0
    peak_total_mib: float = 0.0
    peak_process_mib: float = 0.0
    processes: int = 0
    timeline: list[tuple[float, float]] = field(default_factory=list)
    """(seconds since the soak began, total MiB of the session)."""


def run_once(command: list[str], *, index: int, kill_after: float | None, interval: float, t0: float) -> Run:
    run = Run(index=index, started=time.monotonic() - t0)
    child = subprocess.Popen(
        command,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    seen: set[int] = set()
    begun = time.monotonic()
    while child.poll() is None:
        sizes = session_rss_kib(child.pid)
        seen.update(sizes)
        total = sum(sizes.values()) / 1024
        run.timeline.append((round(time.monotonic() - t0, 2), round(total, 1)))
        run.peak_total_mib = max(run.peak_total_mib, total)
        run.peak_process_mib = max([run.peak_process_mib, *(size / 1024 for size in sizes.values())])
        if kill_after is not None and time.monotonic() - begun >= kill_after:
            child.send_signal(signal.SIGKILL)
            run.killed = True
            child.wait()
            break
        time.sleep(interval)
    run.exit_code = child.wait()
    run.seconds = time.monotonic() - begun
    run.processes = len(seen)
    stderr = child.stderr.read().decode("utf-8", errors="replace") if child.stderr else ""
    if run.killed:
        deadline = time.monotonic() + 10
        while session_rss_kib(child.pid) and time.monotonic() < deadline:
            time.sleep(0.2)
        left = session_rss_kib(child.pid)
        run.orphans = len(left)
        for pid in left:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
    elif run.exit_code != 0:
        raise SystemExit(f"run {index} failed with exit code {run.exit_code}:\n{stderr}")
    return run


def check_output(output: Path, audit: Path, rows: int) -> dict[str, Any]:
    expected = 0
    left_over = 0
    with output.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        if next(reader) != ["id", "text"]:
            raise SystemExit(f"{output}: the header changed")
        for record in reader:
            if int(record[0]) != expected:
                raise SystemExit(f"{output}: row ID {record[0]} where {expected} was due")
            left_over += bool(LEFT_OVER.search(record[1]))
            expected += 1
    if expected != rows:
        raise SystemExit(f"{output}: {expected} rows, {rows} expected")
    summaries = [
        line for line in audit.read_text(encoding="utf-8").splitlines() if '"type": "summary"' in line
    ]
    return {
        "rows": expected,
        "rows_with_identifiers_left": left_over,
        "summaries": len(summaries),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--kills", type=int, default=5, help="SIGKILLs before the last run (default: 5)")
    parser.add_argument(
        "--kill-after",
        default="20,180",
        help="seconds after a start to kill, uniform in MIN,MAX (default: 20,180)",
    )
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--entities", default=ENTITIES)
    parser.add_argument("--part-size", default="2M", help="--part-size of the command (default: 2M)")
    parser.add_argument("--interval", type=float, default=0.5, help="memory sampling interval, s")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--workdir", type=Path, help="keep the files here (default: a temporary folder)")
    parser.add_argument("--json", type=Path, help="also write the results (and the memory timeline) here")
    args = parser.parse_args()
    low, high = (float(value) for value in args.kill_after.split(","))
    rng = random.Random(args.seed)

    with tempfile.TemporaryDirectory(prefix="soak-") as scratch:
        work = args.workdir or Path(scratch)
        source = work / "in" / "notes.csv"
        print(f"writing {args.rows:,} rows to {source} ...", file=sys.stderr)
        write_input(source, args.rows, args.seed)
        out, audit, report = work / "out", work / "audit.jsonl", work / "report.json"
        command = [
            sys.executable, "-m", "anonymizer.cli.anonymize", str(source.parent), "-o", f"{out}/",
            "--workers", str(args.workers), "--resume", "--column", "text", "--entities", args.entities,
            "--audit", str(audit), "--audit-key", "soak-audit-key", "--report", str(report),
            "--part-size", args.part_size, "-q",
        ]  # fmt: skip
        t0 = time.monotonic()
        runs: list[Run] = []
        for index in range(args.kills + 1):
            kill_after = rng.uniform(low, high) if index < args.kills else None
            print(
                f"run {index}: " + (f"kill after {kill_after:.1f} s" if kill_after else "to the end"),
                file=sys.stderr,
            )
            runs.append(run_once(command, index=index, kill_after=kill_after, interval=args.interval, t0=t0))
        total_s = time.monotonic() - t0
        checked = check_output(out / "notes.csv", audit, args.rows)
        size = source.stat().st_size

    rows = [
        [
            run.index,
            f"{run.started:.1f}",
            f"{run.seconds:.1f}",
            "SIGKILL" if run.killed else str(run.exit_code),
            run.orphans,
            run.processes,
            f"{run.peak_total_mib:.0f}",
            f"{run.peak_process_mib:.0f}",
        ]
        for run in runs
    ]
    print(
        markdown_table(
            ["run", "start s", "ran s", "ended", "orphans", "processes", "peak MiB (all)", "peak MiB (one)"],
            rows,
        )
    )
    print(
        f"\n{args.rows:,} rows ({size / 2**20:.0f} MiB), {args.workers} workers, {args.kills} SIGKILLs: "
        f"{total_s:.0f} s in all; output checked: {checked['rows']:,} row IDs once each and in order, "
        f"{checked['rows_with_identifiers_left']} rows with an identifier left; peak RSS of the whole job "
        f"{max(r.peak_total_mib for r in runs):.0f} MiB, of one process "
        f"{max(r.peak_process_mib for r in runs):.0f} MiB"
    )
    write_json(
        args.json,
        {
            "environment": environment(),
            "settings": settings(args),
            "seconds": round(total_s, 1),
            "input_bytes": size,
            "check": checked,
            "runs": [run.__dict__ for run in runs],
        },
    )
    if checked["rows_with_identifiers_left"] or any(run.orphans for run in runs):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
