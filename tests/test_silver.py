from __future__ import annotations

import gzip
import io
from collections.abc import Sequence
from pathlib import Path

import pytest

from anonymizer.detectors.time import TimeDetector
from anonymizer.evaluation.evaluate import read_conll
from anonymizer.training.silver import add_time_tags, map_suc_tags, raw_sentences, write_silver


class CapitalTagger:
    """Tags capitalised words after the first as B-PER (a stand-in for efselab)."""

    def tag_many(self, sentences: Sequence[Sequence[str]]) -> list[list[str] | None]:
        return [["B-PER" if i and word[:1].isupper() else "O" for i, word in enumerate(s)] for s in sentences]


@pytest.mark.parametrize(
    ("suc", "ours"),
    [
        (["B-person", "I-person", "O"], ["B-PER", "I-PER", "O"]),
        (["B-place", "B-inst", "I-inst"], ["B-LOC", "B-ORG", "I-ORG"]),
        (["B-work", "I-event", "B-other"], ["B-MISC", "I-MISC", "B-MISC"]),
    ],
)
def test_suc_types_map_to_project_labels(suc: list[str], ours: list[str]) -> None:
    assert map_suc_tags(suc) == ours


@pytest.mark.parametrize(
    ("tokens", "tags", "expected"),
    [
        (
            ["Han", "kom", "den", "3", "maj", "2021", "."],
            ["O"] * 7,
            ["O", "O", "B-TME", "I-TME", "I-TME", "I-TME", "O"],
        ),
        (["Vi", "ses", "i", "går", "kväll", "."], ["O"] * 6, ["O", "O", "B-TME", "I-TME", "I-TME", "O"]),
        # an entity keeps its tag: TME never cuts through it
        (
            ["Maj", "Andersson", "kom", "i", "går"],
            ["B-PER", "I-PER", "O", "O", "O"],
            ["B-PER", "I-PER", "O", "B-TME", "I-TME"],
        ),
        (["Inga", "tider", "här", "."], ["O"] * 4, ["O"] * 4),
    ],
)
def test_time_rules_add_tme_tags(tokens: list[str], tags: list[str], expected: list[str]) -> None:
    assert add_time_tags(tokens, tags, detector=TimeDetector()) == expected


def test_raw_sentences_take_turns_between_files(tmp_path: Path) -> None:
    for name, word in (("a.txt.gz", "Alfa"), ("b.txt.gz", "Beta")):
        with gzip.open(tmp_path / name, "wt", encoding="utf-8") as handle:
            handle.writelines(f"{word} nummer {i} kom hem. Sedan gick {word} ut.\n" for i in range(10))
    sentences = list(raw_sentences(sorted(tmp_path.glob("*.gz")), sample=1.0, seed=0))
    assert len(sentences) == 40
    assert [s[0] for s in sentences[:4]] == ["Alfa", "Sedan", "Beta", "Sedan"]


def test_write_silver_writes_conll_and_counts(tmp_path: Path) -> None:
    sentences = [
        ["Sedan", "kom", "Anna", "Lind", "den", "3", "maj", "."],
        ["inga", "namn", "alls", "här", "."],
        ["ok"],  # too short: skipped
        ["Han", "ringde", "Erik", "i", "går", "."],
    ]
    out = io.StringIO()
    counts = write_silver(sentences, out, tagger=CapitalTagger(), limit=10, keep_empty=0.0)
    assert counts == {"sentences": 2, "PER": 3, "TME": 2}
    path = tmp_path / "silver.bio"
    path.write_text(out.getvalue(), encoding="utf-8")
    first, second = read_conll(path)
    assert first.tags == ["O", "O", "B-PER", "B-PER", "B-TME", "I-TME", "I-TME", "O"]
    assert second.tokens == ["Han", "ringde", "Erik", "i", "går", "."]


def test_pefselab_tags_swedish_names_when_installed() -> None:
    pytest.importorskip("pefselab")
    from anonymizer.training.silver import PefselabTagger

    try:
        tagger = PefselabTagger()
    except RuntimeError:
        pytest.skip("pefselab's taggers are not built (anonymizer silver --build)")
    tags = tagger.tag(["Anna", "Lind", "flyttade", "till", "Umeå", "och", "började", "på", "Volvo", "."])
    assert tags[:2] == ["B-PER", "I-PER"] and tags[4] == "B-LOC"


@pytest.mark.shipped_model
def test_self_training_keeps_only_confident_sentences_of_the_shipped_tagger(tmp_path: Path) -> None:
    from anonymizer.model.runtime import load_runtime
    from anonymizer.model.shipped import default_runtime_path
    from anonymizer.training.silver import RuntimeTagger, bioes_to_bio

    runtime = load_runtime(default_runtime_path()).runtime
    sentences = [
        ["Anna", "Lind", "bor", "i", "Umeå", "."],
        ["Statsminister", "Ulf", "Kristersson", "besökte", "Göteborg", "i", "går", "."],
        ["xq", "Zzyx", "Vorpf", "blarg", "Kvv", "."],  # nothing the tagger can be sure of
    ]
    sure = RuntimeTagger(runtime, min_confidence=0.7)
    out = io.StringIO()
    counts = write_silver(sentences, out, tagger=sure, limit=10, keep_empty=1.0, time_tags=False)
    kept = [tagged for tagged in runtime.predict(sentences) if min(tagged.scores) >= 0.7]
    assert counts["sentences"] == len(kept) and counts["refused"] == len(sentences) - len(kept)
    assert 0 < len(kept) < len(sentences)
    path = tmp_path / "self.bio"
    path.write_text(out.getvalue(), encoding="utf-8")
    assert [s.tags for s in read_conll(path)] == [bioes_to_bio(tagged.tags) for tagged in kept]
    assert all(tag in {"O"} or tag[:2] in {"B-", "I-"} for s in read_conll(path) for tag in s.tags)
    assert RuntimeTagger(runtime, min_confidence=1.0).tag_many(sentences[2:]) == [None]
