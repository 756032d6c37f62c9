"""The repairs of the tagger's runs (anonymizer/detectors/tagger_repair.py), on the shipped lists."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from anonymizer.config import load_config
from anonymizer.detectors.tagger_repair import TaggerRepair
from anonymizer.evaluation.evaluate import RepairedTagger
from anonymizer.gazetteers import load_name_lists
from anonymizer.model import Run
from anonymizer.propagate import Mentions, learn
from anonymizer.span import Rank, Span
from anonymizer.text import Token, tokenize

REPAIR = TaggerRepair.load()
KEEP_ORDINARY = TaggerRepair.load(drop_ordinary=False)


def _run(tokens: list[Token], surface: str, label: str, text: str, *, occurrence: int = 0) -> Run:
    """The token run covering the ``occurrence``-th ``surface`` of ``text``."""
    start = -1
    for _ in range(occurrence + 1):
        start = text.index(surface, start + 1)
    end = start + len(surface)
    first = next(i for i, t in enumerate(tokens) if t.start == start)
    last = next(i for i, t in enumerate(tokens) if t.end == end)
    return (first, last, label, 0.8)


def _repaired(text: str, surface: str, label: str, repair: TaggerRepair = REPAIR) -> list[tuple[str, str]]:
    tokens = tokenize(text)
    runs = repair.repair(text, tokens, [_run(tokens, surface, label, text)])
    return [(text[tokens[first].start : tokens[last].end], tag) for first, last, tag, _ in runs]


@pytest.mark.parametrize(
    ("text", "surface", "expected"),
    [
        (
            "Thi Lan Nguyen            Minh Tran",
            "Thi Lan Nguyen            Minh Tran",
            ["Thi Lan Nguyen", "Minh Tran"],
        ),
        ("Anita Holm\tLeif Sten", "Anita Holm\tLeif Sten", ["Anita Holm", "Leif Sten"]),
        ("Anna Lind ringde.", "Anna Lind", ["Anna Lind"]),
    ],
)
def test_a_run_is_cut_at_a_column_gap(text: str, surface: str, expected: list[str]) -> None:
    assert [found for found, _ in _repaired(text, surface, "PER")] == expected


@pytest.mark.parametrize(
    ("text", "surface", "expected"),
    [
        ("Hej Kerstin, tack för sist.", "Hej Kerstin", "Kerstin"),
        ("Pappa Mohammed kom till mötet.", "Pappa Mohammed", "Mohammed"),
        ("Kassören Håkan läste upp rapporten.", "Kassören Håkan", "Håkan"),
        ("Enligt mentor Sonny Johansson går det bra.", "mentor Sonny Johansson", "Sonny Johansson"),
        ("Till Eva Nilsson", "Till Eva Nilsson", "Eva Nilsson"),
        ("Kurator Julia-Gun har pratat med eleven.", "Kurator Julia-Gun", "Julia-Gun"),
        ("Samtal med HR. Annika om schemat.", "HR. Annika", "Annika"),
        ("Hej Bo!", "Hej Bo", "Bo"),
    ],
)
def test_a_person_run_loses_the_words_before_the_name(text: str, surface: str, expected: str) -> None:
    assert _repaired(text, surface, "PER") == [(expected, "PER")]


@pytest.mark.parametrize(
    ("text", "surface"),
    [
        ("Sten Ek kom hem.", "Sten Ek"),  # Sten is a name many carry, also an ordinary word
        ("Björn Anders Svensson ringde.", "Björn Anders Svensson"),
        ("Enligt A. I. Rabin är det så.", "A. I. Rabin"),  # initials
        ("Dag Berg har semester.", "Dag Berg"),
        ("Vi ringde Mercedes Lindberg.", "Mercedes Lindberg"),  # a make that is also a first name
        ("Grannen Zorbax kom över.", "Grannen Zorbax"),  # no listed name follows: nothing is cut
    ],
)
def test_no_name_is_cut_off(text: str, surface: str) -> None:
    assert _repaired(text, surface, "PER") == [(surface, "PER")]


@pytest.mark.parametrize(
    ("text", "surface", "label", "expected"),
    [
        ("Vi pratade med Amanda om fakturan.", "Amanda", "ORG", "PER"),
        ("Christians mamma ringde.", "Christians", "ORG", "PER"),
        ("Mötet med Inga-Lill Berg flyttas.", "Inga-Lill Berg", "LOC", "PER"),
        ("Anmälare: BVC Jakobsberg, sköterska", "BVC Jakobsberg", "PER", "ORG"),
        ("Remiss från Husläkarmottagningen Hornstull.", "Husläkarmottagningen Hornstull", "PER", "ORG"),
        ("Han bor i Kalmar sedan i fjol.", "Kalmar", "PER", "LOC"),
        # kept: a place tagged ORG may be a body acting, an acronym is no name, a lone rare name
        ("Matchen mot Västerås slutade oavgjort.", "Västerås", "ORG", "ORG"),
        ("Facket SIF kräver svar.", "SIF", "ORG", "ORG"),
        ("Laget Chelsea vann.", "Chelsea", "ORG", "ORG"),
        ("Beslut av Region Skåne i dag.", "Region Skåne", "LOC", "ORG"),
    ],
)
def test_labels_follow_the_lists(text: str, surface: str, label: str, expected: str) -> None:
    assert _repaired(text, surface, label) == [(surface, expected)]


@pytest.mark.parametrize(
    ("text", "surface", "label"),
    [
        ("Insatsen ges enligt SoL och planeras i en SIP.", "SoL", "ORG"),
        ("Larmet kom 14:02 UTC.", "UTC", "ORG"),
        ("Logga in med BankID.", "BankID", "ORG"),
        ("Besök 10.20. Pat uppger yrsel sedan i går.", "Pat", "PER"),  # the notes' "patienten"
        ("Bilen, en vit Toyota Yaris, stod kvar.", "Toyota Yaris", "PER"),
        ("Fordonet: Škoda Fabia", "Škoda Fabia", "PER"),
        ("Hon står på Eliquis 5 mg x 2.", "Eliquis", "ORG"),  # a drug before its dose
        ("Äter även Enalapril 2,5 mg dagligen.", "Enalapril", "LOC"),
    ],
)
def test_a_listed_term_is_no_entity(text: str, surface: str, label: str) -> None:
    assert _repaired(text, surface, label) == []
    assert _repaired(text, surface, label, KEEP_ORDINARY) == []


@pytest.mark.parametrize(
    ("text", "surface", "label"),
    [
        ("Brottsplats: Storgatan 5, Umeå", "Brottsplats", "ORG"),
        ("Mamma ringde i går.", "Mamma", "PER"),
        ("Mentor: Anna Berg", "Mentor", "PER"),  # a rare name that is a title, not a body
        ("Antal     Belopp", "Belopp", "PER"),  # after a column gap
        ("Vi ringde polisen direkt.", "polisen", "ORG"),  # in lower case, anywhere
        ("§ 1 Mötets öppnande", "Mötets", "ORG"),  # after numbers and marks only
        ("2024-02-21 13:02 Mejl från kunden", "Mejl", "ORG"),
        ("KYRKORÅDET, PROTOKOLL nr 5", "PROTOKOLL", "ORG"),  # a heading of ordinary words
        ("SVAR PÅ DITT KLAGOMÅL", "DITT KLAGOMÅL", "ORG"),
    ],
)
def test_a_lone_ordinary_word_at_a_start_is_dropped(text: str, surface: str, label: str) -> None:
    assert _repaired(text, surface, label) == []
    assert _repaired(text, surface, label, KEEP_ORDINARY) == [(surface, label)]


@pytest.mark.parametrize(
    ("text", "surface"),
    [
        ("Grannen kontaktade Polisen samma kväll.", "Polisen"),
        ("Ärendet lämnades till Socialtjänsten i maj.", "Socialtjänsten"),
        ("Hon har pratat med Elevhälsan om det.", "Elevhälsan"),
        ("Polisen har gripit en man.", "Polisen"),
    ],
)
def test_a_unit_that_names_no_one_is_dropped_anywhere(text: str, surface: str) -> None:
    assert _repaired(text, surface, "ORG") == []


@pytest.mark.parametrize(
    ("text", "surface"),
    [
        ("Eleverna på Vasaskolan fick ledigt.", "Vasaskolan"),  # a named unit: no ordinary word
        ("Hon ringde Byggnadsnämnden Syd i går.", "Byggnadsnämnden Syd"),  # more than one word
        ("Ärendet gick till Hyresnämnden i maj.", "Hyresnämnden"),  # a body with a name
    ],
)
def test_a_named_unit_stays(text: str, surface: str) -> None:
    assert _repaired(text, surface, "ORG") == [(surface, "ORG")]


@pytest.mark.parametrize(
    ("text", "surface", "label"),
    [
        ("Prästen har talat med dem.", "Prästen", "ORG"),  # a title the corpora tag ORG
        ("Barnet går på förskolan Kastanjen.", "Kastanjen", "ORG"),  # capitalised mid-sentence
        ("Rut ringde i morse.", "Rut", "PER"),  # a listed first name
        ("om nåt händer ring jonas", "jonas", "PER"),  # a name in lower case is no ordinary word
        ("Sandvik meddelade nyheten.", "Sandvik", "ORG"),  # a listed place and surname
        ("TILL ALLMÄNNA REKLAMATIONSNÄMNDEN", "ALLMÄNNA REKLAMATIONSNÄMNDEN", "ORG"),  # a body
        ("Hon ringde Anna Berg 5 mg senare", "Anna Berg", "PER"),  # a name is never a drug
    ],
)
def test_a_start_word_that_may_be_a_name_stays(text: str, surface: str, label: str) -> None:
    assert _repaired(text, surface, label) == [(surface, label)]


def test_runs_of_other_labels_pass_untouched() -> None:
    text = "Mötet 3 maj     kl 14"
    tokens = tokenize(text)
    runs = [(1, 4, "TME", 0.9)]
    assert REPAIR.repair(text, tokens, runs) == runs


# Words of each kind the repairs tell apart; a listed first name that many carry must
# never lose its cover, whatever stands around it and whatever the tagger said.
_NAMES = ["Anna", "Kerstin", "Bo", "Björn", "Mohammed", "Sten", "Lindqvist", "Nilsson"]
_OTHERS = ["Hej", "Pappa", "Grannen", "Brottsplats", "SoL", "Till", "Mentor", "och", ":", ",", "Umeå"]
_GAPS = [" ", " ", " ", "  ", "\t", "\n"]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.tuples(st.sampled_from(_NAMES + _OTHERS), st.sampled_from(_GAPS)), min_size=1, max_size=8),
    st.data(),
)
def test_no_repair_uncovers_a_listed_name(words: list[tuple[str, str]], data: st.DataObject) -> None:
    text = "".join(word + gap for word, gap in words).rstrip()
    tokens = tokenize(text)
    first = data.draw(st.integers(0, len(tokens) - 1))
    last = data.draw(st.integers(first, len(tokens) - 1))
    label = data.draw(st.sampled_from(["PER", "LOC", "ORG"]))
    repaired = REPAIR.repair(text, tokens, [(first, last, label, 0.7)])
    covered = {index for start, end, _, _ in repaired for index in range(start, end + 1)}
    lists = load_name_lists()
    for index in range(first, last + 1):
        word = tokens[index].text
        if (word in lists.first_names and not lists.rare_word_name(word)) or word in lists.all_surnames:
            assert index in covered, (text, word)
    for start, end, _, _ in repaired:
        assert first <= start <= end <= last


def test_repaired_tagger_repairs_token_lists() -> None:
    class FakeTagger:
        def tag(self, token_lists: object) -> list[list[Run]]:
            return [[(0, 1, "PER", 0.9)], [(3, 3, "ORG", 0.8)]]

    tagged = RepairedTagger(FakeTagger(), REPAIR).tag(
        [["Hej", "Kerstin", "!"], ["Vi", "ringde", "till", "Amanda", "."]]
    )
    assert tagged == [[(1, 1, "PER", 0.9)], [(3, 3, "PER", 0.8)]]


def test_the_place_of_a_care_unit_is_learned_as_a_mention() -> None:
    text = "BVC Jakobsberg"
    mentions = Mentions()
    learn(text, [Span(0, len(text), "ORG", 0.8, "ner", rank=Rank.MODEL)], mentions)
    assert mentions.table["Jakobsberg"][0] == "LOC"
    assert mentions.table["BVC Jakobsberg"][0] == "ORG"


def test_the_config_switches_the_repairs(tmp_path: object) -> None:
    assert load_config().tagger_repair and load_config().drop_ordinary_words
    from pathlib import Path

    folder = Path(str(tmp_path))
    off = folder / "off.toml"
    off.write_text("[rules.tagger_repair]\nenabled = false\ndrop_ordinary_words = false\n", encoding="utf-8")
    config = load_config(off)
    assert not config.tagger_repair and not config.drop_ordinary_words
    bad = folder / "bad.toml"
    bad.write_text('[rules.tagger_repair]\nenabled = "yes"\n', encoding="utf-8")
    from anonymizer.errors import ConfigError

    with pytest.raises(ConfigError, match=r"bad\.toml.*rules\.tagger_repair\.enabled"):
        load_config(bad)


@pytest.mark.parametrize(
    ("text", "surface", "expected"),
    [("Tack Pekka 🙂", "Pekka 🙂", "Pekka"), ("Svar: = Anna Berg", "= Anna Berg", "Anna Berg")],
)
def test_symbols_at_a_runs_ends_are_left_out(text: str, surface: str, expected: str) -> None:
    assert _repaired(text, surface, "PER") == [(expected, "PER")]


def test_the_shipped_pipeline_applies_the_repairs() -> None:
    """End to end with the shipped model: the repairs are on by default and can be turned off."""
    from anonymizer.pipeline import Anonymizer

    text = "Hej Kerstin!\nBrottsplats: Storgatan 5, Umeå\nVi pratade med Amanda om SoL."
    redaction = Anonymizer.load(key=b"k" * 32).redact([text])[0]
    removed = {text[r.span.start : r.span.end]: r.span.label for r in redaction.replacements}
    assert removed.get("Kerstin") == "PER" and "Hej Kerstin" not in removed
    assert removed.get("Amanda") == "PER"
    assert "Brottsplats" not in removed and "SoL" not in removed
    assert redaction.text.startswith("Hej ") and "Brottsplats:" in redaction.text
    for hidden in ("Kerstin", "Amanda", "Storgatan 5", "Umeå"):
        assert hidden not in redaction.text


def test_runs_joined_by_a_slash_are_one() -> None:
    text = "Inlagd på Sahlgrenska Universitetssjukhuset/Östra i går, Anna / Bo"
    tokens = tokenize(text)
    hospital = _run(tokens, "Sahlgrenska Universitetssjukhuset", "ORG", text)
    part = _run(tokens, "Östra", "LOC", text)
    anna, bo = _run(tokens, "Anna", "PER", text), _run(tokens, "Bo", "PER", text)
    repaired = REPAIR.repair(text, tokens, [hospital, part, anna, bo])
    assert repaired[0] == (hospital[0], part[1], "ORG", 0.8)
    assert repaired[1:] == [anna, bo]  # a slash between spaces joins nothing
