"""One unbroken 20 MB token (hex, base64, a minified blob) costs either tagger what a short
one does: each model sees at most the first and last characters of a token (issue 22, item 12).
Run in a child process under an address-space limit, so a regression fails rather than swaps."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from anonymizer.model.runtime import MAX_TOKEN_CHARS, clip_token

ROOT = Path(__file__).resolve().parent.parent
LIMIT_BYTES = 3 << 30  # the taggers' own footprint is well under this; 20 MB of characters times
# the character LSTM's state per character is far over it

CHILD = """
import resource, sys
resource.setrlimit(resource.RLIMIT_AS, ({limit}, {limit}))
from anonymizer.model.shipped import tagger_path
from anonymizer.detectors.ner import NerDetector, load_tagger
detector = NerDetector(load_tagger(tagger_path(sys.argv[1])))
blob = "0123456789abcdef" * (20_000_000 // 16)
[runs] = detector.tag([["Anna", "Lind", "skickade", blob, "till", "Erik", "."]])
print(len(runs))
"""


def test_clip_token_keeps_short_tokens_and_both_ends_of_long_ones() -> None:
    assert clip_token("Anna") == "Anna"
    long = "a" * 60 + "b" * 1000 + "c" * 60
    clipped = clip_token(long)
    assert len(clipped) == MAX_TOKEN_CHARS
    assert clipped.startswith("a" * 50) and clipped.endswith("c" * 50)


@pytest.mark.shipped_model
@pytest.mark.parametrize("tagger", ["fast", "encoder"])
def test_a_20_mb_token_fits_in_a_memory_limit(tagger: str) -> None:
    done = subprocess.run(
        [sys.executable, "-c", CHILD.format(limit=LIMIT_BYTES), tagger],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=240,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert int(done.stdout.strip()) >= 1  # the names around the blob are still found
