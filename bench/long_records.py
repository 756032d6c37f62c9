"""Time one record of 10 kB .. 10 MB through the whole pipeline: is time per MB flat?

    .venv/bin/python bench/long_records.py                          # rules, name lists, propagation
    .venv/bin/python bench/long_records.py --sizes 10k,100k,1M      # quick check
    .venv/bin/python bench/long_records.py --tagger --sizes 10k,100k,1M   # with the shipped tagger
    .venv/bin/python bench/long_records.py --kinds names --json runs/long.json

Each (kind, size) runs in a child process of its own, so peaks cannot mix: the child
builds the anonymizer, makes one record of that size, redacts it with
``Anonymizer.redact([record])`` (detection, merging, propagation, numbering and
replacement) and reports its wall time and its peak resident memory (``VmHWM``) above
what it held before the record was made. Small records are repeated until they have
run for at least ``--min-seconds``, the best repeat counts.

Record kinds (deterministic for a ``--seed``):

* ``prose``: short Swedish sentences with names from a small cast, places, dates,
  phone numbers and e-mail addresses, a line break every ten sentences;
* ``names``: the same, but every sentence names a new person (distinct surnames):
  the mention table and the numbering grow with the record;
* ``one-line``: ``names`` without a single line break;
* ``noise``: random letters, digits, punctuation and spaces, runs of each: no
  sentences, long tokens;
* ``shapes``: one run each of shapes that once made a rule, the tokenizer, the
  merge or propagation quadratic (``1.1.1.``, ``+-+-``, ``fredag, 3 maj fredag, ...``,
  ``Anna Anna ...``), each run a fixed share of the record, so it grows with it.

Without ``--tagger`` the tagger is left out (its cost per sentence does not depend on
the record: ``bench/speed.py`` measures it) and every other detector of the shipped
configuration runs: time rules, identifier rules, deny list, name lists, propagation.
``--tagger`` adds the shipped tagger (torch on one thread); keep the sizes small, it
tags about 10,000 tokens/s.

The ratio column is the largest time per MB over the smallest, per kind (the target
is at most 2).
"""

from __future__ import annotations

import argparse
import json
import random
import string
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from _report import environment, markdown_table, settings, write_json

KINDS = ("prose", "names", "one-line", "noise", "shapes")
MB = 1_000_000
FIRST = ("Anna", "Erik", "Lena", "Karl", "Maria", "Johan", "Sara", "Lars", "Eva", "Nils", "Ida", "Oskar")
LAST = ("Lind", "Berg", "Ek", "Holm", "Nilsson", "Svensson", "Karlsson", "Åberg", "Sjöberg", "Haddad")
PLACES = ("Solna", "Umeå", "Göteborg", "Kiruna", "Lund", "Västerås")
TEMPLATES = (
    "{first} {last} ringde den {day} maj 2021 från 070-{n3} {n2} {n2b}.",
    "Sedan åkte {last} till {place} i går kväll.",
    "Mejla {first_l}.{last_l}@exempel.se före kl. 14.30 på fredag.",
    "Hon bor på Storgatan {day} i {place} sedan 2015.",
    "{first} sa att allt var bra.",
)


def parse_size(text: str) -> int:
    """``10k`` -> 10,000 characters, ``1M`` -> 1,000,000."""
    factor = {"k": 1_000, "m": MB}.get(text[-1].lower(), 1)
    return int(float(text[:-1] if factor != 1 else text) * factor)


def distinct_surname(rng: random.Random) -> str:
    return "Q" + "".join(rng.choice(string.ascii_lowercase) for _ in range(8))


SHAPES = ("1.", "+-", "_.", "A&", "fredag, 3 maj ", "Anna ", "Lind, ", " ")


def make_record(kind: str, size: int, seed: int) -> str:
    """About ``size`` characters of ``kind`` (cut at ``size``)."""
    rng = random.Random(seed)
    if kind == "shapes":
        share = size // len(SHAPES)
        runs = [(shape * (share // len(shape) + 1))[:share] for shape in SHAPES]
        return "\n".join(runs)[:size]
    if kind == "noise":
        pools = (string.ascii_letters + "åäöÅÄÖ", string.digits, ".,;:-+/@()'\"!?_", " \t", "\n")
        parts: list[str] = []
        length = 0
        while length < size:
            pool = rng.choice(pools)
            run = "".join(rng.choice(pool) for _ in range(rng.choice((1, 2, 3, 5, 40, 300))))
            parts.append(run)
            length += len(run)
        return "".join(parts)[:size]
    sentences: list[str] = []
    length = 0
    count = 0
    while length < size:
        first = rng.choice(FIRST)
        last = distinct_surname(rng) if kind in ("names", "one-line") else rng.choice(LAST)
        sentence = rng.choice(TEMPLATES).format(
            first=first,
            last=last,
            first_l=first.lower(),
            last_l=last.lower(),
            place=rng.choice(PLACES),
            day=rng.randint(1, 28),
            n3=rng.randint(100, 999),
            n2=rng.randint(10, 99),
            n2b=rng.randint(10, 99),
        )
        count += 1
        separator = "\n" if kind != "one-line" and count % 10 == 0 else " "
        sentences.append(sentence + separator)
        length += len(sentence) + 1
    return "".join(sentences)[:size]


def vm_hwm_kib() -> int:
    with open("/proc/self/status", encoding="ascii") as handle:
        for line in handle:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


def build_anonymizer(tagger: bool) -> Any:
    """The shipped configuration; without ``tagger`` every detector but the tagger."""
    from anonymizer.config import load_config
    from anonymizer.pipeline import Anonymizer

    if tagger:
        return Anonymizer.load()
    from anonymizer.detectors import Detector
    from anonymizer.detectors.gazetteer import GazetteerDetector
    from anonymizer.detectors.lists import DenyListDetector
    from anonymizer.detectors.patterns import PatternDetector
    from anonymizer.detectors.time import TimeDetector

    config = load_config(None)
    detectors: list[Detector] = [TimeDetector(score=config.time_score), PatternDetector(config.recognizers)]
    if config.deny:
        detectors.append(DenyListDetector(config.deny))
    detectors.append(GazetteerDetector(score=config.gazetteer_score))
    known = frozenset().union(*(d.labels for d in detectors))
    return Anonymizer(config=config.with_entities(config.entities & known), detectors=detectors)


def child(kind: str, size: int, seed: int, tagger: bool, min_seconds: float) -> dict[str, Any]:
    if tagger:
        import torch

        torch.set_num_threads(1)
    anonymizer = build_anonymizer(tagger)
    anonymizer.redact(["Anna Lind ringde den 3 maj från Solna."])  # warm caches
    before = vm_hwm_kib()
    record = make_record(kind, size, seed)
    times: list[float] = []  # CPU seconds: a shared machine's load hits wall time much harder
    walls: list[float] = []
    spans = 0
    while not times or (sum(times) < min_seconds and len(times) < 50):
        started, cpu = time.perf_counter(), time.process_time()
        [result] = anonymizer.redact([record])
        times.append(time.process_time() - cpu)
        walls.append(time.perf_counter() - started)
        spans = len(result.replacements)
    return {
        "kind": kind,
        "chars": len(record),
        "repeats": len(times),
        "seconds": min(times),
        "wall_seconds": min(walls),
        "spans": spans,
        "peak_above_start_mib": round((vm_hwm_kib() - before) / 1024, 1),
    }


def run_child(args: argparse.Namespace, kind: str, size: int) -> dict[str, Any] | None:
    """The child's result; ``None`` if it ran past ``--timeout``."""
    command = [
        sys.executable,
        __file__,
        "--child",
        f"{kind}:{size}",
        "--seed",
        str(args.seed),
        "--min-seconds",
        str(args.min_seconds),
        *(["--tagger"] if args.tagger else []),
    ]
    try:
        done = subprocess.run(command, capture_output=True, text=True, check=False, timeout=args.timeout)
    except subprocess.TimeoutExpired:
        return None
    if done.returncode != 0:
        raise SystemExit(f"child {kind}:{size} failed:\n{done.stderr}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="10k,100k,1M,10M", help="record sizes (default: %(default)s)")
    parser.add_argument("--kinds", default=",".join(KINDS), help="record kinds (default: %(default)s)")
    parser.add_argument("--tagger", action="store_true", help="include the shipped tagger")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--min-seconds", type=float, default=2.0, help="repeat a record until this much time (default: 2)"
    )
    parser.add_argument(
        "--timeout", type=float, help="give up on a record after this many seconds (reported as such)"
    )
    parser.add_argument("--json", type=Path, help="also write the results as JSON here")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, size = args.child.split(":")
        print(json.dumps(child(kind, int(size), args.seed, args.tagger, args.min_seconds)))
        return
    sizes = [parse_size(size) for size in args.sizes.split(",")]
    kinds = [kind for kind in args.kinds.split(",") if kind]
    unknown = set(kinds) - set(KINDS)
    if unknown:
        parser.error(f"unknown kinds: {', '.join(sorted(unknown))}; known: {', '.join(KINDS)}")
    results: list[dict[str, Any]] = []
    rows = []
    for kind in kinds:
        per_mb: list[float] = []
        for size in sizes:
            print(f"{kind} {size:,} chars ...", file=sys.stderr)
            result = run_child(args, kind, size)
            if result is None:
                results.append({"kind": kind, "chars": size, "timeout": args.timeout})
                rows.append([kind, f"{size:,}", f"> {args.timeout:.0f} (wall)", "-", "-", "-", ""])
                print(f"  gave up after {args.timeout:.0f} s", file=sys.stderr)
                break  # a larger one takes longer still
            result["seconds_per_mb"] = result["seconds"] / (result["chars"] / MB)
            per_mb.append(result["seconds_per_mb"])
            results.append(result)
            print(
                f"  {result['seconds']:.3f} s CPU, {result['seconds_per_mb']:.2f} s per MB", file=sys.stderr
            )
            rows.append(
                [
                    kind,
                    f"{result['chars']:,}",
                    f"{result['seconds']:.3f}",
                    f"{result['seconds_per_mb']:.2f}",
                    f"{result['spans']:,}",
                    f"{result['peak_above_start_mib']:.1f}",
                    "",
                ]
            )
        if per_mb and rows[-1][-1] == "":
            rows[-1][-1] = f"{max(per_mb) / min(per_mb):.2f}" + (
                " (before the time-out)" if len(per_mb) < len(sizes) else ""
            )
    print(
        markdown_table(
            ["kind", "chars", "CPU s", "CPU s per MB", "spans", "peak MiB above start", "ratio"], rows
        )
    )
    write_json(args.json, {"environment": environment(), "settings": settings(args), "results": results})


if __name__ == "__main__":
    main()
