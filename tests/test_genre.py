"""Genre data: labelled documents as token<TAB>TAG training sentences (anonymizer/training/genre.py)."""

from __future__ import annotations

import io
from pathlib import Path

from click.testing import CliRunner

from anonymizer.cli.tools import tools
from anonymizer.evaluation.evaluate import read_conll
from anonymizer.evaluation.gold import GoldDocument, parse_markup
from anonymizer.training.genre import document_sentences, write_genre_sentences


def _document(markup: str) -> GoldDocument:
    text, spans = parse_markup(markup)
    return GoldDocument("d", "note", text, spans)


def test_tokens_take_the_label_of_the_span_they_overlap() -> None:
    document = _document(
        "[[Anna Lind|PER]] ringde från [[BVC Jakobsberg|ORG]] den [[3 maj|TME]].\n"
        "Pnr [[811218-9876|PNR]], [[Anna|PER]] [[Berg|PER]]."
    )
    assert list(document_sentences(document)) == [
        (
            ["Anna", "Lind", "ringde", "från", "BVC", "Jakobsberg", "den", "3", "maj", "."],
            ["B-PER", "I-PER", "O", "O", "B-ORG", "I-ORG", "O", "O", "O", "O"],
        ),
        (["Pnr", "811218-9876", ",", "Anna", "Berg", "."], ["O", "O", "O", "B-PER", "B-PER", "O"]),
    ]


def test_written_sentences_read_back_as_a_corpus(tmp_path: Path) -> None:
    document = _document("Hej [[Kerstin|PER]]!\nVi ses i [[Umeå|LOC]].")
    handle = io.StringIO()
    counts = write_genre_sentences([document], handle)
    assert counts == {"PER": 1, "LOC": 1, "sentences": 2}
    path = tmp_path / "genre.bio"
    path.write_text(handle.getvalue(), encoding="utf-8")
    corpus = list(read_conll(path))
    assert [s.tokens for s in corpus] == [["Hej", "Kerstin", "!"], ["Vi", "ses", "i", "Umeå", "."]]
    assert [s.tags for s in corpus] == [["O", "B-PER", "O"], ["O", "O", "O", "B-LOC", "O"]]


def test_synthesize_writes_genre_sentences(tmp_path: Path) -> None:
    out = tmp_path / "genre.bio"
    args = ["synthesize", "--count", "20", "--seed", "5", "--format", "bio", "--out", str(out)]
    result = CliRunner().invoke(tools, args)
    assert result.exit_code == 0, result.output
    corpus = list(read_conll(out))
    assert '"documents": 20' in result.stdout and f'"sentences": {len(corpus)}' in result.stdout
    tags = {tag for sentence in corpus for tag in sentence.tags}
    assert tags <= {"O", "B-PER", "I-PER", "B-LOC", "I-LOC", "B-ORG", "I-ORG"} and "B-PER" in tags
    again = tmp_path / "again.bio"
    assert CliRunner().invoke(tools, [*args[:-1], str(again)]).exit_code == 0
    assert again.read_bytes() == out.read_bytes()  # the same seed, the same sentences
