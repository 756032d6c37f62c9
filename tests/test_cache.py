"""The bounded cache of detected texts in front of the detectors."""

from __future__ import annotations

from anonymizer.cache import MAX_TEXT_LENGTH, TextCache
from anonymizer.pipeline import Anonymizer
from support import FakeDetector, make_config


def test_least_recently_used_texts_go_first() -> None:
    cache: TextCache[int] = TextCache(2)
    cache.put("a", [1])
    cache.put("b", [2])
    assert cache.get("a") == (1,)
    cache.put("c", [3])  # "b" was used least recently
    assert cache.get("b") is None and cache.get("a") == (1,) and cache.get("c") == (3,)
    assert len(cache) == 2 and (cache.hits, cache.misses) == (3, 1)


def test_long_texts_and_size_zero_keep_nothing() -> None:
    cache: TextCache[int] = TextCache(10)
    cache.put("x" * (MAX_TEXT_LENGTH + 1), [1])
    off: TextCache[int] = TextCache(0)
    off.put("a", [1])
    assert len(cache) == 0 and len(off) == 0


def anonymizer(detector: FakeDetector, cache_size: int) -> Anonymizer:
    config = make_config().with_entities(frozenset({"PER", "LOC"}))
    return Anonymizer(config=config, detectors=[detector], cache_size=cache_size)


def test_repeated_texts_are_detected_once_with_the_same_result() -> None:
    texts = ["Anna bor i Umeå.", "Erik.", "Anna bor i Umeå.", "Erik.", "Ingen."]
    detector = FakeDetector({"Anna": "PER", "Erik": "PER", "Umeå": "LOC"})
    cached = anonymizer(detector, cache_size=100)
    first = cached.redact(texts)
    second = cached.redact(texts)
    assert detector.calls == [3]  # distinct texts once; the second call is all hits
    plain = anonymizer(FakeDetector({"Anna": "PER", "Erik": "PER", "Umeå": "LOC"}), cache_size=0)
    assert [r.text for r in first] == [r.text for r in second] == [r.text for r in plain.redact(texts)]
    assert [r.replacements for r in first] == [r.replacements for r in plain.redact(texts)]
