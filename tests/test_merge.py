from __future__ import annotations

import itertools

import pytest

from anonymizer.merge import STRATEGIES, drop_covered_by_rules, longest_wins, strength, union
from anonymizer.span import Rank, Span

PER = Span(0, 9, "PER", 0.9, "ner", rank=Rank.MODEL)  # "Anna Lind"
PER_SHORT = Span(0, 4, "PER", 0.99, "ner", rank=Rank.MODEL)  # "Anna"
TME_RULE = Span(10, 20, "TME", 0.9, "rule:time", rank=Rank.RULE)
TME_NER = Span(10, 20, "MISC", 0.95, "ner", rank=Rank.MODEL)
LOC_PART = Span(15, 25, "LOC", 0.8, "ner", rank=Rank.MODEL)


@pytest.mark.parametrize(
    ("spans", "expected"),
    [
        ([], []),
        ([PER], [PER]),
        ([PER, PER], [PER]),
        ([PER_SHORT, PER], [PER]),  # longer wins
        ([TME_NER, TME_RULE], [TME_RULE]),  # same length: rule beats model
        ([TME_RULE, LOC_PART], [TME_RULE]),  # equal length 10: rule first, LOC dropped
        ([PER, TME_RULE], [PER, TME_RULE]),  # disjoint kept, in order
        ([TME_RULE, PER], [PER, TME_RULE]),
    ],
)
def test_longest_wins(spans: list[Span], expected: list[Span]) -> None:
    assert longest_wins(spans) == expected


@pytest.mark.parametrize(
    ("spans", "expected"),
    [
        ([], []),
        ([PER_SHORT, PER], [PER]),
        ([TME_NER, TME_RULE], [TME_RULE]),
        # partial overlap: nothing either detector claimed stays visible
        ([TME_RULE, LOC_PART], [Span(10, 25, "TME", 0.9, "rule:time", rank=Rank.RULE)]),
        ([PER, TME_RULE], [PER, TME_RULE]),
        # touching spans stay apart (they do not overlap)
        (
            [Span(0, 4, "PER", rank=Rank.MODEL), Span(4, 8, "LOC", rank=Rank.MODEL)],
            [Span(0, 4, "PER", rank=Rank.MODEL), Span(4, 8, "LOC", rank=Rank.MODEL)],
        ),
        # chains fuse transitively
        (
            [
                Span(0, 5, "PER", rank=Rank.MODEL),
                Span(3, 8, "LOC", rank=Rank.MODEL),
                Span(7, 12, "ORG", rank=Rank.MODEL),
            ],
            [Span(0, 12, "PER", rank=Rank.MODEL)],
        ),
    ],
)
def test_union(spans: list[Span], expected: list[Span]) -> None:
    assert union(spans) == expected


PNR_VALID = Span(20, 33, "PNR", 0.98, "rule:pnr", valid=True, rank=Rank.RULE)  # "19800101-1234"
PNR_INVALID = Span(20, 33, "PNR", 0.6, "rule:pnr", valid=False, rank=Rank.RULE)
NER_OVER_PNR = Span(15, 33, "ORG", 0.95, "ner", rank=Rank.MODEL)  # the tagger's longer guess
DENY = Span(0, 4, "PER", 1.0, "rule:deny", rank=Rank.DENY)
GAZETTEER = Span(0, 9, "LOC", 0.7, "gazetteer:place", rank=Rank.LIST)
STREET_NER = Span(40, 49, "LOC", 0.9, "ner", rank=Rank.MODEL)  # "Storgatan"
STREET_RULE = Span(40, 54, "ADDRESS", 0.9, "rule:address_street", rank=Rank.RULE)  # "Storgatan 12 B"


@pytest.mark.parametrize(
    ("spans", "winner"),
    [
        # a validated number beats the tagger, even when the tagger's span is longer
        ([NER_OVER_PNR, PNR_VALID], PNR_VALID),
        # an invalid checksum proves nothing: the longer span wins
        ([NER_OVER_PNR, PNR_INVALID], NER_OVER_PNR),
        # the user's deny list beats everything, also a longer span
        ([PER, DENY], DENY),
        # a longer span beats a shorter one
        ([STREET_NER, STREET_RULE], STREET_RULE),
        # same length: rule > tagger > name lists and propagation
        ([GAZETTEER, PER], PER),
        (
            [
                Span(0, 9, "PER", 0.99, "rule:propagation", rank=Rank.LIST),
                Span(0, 9, "LOC", 0.5, "ner", rank=Rank.MODEL),
            ],
            Span(0, 9, "LOC", 0.5, "ner", rank=Rank.MODEL),
        ),
        ([TME_NER, TME_RULE], TME_RULE),
        # same source and length: the higher score
        (
            [Span(0, 4, "PER", 0.6, "ner", rank=Rank.MODEL), Span(0, 4, "LOC", 0.9, "ner", rank=Rank.MODEL)],
            Span(0, 4, "LOC", 0.9, "ner", rank=Rank.MODEL),
        ),
    ],
)
def test_strength_decides_overlaps(spans: list[Span], winner: Span) -> None:
    assert longest_wins(spans) == [winner]
    fused = union(spans)
    assert len(fused) == 1
    assert (fused[0].label, fused[0].detector, fused[0].valid) == (
        winner.label,
        winner.detector,
        winner.valid,
    )
    assert (fused[0].start, fused[0].end) == (min(s.start for s in spans), max(s.end for s in spans))


@pytest.mark.parametrize("strategy", STRATEGIES.values())
def test_strategies_return_sorted_disjoint_spans(strategy: object) -> None:
    spans = [
        Span(5, 9, "LOC", rank=Rank.MODEL),
        Span(0, 6, "PER", rank=Rank.MODEL),
        Span(20, 22, "ORG", rank=Rank.MODEL),
        Span(8, 12, "TME", rank=Rank.MODEL),
    ]
    merged = strategy(spans)  # type: ignore[operator]
    assert merged == sorted(merged)
    assert all(a.end <= b.start for a, b in itertools.pairwise(merged))


def test_strategies_do_not_mutate_input() -> None:
    spans = [Span(0, 6, "PER", rank=Rank.MODEL), Span(5, 9, "LOC", rank=Rank.MODEL)]
    copy = list(spans)
    union(spans)
    longest_wins(spans)
    assert spans == copy


def test_config_knows_exactly_the_merge_strategies() -> None:
    from anonymizer.config import MERGE_STRATEGIES  # config may not import merge: kept in step here

    assert set(MERGE_STRATEGIES) == set(STRATEGIES)


def test_rank_orders_spans_of_equal_length() -> None:
    """Deny list, then rules, then the tagger, then name lists and propagation."""
    spans = [Span(0, 4, "PER", 0.5, "x", rank=rank) for rank in Rank]
    assert sorted(spans, key=strength) == sorted(spans, key=lambda span: span.rank)
    assert [int(rank) for rank in (Rank.DENY, Rank.RULE, Rank.MODEL, Rank.LIST)] == [0, 1, 2, 3]


@pytest.mark.parametrize("detector", ["rule:deny", "rule:pnr", "gazetteer:place", "ner", "my-detector"])
def test_the_rank_decides_not_the_detector_name(detector: str) -> None:
    tagger = Span(0, 4, "LOC", 0.5, "ner", rank=Rank.MODEL)
    rule = Span(0, 4, "PER", 0.5, detector, rank=Rank.RULE)
    listed = Span(0, 4, "ORG", 0.9, detector, rank=Rank.LIST)
    assert longest_wins([listed, tagger, rule]) == [rule]
    assert longest_wins([listed, tagger]) == [tagger]


def test_a_fused_span_keeps_the_rank_of_its_strongest_part() -> None:
    [fused] = union([Span(0, 4, "PER", 1.0, "rule:deny", rank=Rank.DENY), PER])
    assert (fused.start, fused.end, fused.detector, fused.rank) == (0, 9, "rule:deny", Rank.DENY)


ADDRESS_TEXT = "Storgatan 5, 123 45 Umeå"


def _address_spans() -> tuple[Span, Span, Span]:
    street = Span(0, 11, "ADDRESS", 0.9, "rule:street", rank=Rank.RULE)
    town = Span(13, 24, "ADDRESS", 0.9, "rule:postal", rank=Rank.RULE)
    tagged = Span(0, 24, "LOC", 0.8, "ner", rank=Rank.MODEL)
    return street, town, tagged


def test_a_tagger_span_the_rules_hide_whole_is_dropped() -> None:
    street, town, tagged = _address_spans()
    kept = drop_covered_by_rules(ADDRESS_TEXT, [tagged, street, town])
    assert sorted(kept) == [street, town]
    assert union(kept) == [street, town]  # two ADDRESS spans, not one LOC


@pytest.mark.parametrize(
    ("text", "tagged"),
    [
        (
            "Storgatan 5, 123 45 Umeå, Anna",
            Span(0, 30, "LOC", 0.8, "ner", rank=Rank.MODEL),
        ),  # "Anna" is not hidden
        ("Storgatan 5, 123 45 Umeå", Span(0, 24, "LOC", 0.8, "rule:other", rank=Rank.RULE)),
    ],
)
def test_a_span_with_visible_letters_or_of_a_rule_stays(text: str, tagged: Span) -> None:
    street, town, _ = _address_spans()
    assert tagged in drop_covered_by_rules(text, [tagged, street, town])


def test_without_rule_spans_nothing_changes() -> None:
    spans = [PER, LOC_PART]
    assert drop_covered_by_rules("Anna Lind och Göteborg i maj", spans) == spans
