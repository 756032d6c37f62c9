"""Which tagger runs: the shipped names, the presets that choose them, and taggers in union."""

from __future__ import annotations

from pathlib import Path

import pytest

from anonymizer.config import load_config
from anonymizer.errors import ConfigError
from anonymizer.model.shipped import DEFAULT_ENCODER, DEFAULT_RUNTIME, SHIPPED_TAGGERS, tagger_path


def test_shipped_names_and_paths() -> None:
    assert tagger_path("encoder").name == DEFAULT_ENCODER
    assert tagger_path("fast").name == DEFAULT_RUNTIME
    assert tagger_path("default") == tagger_path(
        next(n for n in ("encoder", "fast") if SHIPPED_TAGGERS[n] == SHIPPED_TAGGERS["default"])
    )
    assert tagger_path("some/model.onnx") == Path("some/model.onnx")


def test_presets_choose_the_taggers() -> None:
    assert load_config(preset="fast").model_path == "fast"
    strict = load_config(preset="strict")
    assert strict.model_path == "default" and strict.model_also == ("fast",)
    assert load_config().model_also == ()


@pytest.mark.parametrize("value", ["'fast'", "[1]", "['']"])
def test_model_also_must_name_taggers(tmp_path: Path, value: str) -> None:
    config = tmp_path / "c.toml"
    config.write_text(f"[model]\nalso = {value}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"c\.toml: key 'model\.also'"):
        load_config(config)


@pytest.mark.shipped_model
def test_a_union_finds_what_either_tagger_finds(tmp_path: Path) -> None:
    from anonymizer import Anonymizer
    from anonymizer.detectors.ner import NerDetector

    text = "Anna Lind flyttade från Umeå till Göteborg och började på Volvo."
    encoder = Anonymizer.load()
    fast = Anonymizer.load(preset="fast")
    (tmp_path / "also.toml").write_text('[model]\nalso = ["fast"]\n', encoding="utf-8")
    union = Anonymizer.load(config=tmp_path / "also.toml")
    taggers = [d for d in union.detectors if isinstance(d, NerDetector)]
    assert len(taggers) == 2
    covered = {(s.start, s.end) for s in union.detect([text])[0]}
    for one in (encoder, fast):
        for span in one.detect([text])[0]:
            assert any(start <= span.start and span.end <= end for start, end in covered), span
