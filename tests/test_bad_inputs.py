# ruff: noqa: E501  (the matrix keeps one case a line)
"""The bad-input matrix: each case states its exit code and a fragment of its message, and
that nothing is left at the target when it fails (no output, no audit log, no temporary
file); the inputs that are handled come out right.

Every input holds a marker name of its own beside a personnummer; no message, audit
log or leftover may hold the marker (``tests/test_markers.py`` does the same for jobs
and their run report). Rule labels only, so the tagger is never loaded.
"""

from __future__ import annotations

import codecs
import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from anonymizer import limits
from anonymizer.cli.anonymize import anonymize
from anonymizer.detectors.patterns import PatternDetector
from anonymizer.span import Span

PNR = "811218-9876"
OK, USAGE, FAILURE = 0, 2, 1

Build = Callable[[Path, str], None]
"""Writes the input file (its path) holding the case's marker."""


@dataclass(frozen=True)
class Case:
    id: str
    name: str
    build: Build
    code: int
    fragment: str
    args: tuple[str, ...] = ()
    expect: Callable[[bytes, str], object] | None = None
    """For a handled input: checks the output bytes (and the marker); returning False fails."""
    setup: Callable[[pytest.MonkeyPatch], None] | None = None
    output: str | None = None
    """``-o`` relative to the case folder (default ``out`` + the input's suffix)."""
    audit: str | None = "audit.jsonl"
    env: dict[str, str] = field(default_factory=dict)


def text(content: str, *, encoding: str = "utf-8", bom: bool = False) -> Build:
    def build(path: Path, marker: str) -> None:
        data = content.replace("MARK", marker).encode(encoding)
        path.write_bytes((codecs.BOM_UTF8 if bom else b"") + data)

    return build


def raw(data: bytes) -> Build:
    def build(path: Path, marker: str) -> None:
        path.write_bytes(data.replace(b"MARK", marker.encode()))

    return build


def marked_strings(marker: str, type_: pa.DataType | None = None) -> pa.Array:  # type: ignore[type-arg]
    return pa.array([f"{marker} {PNR}", None, f"tel {marker}"], type_ or pa.string())


def parquet_of(make: Callable[[str], pa.Array]) -> Build:  # type: ignore[type-arg]
    def build(path: Path, marker: str) -> None:
        column = make(marker)
        pq.write_table(pa.table({"id": pa.array(range(len(column))), "text": column}), path)

    return build


def truncated_parquet(path: Path, marker: str) -> None:
    parquet_of(marked_strings)(path, marker)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def parquet_bytes(path: Path, marker: str) -> None:
    other = path.with_name("real.parquet")
    parquet_of(marked_strings)(other, marker)
    path.write_bytes(other.read_bytes())
    other.unlink()


def redacted(*expected: str) -> Callable[[bytes, str], None]:
    """The output holds each of ``expected`` and not the personnummer."""

    def check(output: bytes, marker: str) -> None:
        decoded = output.decode("utf-8", errors="replace")
        assert PNR not in decoded
        for piece in expected:
            assert piece.replace("MARK", marker) in decoded, piece

    return check


def parquet_redacted(output: bytes, marker: str) -> None:
    """The Parquet output keeps its rows, types and nulls; the personnummer is gone."""
    import io

    table = pq.read_table(io.BytesIO(output))
    values = table.column("text").to_pylist()
    assert table.column("id").to_pylist() == list(range(len(values)))
    assert all(value is None or PNR not in value for value in values)
    if values:
        assert values == [f"{marker} [PNR_1]", None, f"tel {marker}"]


def exactly(content: bytes) -> Callable[[bytes, str], None]:
    def check(output: bytes, marker: str) -> None:
        assert output == content.replace(b"MARK", marker.encode())

    return check


def failing_rule(monkeypatch: pytest.MonkeyPatch) -> None:
    """The identifier rules raise on any text holding the word BOOM (quoting it, as a bug might)."""
    find = PatternDetector.find

    def broken(self: PatternDetector, value: str) -> list[Span]:
        if "BOOM" in value:
            raise RuntimeError(f"rule crashed on {value!r}")
        return find(self, value)

    monkeypatch.setattr(PatternDetector, "find", broken)


def slow_rule(monkeypatch: pytest.MonkeyPatch) -> None:
    find = PatternDetector.find

    def slow(self: PatternDetector, value: str) -> list[Span]:
        if "SLOW" in value:
            import time

            end = time.monotonic() + 30
            while time.monotonic() < end:
                pass
        return find(self, value)

    monkeypatch.setattr(PatternDetector, "find", slow)


def small_records(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "MAX_RECORD_CHARS", 1_000)


COLUMN = ("--column", "text")
CSV = f"id,text\n1,MARK {PNR}\n2,hej MARK\n"
JSONL = json.dumps({"id": 1, "text": f"MARK {PNR}"}) + "\n"
TEXT = f"MARK har pnr {PNR}.\n\nMARK igen.\n"
FANCY = f"👩‍👧 MARK e\u0301\u0301 so\u00adft\u00a0{PNR} ok\n"

CASES = [
    # --- encodings and byte order marks
    Case("latin1-as-utf8", "in.csv", text(CSV.replace("hej", "hä"), encoding="latin-1"), USAGE, "cannot decode", COLUMN),
    Case("latin1-given", "in.csv", text(CSV.replace("hej", "hä"), encoding="latin-1"), OK, "", (*COLUMN, "--encoding", "latin-1"), expect=lambda o, m: o.decode("latin-1").index("hä")),
    Case("cp1252-given", "in.txt", text("MARK \u2013 pnr 811218-9876\n", encoding="cp1252"), OK, "", ("--encoding", "cp1252"), expect=lambda o, m: o.decode("cp1252").index("\u2013")),
    Case("utf16-as-utf8", "in.csv", text(CSV, encoding="utf-16"), USAGE, "line 1: cannot decode the bytes as utf-8", COLUMN),
    # UTF-16 and UTF-32 without a byte order mark decode without an error as UTF-8 or a one-byte code page
    *[
        Case(f"{wide}-no-bom-as-{given}", "in.csv", text(CSV, encoding=wide), USAGE, f"line 1: the bytes hold a NUL between the characters, as UTF-16 or UTF-32 text without a byte order mark does, not {name}; pass its encoding with --encoding (here probably {wide})", (*COLUMN, "--encoding", given))
        for wide in ("utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be")
        for given, name in (("utf-8", "utf-8"), ("latin-1", "iso8859-1"), ("cp1252", "cp1252"))
    ],
    Case("utf16le-no-bom-text", "in.txt", text(TEXT, encoding="utf-16-le"), USAGE, "(here probably utf-16-le)", ()),
    Case("utf16le-no-bom-jsonl", "in.jsonl", text(JSONL, encoding="utf-16-le"), USAGE, "(here probably utf-16-le)", COLUMN),
    Case("utf16le-no-bom-given", "in.csv", text(CSV, encoding="utf-16-le"), OK, "", (*COLUMN, "--encoding", "utf-16-le"), expect=lambda o, m: o.decode("utf-16-le").index("[PNR_1]")),
    Case("utf16-given", "in.csv", text(CSV, encoding="utf-16"), OK, "", (*COLUMN, "--encoding", "utf-16"), expect=lambda o, m: o.decode("utf-16").index("[PNR_1]")),
    Case("unknown-encoding", "in.csv", text(CSV), USAGE, "unknown encoding 'klingon'", (*COLUMN, "--encoding", "klingon")),
    Case("bom-csv", "in.csv", text(CSV, bom=True), OK, "", COLUMN, expect=lambda o, m: o.startswith(codecs.BOM_UTF8 + b"id,text\r\n") or o.startswith(codecs.BOM_UTF8 + b"id,text\n")),
    Case("bom-text", "in.txt", text(TEXT, bom=True), OK, "", expect=lambda o, m: o.startswith(codecs.BOM_UTF8 + m.encode())),
    Case("bom-jsonl", "in.jsonl", text(JSONL, bom=True), OK, "", COLUMN, expect=redacted("[PNR_1]")),
    Case("bad-byte-line-3", "in.txt", raw(b"MARK\n\nrad 2\nrad \xff 3\n"), USAGE, "line 4: cannot decode", ()),
    Case("truncated-utf8", "in.txt", raw("MARK ö".encode()[:-1]), USAGE, "cannot decode", ()),
    # --- line endings
    Case("crlf-text", "in.txt", text(TEXT.replace("\n", "\r\n")), OK, "", expect=lambda o, m: o.count(b"\r\n") == 3 and b"\n\n" not in o),
    Case("cr-text", "in.txt", text(TEXT.replace("\n", "\r")), OK, "", expect=lambda o, m: o.count(b"\r") == 3 and b"\n" not in o),
    Case("cr-csv", "in.csv", text(CSV.replace("\n", "\r")), OK, "", COLUMN, expect=redacted("[PNR_1]\r2,hej MARK\r")),
    Case("mixed-endings", "in.txt", text(f"MARK\r\n{PNR}\n\r\nslut\r"), OK, "", expect=exactly(b"MARK\r\n[PNR_1]\n\r\nslut\r")),
    Case("no-final-newline", "in.csv", text(CSV.rstrip("\n")), OK, "", COLUMN, expect=lambda o, m: o.endswith(f"hej {m}".encode())),
    # --- CSV shapes
    Case("ragged-long", "in.csv", text(f"id,text\n1,MARK {PNR},extra\n"), USAGE, "line 2 (record 0, counting from 0) has 3 fields but the header has 2", COLUMN),
    Case("ragged-short", "in.csv", text("id,text,more\n1,MARK\n"), USAGE, "has 2 fields but the header has 3", COLUMN),
    Case("unterminated-quote", "in.csv", text(f'id,text\n1,"MARK {PNR}\n2,ok\n'), USAGE, "malformed CSV", COLUMN),
    Case("quoted-multiline", "in.csv", text(f'id,text\n1,"MARK\n{PNR}, ""citat"""\n2,ok\n'), OK, "", COLUMN, expect=redacted('"MARK\n[PNR_1], ""citat"""')),
    Case("quote-in-bare-field", "in.csv", text(f'id,text\n1,MARK 5" skärm {PNR}\n'), OK, "", COLUMN, expect=redacted("[PNR_1]")),
    Case("nul-byte", "in.csv", text(f"id,text\n1,MARK\x00{PNR}\n"), OK, "", COLUMN, expect=redacted("MARK\x00[PNR_1]")),
    Case("missing-column", "in.csv", text(CSV), USAGE, "no column 'note'; 2 columns found (names not shown", ("--column", "note")),
    # a file without a header: its first record stands where the names should be, and no message may quote it
    Case("headerless-csv", "in.csv", text(f"7,MARK ringde {PNR}\n8,hej\n"), USAGE, "no column 'text'; 2 columns found", COLUMN),
    Case("header-case", "in.csv", text("id,Text\n1,MARK\n"), USAGE, "column 2 differs from 'text' only in case", COLUMN),
    Case("headerless-tsv", "in.tsv", text(f"7\tMARK {PNR}\n"), USAGE, "no column 'text'", COLUMN),
    Case("jsonl-marker-keys", "in.jsonl", text('{"MARK": "x", "MARK Lind": 1}\n'), USAGE, "no object has the key 'text' (misspelt --column?); 2 keys found", COLUMN),
    Case("parquet-marker-columns", "in.parquet", lambda path, marker: pq.write_table(pa.table({marker: ["x"], f"{marker} {PNR}": ["y"]}), path), USAGE, "no column 'text'; 2 columns found", COLUMN),
    Case("duplicate-column", "in.csv", text(f"text,text\nMARK,{PNR}\n"), USAGE, "more than one column named 'text'", COLUMN),
    Case("no-column-given", "in.csv", text(CSV), USAGE, "say which column to redact with --column"),
    Case("header-only", "in.csv", text("id,text\n"), OK, "", COLUMN, expect=exactly(b"id,text\n")),
    Case("empty-csv", "in.csv", text(""), USAGE, "no header row", COLUMN),
    Case("blank-first-line", "in.csv", text("\nid,text\n1,MARK\n"), USAGE, "no header row", COLUMN),
    Case("tsv-with-commas", "in.tsv", text(CSV), USAGE, "no column 'text'", COLUMN),
    Case("tsv", "in.tsv", text(CSV.replace(",", "\t")), OK, "", COLUMN, expect=redacted("1\tMARK [PNR_1]")),
    # --- JSON Lines
    Case("jsonl-bad-line", "in.jsonl", text(JSONL + '{"text": "MARK\n'), USAGE, "line 2 (record 1): not valid JSON", COLUMN),
    Case("jsonl-array-line", "in.jsonl", text(JSONL + '["MARK"]\n'), USAGE, "a JSON array, but each line must hold one JSON object", COLUMN),
    Case("jsonl-number", "in.jsonl", text(JSONL + '{"text": 5}\n'), USAGE, "key 'text' holds a JSON number; only strings (or null)", COLUMN),
    Case("jsonl-object", "in.jsonl", text(JSONL + '{"text": {"n": "MARK"}}\n'), USAGE, "holds a JSON object", COLUMN),
    Case("jsonl-bool", "in.jsonl", text('{"text": true}\n'), USAGE, "holds a JSON", COLUMN),
    Case("jsonl-null", "in.jsonl", text(JSONL + '{"text": null, "x": "MARK"}\n'), OK, "", COLUMN, expect=redacted('"text": null')),
    # a repeated key: a JSON reader takes one value, so each would have to be redacted
    Case("jsonl-repeated-key", "in.jsonl", text('{"text": "MARK ringde", "text": "Hej hej."}\n'), USAGE, "line 1 (record 0): the object has the key 'text' more than once", COLUMN),
    Case("jsonl-repeated-key-null", "in.jsonl", text(JSONL + f'{{"text": "MARK {PNR}", "id": 2, "text": null}}\n'), USAGE, "line 2 (record 1): the object has the key 'text' more than once", COLUMN),
    Case("jsonl-repeated-other-key", "in.jsonl", text('{"id": 1, "id": 2, "text": "MARK 811218-9876"}\n'), OK, "", COLUMN, expect=redacted('{"id": 1, "id": 2, "text": "MARK [PNR_1]"}')),
    # a lone surrogate (half an emoji) is valid JSON but no encoding can write it
    Case("jsonl-lone-surrogate", "in.jsonl", text(JSONL + '{"text": "MARK \\ud83d ringde"}\n'), USAGE, "line 2 (record 1), key 'text': a value holds a lone surrogate", COLUMN),
    Case("jsonl-lone-low-surrogate", "in.jsonl", text('{"text": "\\ude00 MARK"}\n'), USAGE, "a value holds a lone surrogate", COLUMN),
    Case("jsonl-surrogate-pair", "in.jsonl", text('{"text": "\\ud83d\\ude00 MARK 811218-9876"}\n'), OK, "", COLUMN, expect=redacted("[PNR_1]")),
    Case("utf7-lone-surrogate", "in.txt", raw(b"MARK +2D0- ok\n"), USAGE, "line 1: a value holds a lone surrogate", ("--encoding", "utf-7")),
    Case("jsonl-missing-key", "in.jsonl", text('{"note": "MARK"}\n'), USAGE, "no object has the key 'text'", COLUMN),
    Case("jsonl-deep", "in.jsonl", raw(b'{"text": "MARK", "x": ' + b"[" * 100_000 + b"]" * 100_000 + b"}\n"), USAGE, "nested too deeply", COLUMN),
    Case("jsonl-pretty-json", "in.jsonl", text('[\n  {"text": "MARK"}\n]\n'), USAGE, "not valid JSON", COLUMN),
    Case("jsonl-blank-lines", "in.jsonl", text("\n" + JSONL + "\n\n"), OK, "", COLUMN, expect=lambda o, m: o.startswith(b"\n") and o.endswith(b"\n\n")),
    # in a changed line only the changed value is rewritten: the others keep their spelling
    Case("jsonl-other-values", "in.jsonl", text('{"text": "MARK 811218-9876", "n": 1.50, "u": "\\u00e5"}\n'), OK, "", COLUMN, expect=redacted('"n": 1.50,', '"u": "\\u00e5"')),
    Case("jsonl-unchanged-line", "in.jsonl", text('{"text": "MARK", "n": 1.50, "u": "\\u00e5"}\n'), OK, "", COLUMN, expect=exactly(b'{"text": "MARK", "n": 1.50, "u": "\\u00e5"}\n')),
    # --- Parquet
    Case("parquet-dictionary", "in.parquet", parquet_of(lambda m: marked_strings(m).dictionary_encode()), OK, "", COLUMN, expect=parquet_redacted),
    Case("parquet-large-string", "in.parquet", parquet_of(lambda m: marked_strings(m, pa.large_string())), OK, "", COLUMN, expect=parquet_redacted),
    Case("parquet-struct", "in.parquet", parquet_of(lambda m: pa.array([{"a": m}])), USAGE, "has type struct<a: string>, only string columns can be redacted", COLUMN),
    Case("parquet-list", "in.parquet", parquet_of(lambda m: pa.array([[m]])), USAGE, "has type list<element: string>", COLUMN),
    Case("parquet-int", "in.parquet", parquet_of(lambda m: pa.array([1, 2])), USAGE, "has type int64", COLUMN),
    Case("parquet-binary", "in.parquet", parquet_of(lambda m: pa.array([m.encode()])), USAGE, "has type binary", COLUMN),
    Case("parquet-corrupt", "in.parquet", raw(b"PAR1 MARK garbage PAR1"), USAGE, "not a readable Parquet file", COLUMN),
    Case("parquet-truncated", "in.parquet", truncated_parquet, USAGE, "not a readable Parquet file", COLUMN),
    Case("parquet-empty", "in.parquet", parquet_of(lambda m: pa.array([], pa.string())), OK, "", COLUMN, expect=parquet_redacted),
    # Arrow does not check every file's strings: a lone surrogate (CESU-8) or a cut character
    Case("parquet-invalid-utf8", "in.parquet", parquet_of(lambda m: pa.array([b"ok", f"{m} ".encode() + b"\xed\xa0\xbd", None], pa.binary()).view(pa.string())), USAGE, "record 1, column 'text': the value is not valid UTF-8", COLUMN),
    Case("parquet-missing-column", "in.parquet", parquet_of(marked_strings), USAGE, "no column 'note'", ("--column", "note")),
    # --- wrong extensions, empty and odd files
    Case("csv-named-parquet", "in.parquet", text(CSV), USAGE, "not a readable Parquet file", COLUMN),
    Case("parquet-named-csv", "in.csv", parquet_bytes, USAGE, "cannot decode the bytes as utf-8", COLUMN),
    Case("parquet-named-jsonl", "in.jsonl", parquet_bytes, USAGE, "cannot decode", COLUMN),
    Case("parquet-named-txt", "in.txt", parquet_bytes, USAGE, "cannot decode", ()),
    Case("unknown-extension", "in.xyz", text(TEXT), USAGE, "cannot tell the format from the extension '.xyz'; pass --format"),
    Case("no-extension", "noext", text(TEXT), USAGE, "cannot tell the format from the extension '(none)'"),
    Case("format-given", "noext", text(TEXT), OK, "", ("--format", "text"), expect=redacted("[PNR_1]"), output="out.txt"),
    Case("empty-text", "in.txt", text(""), OK, "", expect=exactly(b"")),
    Case("blank-lines-only", "in.txt", text("\n \n\t\n"), OK, "", expect=exactly(b"\n \n\t\n")),
    Case("missing-input", "absent.csv", lambda path, marker: None, USAGE, "absent.csv: no such file", COLUMN),
    Case("fifo-input", "in.csv", lambda path, marker: os.mkfifo(path), USAGE, "in.csv: not a regular file but a FIFO (named pipe); only regular files are read (pipe a stream to stdin instead)", COLUMN),
    # --- huge cells and tokens, Unicode (offsets exact)
    Case("huge-token", "in.txt", text("MARK " + "x" * 1_000_000 + f" {PNR}\n"), OK, "", expect=redacted("x" * 1_000_000 + " [PNR_1]")),
    Case("huge-cell", "in.csv", text("id,text\n1," + "ord " * 250_000 + f"MARK {PNR}\n"), OK, "", COLUMN, expect=redacted("ord MARK [PNR_1]")),
    Case("record-over-limit", "in.csv", text("id,text\n1," + "ord " * 300 + f"MARK {PNR}\n"), USAGE, "line 2: the record is longer than 1,000 characters", COLUMN, setup=small_records),
    Case("paragraph-over-limit", "in.txt", text(("ord " * 30 + "\n") * 10 + f"MARK {PNR}\n"), USAGE, "paragraph 0 (line 9): the record is longer than 1,000", setup=small_records),
    Case("parquet-cell-over-limit", "in.parquet", parquet_of(lambda m: pa.array(["ord " * 300 + m])), USAGE, "record 0, column 'text': the record is longer than 1,000", COLUMN, setup=small_records),
    Case("emoji-zwj-marks-shy-nbsp", "in.txt", text(FANCY), OK, "", expect=redacted("👩‍👧 MARK e\u0301\u0301 so\u00adft\u00a0[PNR_1] ok")),
    Case("nfd-text", "in.txt", text(f"MARK Jo\u0308rgen {PNR}\n"), OK, "", expect=redacted("Jo\u0308rgen [PNR_1]")),
    # --- outputs
    Case("output-folder-missing", "in.csv", text(CSV), USAGE, "nope/out.csv: cannot create the output file: No such file or directory", COLUMN, output="nope/out.csv"),
    Case("output-under-a-file", "in.csv", text(CSV), USAGE, "cannot create the output file: Not a directory", COLUMN, output="in.csv/out.csv"),
    Case("audit-folder-missing", "in.csv", text(CSV), USAGE, "nope/audit.jsonl: cannot create the output file", COLUMN, audit="nope/audit.jsonl"),
    Case("output-is-input", "in.csv", text(CSV), USAGE, "the output path is the input file", COLUMN, output="in.csv"),
    Case("audit-is-output", "in.csv", text(CSV), USAGE, "the audit log cannot be the output file", COLUMN, audit="out.csv"),
    # --- fail closed
    Case("rule-crashes", "in.csv", text(f"id,text\n1,ok {PNR}\n2,BOOM MARK {PNR}\n"), FAILURE, "in.csv: record 1, column 'text': detector 'patterns' failed: RuntimeError; nothing was written. Pass --on-error mask", COLUMN, setup=failing_rule),
    Case("rule-crashes-masked", "in.csv", text(f"id,text\n1,ok {PNR}\n2,BOOM MARK {PNR}\n"), OK, "1 value(s) could not be checked and were written masked whole", (*COLUMN, "--on-error", "mask"), setup=failing_rule, expect=exactly(b"id,text\n1,ok [PNR_1]\n2,[REDACTED]\n")),
    Case("rule-crashes-in-text", "in.txt", text(f"ok {PNR}\n\nBOOM MARK\n"), FAILURE, "in.txt: record 1: detector 'patterns' failed", setup=failing_rule),
    Case("rule-too-slow", "in.jsonl", text('{"text": "SLOW MARK"}\n'), FAILURE, "record 0, column 'text': detection ran past its time limit (0.3 s)", (*COLUMN, "--record-timeout", "0.3"), setup=slow_rule),
    Case("rule-too-slow-masked", "in.jsonl", text('{"text": "SLOW MARK"}\n'), OK, "written masked whole", (*COLUMN, "--record-timeout", "0.3", "--on-error", "mask"), setup=slow_rule, expect=exactly(b'{"text": "[REDACTED]"}\n')),
    Case("bad-on-error", "in.csv", text(CSV), USAGE, "Invalid value for '--on-error'", (*COLUMN, "--on-error", "ignore")),
    # --- models and settings
    Case("untrusted-model", "in.txt", text(TEXT), USAGE, "refused: its SHA-256", ("--entities", "PER", "--model", "MODEL")),
    Case("writable-model", "in.txt", text(TEXT), USAGE, "can be written by its group or by everyone", ("--entities", "PER", "--model", "MODEL", "--trust-model", "TRUST"), env={"MODEL_MODE": "0o666"}),
    Case("bad-trust-value", "in.txt", text(TEXT), USAGE, "is not a SHA-256", ("--entities", "PER", "--model", "MODEL", "--trust-model", "xyz")),
    Case("unknown-entity", "in.txt", text(TEXT), USAGE, "unknown entity type(s): NOPE", ("--entities", "NOPE")),
    Case("bad-config", "in.txt", text(TEXT), USAGE, "bad.toml", ("--config", "CONFIG")),
    Case("empty-entities-config", "in.txt", text(TEXT), USAGE, "key 'redact.entities': is empty, so nothing would be redacted", ("--config", "EMPTY_CONFIG")),
    Case("empty-entities-option", "in.txt", text(TEXT), USAGE, "give at least one label", ("--entities", " , ")),
    Case("tagger-entity-misspelt", "in.txt", text(TEXT), USAGE, "unknown entity type(s): PERSON; known: ADDRESS, BANK, EMAIL, IP, LOC, MISC, ORG, ORGNR, PER, PHONE", ("--entities", "PERSON")),
]  # fmt: skip


def model_file(folder: Path, mode: int) -> tuple[Path, str]:
    from anonymizer.model.integrity import file_sha256

    path = folder / "model.pt"
    path.write_bytes(b"not a model")
    path.chmod(mode)
    return path, file_sha256(path)


def arguments(case: Case, folder: Path, source: Path) -> list[str]:
    args: list[str] = []
    for arg in case.args:
        if arg == "MODEL":
            model, digest = model_file(folder, int(case.env.get("MODEL_MODE", "0o600"), 8))
            args.append(str(model))
        elif arg == "TRUST":
            args.append(digest)
        elif arg == "EMPTY_CONFIG":
            config = folder / "empty.toml"
            config.write_text("[redact]\nentities = []\n", encoding="utf-8")
            args.append(str(config))
        elif arg == "CONFIG":
            config = folder / "bad.toml"
            config.write_text('[redact]\nentities = "PNR"\n', encoding="utf-8")
            args.append(str(config))
        else:
            args.append(arg)
    if "--entities" not in args:
        args += ["--entities", "PNR"]
    return [str(source), *args]


def leftovers(folder: Path, keep: Sequence[Path]) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file() and p not in keep)


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_bad_input(case: Case, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    marker = f"Zqx{CASES.index(case):03d}vist"
    source = tmp_path / case.name
    case.build(source, marker)
    if case.setup is not None:
        case.setup(monkeypatch)
    output = tmp_path / (case.output or f"out{source.suffix}")
    args = [*arguments(case, tmp_path, source), "-o", str(output)]
    audit = tmp_path / case.audit if case.audit else None
    if audit is not None:
        args += ["--audit", str(audit)]
    inputs = [p for p in tmp_path.rglob("*") if p.is_file()]
    result = CliRunner().invoke(anonymize, args, catch_exceptions=False)

    assert result.exit_code == case.code, result.output
    assert case.fragment in result.stderr.replace(str(tmp_path) + os.sep, ""), result.stderr
    assert marker not in result.stderr
    if case.code != OK:
        assert "Traceback" not in result.output
        assert leftovers(tmp_path, inputs) == [], "something was left at the target"
        assert marker not in result.stdout
        return
    assert case.expect is not None
    assert case.expect(output.read_bytes(), marker) is not False
    assert audit is not None and marker not in audit.read_text(encoding="utf-8")
    assert leftovers(tmp_path, [*inputs, output, audit]) == []


def test_the_matrix_is_large_and_covers_each_exit_code() -> None:
    assert len(CASES) >= 50 and len({case.id for case in CASES}) == len(CASES)
    assert {case.code for case in CASES} == {OK, USAGE, FAILURE}
