"""The interactive demo: its helpers, the Streamlit app under ``AppTest`` (no browser), the command."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

from anonymizer.cli.review import streamlit_argv
from anonymizer.errors import InputError, UsageError
from anonymizer.review import demo
from review_support import fake_anonymizer, tools

WORDS = {"Anna": ("PER", 0.9), "Umeå": ("LOC", 0.8)}
APP = Path(demo.__file__).resolve().parent / "demo_app.py"
MARK = re.compile(r'<mark class="ent" data-label="(\w+)"[^>]*>([^<]*)<')


@pytest.mark.parametrize(
    ("operator", "pattern"),
    [
        ("placeholder", r"^\[PER_1\] flyttade till \[LOC_1\]\.$"),
        ("pseudonym", r"^\[PER_[0-9a-f]{8}\] flyttade till \[LOC_[0-9a-f]{8}\]\.$"),
        ("mask", r"^\*{4} flyttade till \*{4}\.$"),
        # A fake differs from the original, but may start like it ("Anna-Lisa").
        ("surrogate", r"^(?!Anna flyttade)\w[\w -]* flyttade till (?!Umeå\.)\w[\w -]*\.$"),
    ],
)
def test_each_operator_of_the_switch(operator: str, pattern: str) -> None:
    anonymizer = demo.with_operator(fake_anonymizer(WORDS), operator)
    [result] = demo.redact_for_demo(anonymizer, ["Anna flyttade till Umeå."], audit_key=b"k" * 16)
    assert re.match(pattern, result.redacted), result.redacted
    assert MARK.findall(result.original_html) == [("PER", "Anna"), ("LOC", "Umeå")]
    assert result.redacted_html.count('class="rep"') == 2
    assert [set(record) for record in result.audit] == [
        {"record", "start", "end", "label", "detector", "score", "replacement", "digest"}
    ] * 2
    assert "Anna" not in str(result.audit)


def test_an_unknown_operator_is_refused_and_the_strict_preset_is_there() -> None:
    with pytest.raises(UsageError, match="unknown operator"):
        demo.with_operator(fake_anonymizer(WORDS), "keep")
    assert demo.strict_available()  # rules/presets/strict.toml


def test_uploaded_csv_is_read_like_the_command_reads_it() -> None:
    data = 'id,text\n1,Anna kom.\n2,"Umeå, i går"\n3,\n'.encode()
    assert demo.csv_columns(data) == ["id", "text"]
    assert demo.csv_texts(data, column="text") == ["Anna kom.", "Umeå, i går", ""]
    assert demo.csv_texts(data, column="text", max_rows=2) == ["Anna kom.", "Umeå, i går"]
    assert demo.csv_texts(b"id\ttext\n1\tAnna\n", column="text") == ["Anna"]
    with pytest.raises(UsageError, match="no column"):
        demo.csv_texts(data, column="notes")
    with pytest.raises(InputError, match="not UTF-8"):
        demo.csv_columns(b"\xff\xfe")
    with pytest.raises(InputError, match="up to 2 MiB"):
        demo.csv_texts(b"text\n" + b"x" * (demo.MAX_UPLOAD_BYTES + 1), column="text")


def test_the_command_binds_to_localhost_and_needs_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    argv = streamlit_argv(host="127.0.0.1", port=8600)
    assert argv[1:4] == ["-m", "streamlit", "run"] and Path(argv[4]) == APP
    assert argv[argv.index("--server.address") + 1] == "127.0.0.1"
    assert argv[argv.index("--server.port") + 1] == "8600"
    assert argv[argv.index("--browser.gatherUsageStats") + 1] == "false"
    assert "127.0.0.1" in tools("demo", "--help").output
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    result = tools("demo")
    assert result.exit_code == 2 and "pip install '.[demo]'" in result.output


@pytest.mark.shipped_model
def test_the_app_highlights_pasted_text_and_switches_operators() -> None:
    from streamlit.testing.v1 import AppTest

    app = AppTest.from_file(str(APP), default_timeout=180)
    app.run()
    assert not app.exception
    assert app.sidebar.toggle[0].disabled is not demo.strict_available()
    assert any('<mark class="ent"' in block.value for block in app.html)  # the example text

    app.text_area(key="text").input("Anna Lind flyttade till Umeå i fjol.").run()
    assert not app.exception
    found = [pair for block in app.html for pair in MARK.findall(block.value)]
    assert ("PER", "Anna Lind") in found
    redacted = [block.value for block in app.html if "anon-text redacted" in block.value]
    assert redacted and "[PER_1]" in redacted[0]
    table = app.dataframe[0].value
    assert "text" not in table.columns and "PER" in set(table["label"])
    assert "Anna" not in table.to_csv()

    app.sidebar.radio[0].set_value("mask").run()
    redacted = [block.value for block in app.html if "anon-text redacted" in block.value]
    assert ">*********</span> flyttade" in redacted[0]

    # The strict switch gives what the strict preset finds (here it differs from the default).
    text = "Hej! Vi ses hos Brattbergs imorgon."
    default, strict = (demo.load_anonymizer(strict=flag).detect([text])[0] for flag in (False, True))
    assert strict != default
    app.text_area(key="text").input(text).run()
    app.sidebar.toggle[0].set_value(True).run()
    assert not app.exception
    table = app.dataframe[0].value
    assert list(zip(table["start"], table["end"], table["detector"], strict=True)) == [
        (span.start, span.end, span.detector) for span in strict
    ]


@pytest.mark.shipped_model
def test_the_app_redacts_an_uploaded_csv() -> None:
    from streamlit.testing.v1 import AppTest

    app = AppTest.from_file(str(APP), default_timeout=180)
    app.run()
    app.sidebar.radio[1].set_value("Upload CSV").run()
    data = "id,text\n1,Anna Lind flyttade till Umeå.\n2,Inga namn.\n".encode()
    app.file_uploader[0].set_value(("notes.csv", data, "text/csv")).run()
    assert not app.exception
    app.selectbox[0].set_value("text").run()
    originals = [block.value for block in app.html if "anon-text original" in block.value]
    assert len(originals) == 2
    assert ("PER", "Anna Lind") in MARK.findall(originals[0]) and "<mark" not in originals[1]
