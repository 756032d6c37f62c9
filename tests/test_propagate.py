from __future__ import annotations

import pytest

from anonymizer.pipeline import Anonymizer, Document
from anonymizer.propagate import Mentions, find_mentions, learn
from anonymizer.span import Rank, Span
from support import FakeDetector, make_config


def spans_for(text: str, surface: str, label: str) -> list[Span]:
    start = text.index(surface)
    return [Span(start, start + len(surface), label, 0.8, "ner", rank=Rank.MODEL)]


@pytest.mark.parametrize(
    ("text", "found", "label", "expected"),
    [
        ("Per Andersson skrev. Per fick svar.", "Per Andersson", "PER", ["Per"]),
        ("Anna Lind ringde. Lind var arg.", "Anna Lind", "PER", ["Lind"]),
        (
            "Anna Lind ringde. Annas mamma svarade.",
            "Anna Lind",
            "PER",
            ["Anna"],
        ),  # genitive: span stops before s
        ("Hej Anna! Anna, ring mig.", "Hej Anna", "PER", ["Anna"]),  # greeting is not a name part
        ("ST-läkare Eva Ek. Ring en ST-läkare.", "ST-läkare Eva Ek", "PER", []),  # a title, hyphenated
        ("Kia Lund ringde. Vår Kia Niro.", "Kia Lund", "PER", []),  # a car make is no name part
        ("Umeå är fint. Jag bor i Umeå.", "Umeå", "LOC", ["Umeå"]),
        ("Volvo Cars köpte. Volvo sade.", "Volvo Cars", "ORG", []),  # ORG: whole form only
        ("Per Andersson skrev. Perfekt svar.", "Per Andersson", "PER", []),  # whole words only
        ("Erik Ek kom. Eken föll.", "Erik Ek", "PER", []),
        ("Dr Berg kom. Berg log.", "Dr Berg", "PER", ["Berg"]),
        ("Eva bor i Umeå. Kom till Umeå.", "Eva", "MISC", []),  # MISC is never propagated
        ("Anna Lind ringde. Anna  Lind igen.", "Anna Lind", "PER", ["Anna  Lind"]),  # any spacing
        (
            "Anna Lind ringde. Anna, Lind.",
            "Anna Lind",
            "PER",
            ["Anna", "Lind"],
        ),  # not one name across a comma
        ("Anna Lind ringde. Anna Linds bil.", "Anna Lind", "PER", ["Anna Lind"]),
        # an organisation is learned, not looked for again (the tagger reads each occurrence)
        ("Region Skåne svarade. Region Skånes chef.", "Region Skåne", "ORG", []),
    ],
)
def test_find_mentions(text: str, found: str, label: str, expected: list[str]) -> None:
    spans = spans_for(text, found, label)
    mentions = Mentions()
    learn(text, spans, mentions)
    extra = find_mentions(text, spans, mentions)
    assert [text[s.start : s.end] for s in extra] == expected
    assert all(s.detector == "rule:propagation" and s.label == label for s in extra)


def test_mentions_cross_texts_of_one_document_and_share_numbers() -> None:
    detector = FakeDetector({"Andersson": "PER"})
    anonymizer = Anonymizer(config=make_config().with_entities(frozenset({"PER"})), detectors=[detector])
    document = Document()
    texts = ["Brev till Lars.", "Lars Andersson svarade.", "Hälsa Lars!"]
    spans = [[], [Span(0, 14, "PER", rank=Rank.MODEL)], []]
    detector.detect = lambda batch: spans  # type: ignore[method-assign]
    results = anonymizer.redact_many(texts, [document] * 3)
    assert [r.text for r in results] == ["Brev till [PER_1].", "[PER_1] svarade.", "Hälsa [PER_1]!"]


def test_propagation_can_be_switched_off() -> None:
    from dataclasses import replace

    detector = FakeDetector({"Anna": "PER"})
    config = replace(make_config().with_entities(frozenset({"PER"})), propagation=False)
    anonymizer = Anonymizer(config=config, detectors=[detector])
    detector.detect = lambda batch: [[Span(0, 9, "PER", rank=Rank.MODEL)] for _ in batch]  # type: ignore[method-assign]
    [result] = anonymizer.redact(["Anna Lind och Lind"])
    assert result.text == "[PER_1] och Lind"


def test_many_mentions_are_found_by_lookup() -> None:
    mentions = Mentions()
    names = [f"Namn{i} Efternamn{i}" for i in range(5000)]
    for name in names:
        mentions.add(name, "PER", 0.9)
    text = f"Vi mötte {names[4321]} och {names[7]}."
    found = find_mentions(text, [], mentions)
    assert [text[s.start : s.end] for s in found] == [names[4321], names[7]]


def test_tagged_genitive_shares_the_placeholder_of_the_name() -> None:
    # regression: the tagger tagged "Eriks" whole, which got a placeholder of its own
    detector = FakeDetector({"Erik": "PER", "Johansson": "PER", "Eriks": "PER", "Lars": "PER"})
    anonymizer = Anonymizer(config=make_config().with_entities(frozenset({"PER"})), detectors=[detector])
    [result] = anonymizer.redact(["Erik ringde. Eriks mamma och Lars svarade, Lars bror."])
    assert result.text == "[PER_1] ringde. [PER_1]s mamma och [PER_2] svarade, [PER_2] bror."
