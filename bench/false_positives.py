"""False positives of the identifier rules on Swedish statutes (which hold no personal data).

    .venv/bin/python bench/false_positives.py                      # all of sfs_statutes.txt.gz
    .venv/bin/python bench/false_positives.py --limit-lines 5000   # quick check
    .venv/bin/python bench/false_positives.py --config my.toml --json runs/fp.json

Runs every rule of ``rules/recognizers.toml`` (with ``--config`` laid over it; not the
time rules, not the tagger) over each line of the corpus and reports, per label and per
rule, the spans found, spans per 10,000 tokens and up to ``--samples`` matched strings.
Tokens are counted with ``anonymizer.text.tokenize``, the tokens the tagger sees
(punctuation and "§" count as tokens; about 1.1 per whitespace-separated word here).

A span of a number label (PNR, ORGNR, PHONE, BANK, IP, REG, and ADDRESS from the postal
code and property rules) counts as a false positive unless it is in ``GENUINE``:
identifiers really printed in a statute (an agency's number, say), listed after inspection.
Street addresses and names, e-mail and web addresses are reported but not counted.
"""

from __future__ import annotations

import argparse
import gzip
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from _report import environment, markdown_table, settings, write_json

from anonymizer.config import load_config
from anonymizer.detectors.patterns import PatternDetector
from anonymizer.text import tokenize

REPO = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = REPO.parent / "shared" / "data" / "text" / "sfs_statutes.txt.gz"
NUMBER_LABELS = frozenset({"PNR", "ORGNR", "PHONE", "BANK", "IP", "REG"})
NUMBER_RULES = frozenset({"address_postal", "address_property"})  # ADDRESS rules that count too
# Matched strings that are real identifiers printed in the statutes (none found so far).
GENUINE: frozenset[str] = frozenset()
PER = 10_000


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--corpus", type=Path, default=DEFAULT_CORPUS, help="gzipped or plain text, one paragraph a line"
    )
    parser.add_argument("--config", type=Path, default=None, help="a TOML file laid over the shipped rules")
    parser.add_argument("--limit-lines", type=int, default=None, help="read only the first N lines")
    parser.add_argument("--samples", type=int, default=20, help="matched strings shown per label and rule")
    parser.add_argument("--json", type=Path, default=None, help="also write the results as JSON")
    return parser.parse_args()


def lines(path: Path, limit: int | None) -> Iterator[str]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as handle:
        for number, line in enumerate(handle):
            if limit is not None and number >= limit:
                return
            yield line.rstrip("\n")


def counts_as_false_positive(label: str, rule: str) -> bool:
    return label in NUMBER_LABELS or rule in NUMBER_RULES


def main() -> int:
    args = parse_args()
    specs = load_config(args.config).recognizers
    detector = PatternDetector(specs)
    tokens = 0
    found: Counter[tuple[str, str]] = Counter()
    genuine: Counter[tuple[str, str]] = Counter()
    samples: dict[tuple[str, str], list[str]] = defaultdict(list)
    started = time.perf_counter()
    line_count = 0
    for line_count, line in enumerate(lines(args.corpus, args.limit_lines), start=1):
        tokens += len(tokenize(line))
        for span in detector.find(line):
            key = (span.label, span.detector.removeprefix("rule:"))
            surface = line[span.start : span.end]
            if surface in GENUINE:
                genuine[key] += 1
                continue
            found[key] += 1
            if len(samples[key]) < args.samples:
                samples[key].append(surface)
        if line_count % 5000 == 0:
            print(f"{line_count} lines, {tokens} tokens", file=sys.stderr)
    elapsed = time.perf_counter() - started

    def rate(count: int) -> str:
        return f"{count * PER / tokens:.3f}" if tokens else "-"

    rows: list[list[Any]] = []
    by_label: Counter[str] = Counter()
    for spec in specs:
        key = (spec.label, spec.name)
        by_label[spec.label] += found[key]
        counted = "yes" if counts_as_false_positive(*key) else "no"
        rows.append([spec.label, spec.name, counted, found[key], rate(found[key]), genuine[key]])
    false_positives = sum(count for key, count in found.items() if counts_as_false_positive(*key))
    print(f"# Identifier rules on {args.corpus.name}\n")
    print(f"{line_count:,} lines, {tokens:,} tokens, {elapsed:.1f} s\n")
    print(markdown_table(["label", "rule", "counted", "spans", f"per {PER:,} tokens", "genuine"], rows))
    print()
    label_rows = [[label, count, rate(count)] for label, count in sorted(by_label.items())]
    print(markdown_table(["label", "spans", f"per {PER:,} tokens"], label_rows))
    print(
        f"\nfalse positives of number labels: {false_positives} = {rate(false_positives)} per {PER:,} tokens"
        f" (genuine identifiers left out: {sum(genuine.values())})"
    )
    for (label, rule), strings in sorted(samples.items()):
        print(f"\n## {label} ({rule}): {found[(label, rule)]} spans\n")
        print("\n".join(f"- `{text}`" for text in strings))
    write_json(
        args.json,
        {
            "settings": settings(args),
            "environment": environment(),
            "lines": line_count,
            "tokens": tokens,
            "seconds": elapsed,
            "false_positives": false_positives,
            "false_positives_per_10k_tokens": false_positives * PER / tokens if tokens else None,
            "rules": [
                {"label": label, "rule": rule, "spans": count, "genuine": genuine[(label, rule)]}
                for (label, rule), count in sorted(found.items())
            ],
            "samples": {f"{label}/{rule}": strings for (label, rule), strings in samples.items()},
        },
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
