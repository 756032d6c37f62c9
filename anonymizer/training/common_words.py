"""Build the Swedish common-word table (``rules/lexicon/word-case.tsv.gz``) from raw text.

For every word form (folded to lower case) the table counts how often the raw text
writes it at all, in lower case, and capitalised in the middle of a sentence. A word
the text mostly writes in lower case is an ordinary word ("dag", "bo"); one it
capitalises mid-sentence is a name ("Anna", "Umeå"); one it never writes is
unknown. The strict preset and the tagger's lexicon features read it through
:mod:`anonymizer.common_words`.
"""

from __future__ import annotations

import gzip
import re
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")
# A capitalised word right after one of these starts a sentence (or a heading, a quote).
_STARTERS = frozenset('.!?:;"”»«\u2013\u2014-•*(')
HEADER = ("word", "total", "lower", "mid_capital")


def count_word_cases(paths: Iterable[Path]) -> tuple[Counter[str], Counter[str], Counter[str]]:
    """(total, lower-case, mid-sentence capitalised) counts per lower-cased word form."""
    total: Counter[str] = Counter()
    lower: Counter[str] = Counter()
    mid_capital: Counter[str] = Counter()
    for path in paths:
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            for line in handle:
                previous_end = -1
                for match in _WORD.finditer(line):
                    word = match.group()
                    folded = word.lower()
                    total[folded] += 1
                    if word == folded:
                        lower[folded] += 1
                    elif word[0].isupper() and not word.isupper() and previous_end >= 0:
                        before = line[previous_end : match.start()].strip()
                        if not before or before[-1] not in _STARTERS:
                            mid_capital[folded] += 1
                    previous_end = match.end()
    return total, lower, mid_capital


def write_word_case_table(paths: Iterable[Path], out: Path, *, min_count: int = 3) -> int:
    """Write the table for words seen at least ``min_count`` times; returns its rows."""
    total, lower, mid_capital = count_word_cases(paths)
    rows = sorted((w for w, n in total.items() if n >= min_count), key=lambda w: (-total[w], w))
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    # mtime=0: the same text gives a byte-identical file.
    with gzip.GzipFile(partial, "wb", mtime=0) as raw:
        raw.write(("\t".join(HEADER) + "\n").encode("utf-8"))
        for word in rows:
            raw.write(f"{word}\t{total[word]}\t{lower[word]}\t{mid_capital[word]}\n".encode())
    partial.replace(out)
    return len(rows)
