"""The entity audit log (anonymizer.audit.AuditLog) on its own, without the pipeline."""

from __future__ import annotations

import hashlib
import hmac
import json
import stat
from pathlib import Path
from typing import Any

import pytest

from anonymizer.audit import AUDIT_FILE_MODE, AuditLog, span_digest
from anonymizer.errors import OutputError
from anonymizer.span import Rank, Replacement, Span
from io_support import FifoReader, full_device, null_device

KEY = b"audit-test-key"
ORIGINAL = "Anna Lind ringde 070-123 45 67."


def replacement(start: int, end: int, label: str, text: str, *, valid: bool | None = None) -> Replacement:
    return Replacement(Span(start, end, label, 0.87654, "ner", valid, rank=Rank.MODEL), text)


PER = replacement(0, 9, "PER", "[PER_1]")
PHONE = replacement(17, 30, "PHONE", "[PHONE_1]", valid=True)


def write_both(log: AuditLog) -> None:
    log.write(source="in.txt", record=3, field="text", original=ORIGINAL, item=PER)
    log.write(source="in.txt", record=3, field="text", original=ORIGINAL, item=PHONE)
    log.summary(rows=4, version="test")


def read(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_records_and_summary(tmp_path: Path) -> None:
    target = tmp_path / "audit.jsonl"
    with AuditLog(target, key=KEY) as log:
        write_both(log)
    first, second, summary = read(target)
    assert first == {
        "source": "in.txt",
        "record": 3,
        "field": "text",
        "start": 0,
        "end": 9,
        "label": "PER",
        "detector": "ner",
        "score": 0.8765,
        "replacement": "[PER_1]",
        "digest": hmac.new(KEY, b"Anna Lind", hashlib.sha256).hexdigest(),
    }
    assert second["valid"] is True and second["digest"] == span_digest(KEY, "070-123 45 67")
    assert summary == {
        "type": "summary",
        "counts": {"PER": 1, "PHONE": 1},
        "spans": 2,
        "audit_key": "given",
        "rows": 4,
        "version": "test",
    }


def test_removed_text_only_when_asked(tmp_path: Path) -> None:
    plain, with_text = tmp_path / "plain.jsonl", tmp_path / "text.jsonl"
    with AuditLog(plain, key=KEY) as log:
        write_both(log)
    with AuditLog(with_text, key=KEY, include_text=True) as log:
        write_both(log)
    assert "Anna" not in plain.read_text(encoding="utf-8") and "070" not in plain.read_text(encoding="utf-8")
    assert [entry.get("text") for entry in read(with_text)] == ["Anna Lind", "070-123 45 67", None]


def test_random_key_is_said_and_differs_per_log(tmp_path: Path) -> None:
    digests = []
    for name in ("a.jsonl", "b.jsonl"):
        with AuditLog(tmp_path / name, key=None) as log:
            assert log.key_was_random and len(log.key) == 32
            write_both(log)
        *records, summary = read(tmp_path / name)
        assert summary["audit_key"] == "random (this run only)"
        digests.append(records[0]["digest"])
    assert digests[0] != digests[1]


def test_file_is_private_and_appears_only_at_the_end(tmp_path: Path) -> None:
    target = tmp_path / "audit.jsonl"
    target.write_text("earlier run\n", encoding="utf-8")
    target.chmod(0o644)
    with AuditLog(target, key=KEY) as log:
        write_both(log)
        assert target.read_text(encoding="utf-8") == "earlier run\n"
        (tmp,) = (p for p in tmp_path.iterdir() if p != target)
        assert tmp.name.startswith(".audit.jsonl.") and tmp.name.endswith(".tmp")
    assert stat.S_IMODE(target.stat().st_mode) == AUDIT_FILE_MODE == 0o600
    assert len(read(target)) == 3
    assert list(tmp_path.iterdir()) == [target]


@pytest.mark.parametrize("existing", [False, True])
def test_failure_leaves_no_log_and_keeps_the_old_one(existing: bool, tmp_path: Path) -> None:
    target = tmp_path / "audit.jsonl"
    if existing:
        target.write_text("earlier run\n", encoding="utf-8")
    with pytest.raises(RuntimeError), AuditLog(target, key=KEY) as log:
        log.write(source="-", record=0, field=None, original=ORIGINAL, item=PER)
        raise RuntimeError("detector failed")
    assert list(tmp_path.iterdir()) == ([target] if existing else [])
    if existing:
        assert target.read_text(encoding="utf-8") == "earlier run\n"


def test_use_outside_the_with_block_is_an_error(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "audit.jsonl", key=KEY)
    with pytest.raises(RuntimeError, match="outside its with-block"):
        log.summary(rows=0)
    with log, pytest.raises(RuntimeError, match="open already"):
        log.__enter__()
    with pytest.raises(RuntimeError, match="outside its with-block"):
        log.write(source="-", record=0, field=None, original=ORIGINAL, item=PER)


def test_device_target_is_written_in_place(tmp_path: Path) -> None:
    device = null_device(tmp_path / "null")
    with AuditLog(device, key=KEY) as log:
        write_both(log)
    assert stat.S_ISCHR(device.stat().st_mode) and list(tmp_path.iterdir()) == [device]


def test_full_device_target_is_an_output_error(tmp_path: Path) -> None:
    device = full_device(tmp_path / "full")
    with pytest.raises(OutputError, match="No space left on device"), AuditLog(device, key=KEY) as log:
        write_both(log)
    assert stat.S_ISCHR(device.stat().st_mode) and list(tmp_path.iterdir()) == [device]


def test_fifo_target_gets_the_lines(tmp_path: Path) -> None:
    with FifoReader(tmp_path / "audit.pipe") as reader, AuditLog(reader.path, key=KEY) as log:
        write_both(log)
    lines = [json.loads(line) for line in reader.data.decode("utf-8").splitlines()]
    assert [line.get("label", line.get("type")) for line in lines] == ["PER", "PHONE", "summary"]
