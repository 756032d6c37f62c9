"""Fail closed: a record whose detection fails is never written as it was.

By default the run stops and names the record (never its content); with
``on_error="mask"`` the record is replaced whole and audited as ``ERROR``. The time
limit interrupts a stuck detector, also inside a regular expression.
"""

from __future__ import annotations

import io
import json
import re
import signal
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from anonymizer import deadline, limits
from anonymizer.audit import AuditLog
from anonymizer.errors import DetectionError, RecordError
from anonymizer.io import open_reader, open_writer
from anonymizer.pipeline import ERROR_MASK, Anonymizer, run_job
from anonymizer.span import ERROR_LABEL, Rank, Span
from support import FakeDetector, make_config

SECRET = "Zebulon Quist"


class Failing:
    """Raises on any text holding ``trigger`` (with the text in the message, as a bug might)."""

    name = "failing"
    labels = frozenset({"PER"})
    rank = Rank.MODEL

    def __init__(self, trigger: str = "BOOM") -> None:
        self.trigger = trigger

    def detect(self, texts: Sequence[str]) -> list[list[Span]]:
        for text in texts:
            if self.trigger in text:
                raise ValueError(f"cannot handle {text!r}")
        return [[] for _ in texts]


class Slow:
    """Spins (in Python) on any text holding ``SLOW``, far longer than the limits used here."""

    name = "slow"
    labels = frozenset({"PER"})
    rank = Rank.MODEL

    def detect(self, texts: Sequence[str]) -> list[list[Span]]:
        for text in texts:
            if "SLOW" in text:
                end = time.monotonic() + 30
                while time.monotonic() < end:
                    pass
        return [[] for _ in texts]


class Backtracking:
    """A regular expression that backtracks for minutes on ``a`` * 40 + ``b``."""

    name = "backtracking"
    labels = frozenset({"PER"})
    rank = Rank.MODEL
    pattern = re.compile(r"(a+)+$")

    def detect(self, texts: Sequence[str]) -> list[list[Span]]:
        for text in texts:
            self.pattern.match(text)
        return [[] for _ in texts]


def anonymizer(*extra: object, on_error: str = "stop", timeout: float | None = 0.3) -> Anonymizer:
    detectors = [FakeDetector({"Anna": "PER", "Umeå": "LOC"}), *extra]
    return Anonymizer(
        config=make_config().with_entities(frozenset({"PER", "LOC"})),
        detectors=detectors,  # type: ignore[arg-type]
        on_error=on_error,
        record_timeout=timeout,
        cache_size=0,
    )


TEXTS = ["Anna bor i Umeå.", f"BOOM {SECRET} SLOW", "Anna igen."]


@pytest.mark.parametrize("detector", [Failing(), Slow()])
def test_stop_names_the_record_not_its_content(detector: object) -> None:
    with pytest.raises(RecordError) as caught:
        anonymizer(detector).redact(TEXTS)
    assert caught.value.index == 1
    assert SECRET not in str(caught.value) and "BOOM" not in str(caught.value)


@pytest.mark.parametrize("detector", [Failing(), Slow()])
def test_mask_replaces_the_record_whole_and_the_others_as_without_it(detector: object) -> None:
    results = anonymizer(detector, on_error="mask").redact(TEXTS)
    assert results[1].text == ERROR_MASK
    assert results[1].error is not None and SECRET not in results[1].error
    [item] = results[1].replacements
    assert (item.span.start, item.span.end, item.span.label) == (0, len(TEXTS[1]), ERROR_LABEL)
    clean = anonymizer(detector).redact([TEXTS[0], TEXTS[2]])
    assert [r.text for r in (results[0], results[2])] == [r.text for r in clean]
    assert [r.text for r in clean] == ["[PER_1] bor i [LOC_1].", "[PER_1] igen."]


def test_a_timeout_says_so() -> None:
    [result] = anonymizer(Slow(), on_error="mask", timeout=0.2).redact(["SLOW"])
    assert result.error == "detection ran past its time limit (0.2 s)"


def test_the_timer_interrupts_a_regular_expression() -> None:
    started = time.monotonic()
    [result] = anonymizer(Backtracking(), on_error="mask", timeout=0.3).redact(["a" * 40 + "b"])
    assert result.text == ERROR_MASK and "time limit" in (result.error or "")
    assert time.monotonic() - started < 10


def test_without_a_timer_the_deadline_holds_between_detectors() -> None:
    """In a thread no signal can interrupt a detector; the next one does not start."""
    results: list[object] = []

    class Sleepy:
        name = "sleepy"
        labels = frozenset({"PER"})
        rank = Rank.MODEL

        def detect(self, texts: Sequence[str]) -> list[list[Span]]:
            time.sleep(0.5)
            return [[] for _ in texts]

    def work() -> None:
        results.extend(anonymizer(Sleepy(), on_error="mask", timeout=0.1).redact(["Anna"]))

    thread = threading.Thread(target=work)
    thread.start()
    thread.join(20)
    [result] = results
    assert result.text == ERROR_MASK  # type: ignore[attr-defined]


def test_a_failing_batch_is_retried_record_by_record() -> None:
    detector = Failing()
    texts = [f"Anna {index}" for index in range(5)] + ["BOOM"]
    results = anonymizer(detector, on_error="mask").redact(texts)
    assert [r.text for r in results] == [f"[PER_1] {index}" for index in range(5)] + [ERROR_MASK]


def test_detect_raises_for_the_failing_text() -> None:
    with pytest.raises(RecordError) as caught:
        anonymizer(Failing()).detect(["Anna", "BOOM"])
    assert caught.value.index == 1


def test_an_over_long_record_fails_closed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "MAX_RECORD_CHARS", 20)
    results = anonymizer(on_error="mask").redact(["Anna", "Anna " * 10])
    assert results[0].text == "[PER_1]" and results[1].text == ERROR_MASK
    assert "longer than 20 characters" in (results[1].error or "")


def test_time_limit_restores_the_signal_handler_and_the_timer() -> None:
    before = signal.getsignal(signal.SIGALRM)
    with deadline.time_limit(5):
        assert signal.getitimer(signal.ITIMER_REAL)[0] > 0
        with deadline.time_limit(0.01):  # nested: the outer timer stays, the deadline tightens
            time.sleep(0.05)
            with pytest.raises(deadline.Expired):
                deadline.check()
        deadline.check()  # the outer deadline has not passed
    assert signal.getsignal(signal.SIGALRM) is before
    assert signal.getitimer(signal.ITIMER_REAL)[0] == 0
    deadline.check()  # no deadline outside


def test_seconds_grow_with_the_length_past_a_million_characters() -> None:
    assert deadline.seconds_for(10, 5) == 10
    assert deadline.seconds_for(10, 3_500_000) == 35


def run_csv(tmp_path: Path, anonymizer: Anonymizer) -> tuple[str, list[dict[str, Any]]]:
    source = tmp_path / "in.csv"
    source.write_text(f"id,text\n1,Anna bor i Umeå.\n2,BOOM {SECRET}\n3,Anna\n", encoding="utf-8")
    out = io.BytesIO()
    audit_path = tmp_path / "audit.jsonl"
    with (
        open_reader(source, fmt="csv", fields=["text"]) as reader,
        AuditLog(audit_path, key=b"k" * 16, include_text=True) as audit,
    ):
        writer = open_writer(out, reader=reader)
        stats = run_job(anonymizer, reader, writer, audit=audit)
        writer.close()
        audit.summary(rows=stats.rows)
    records = [json.loads(line) for line in audit_path.read_text(encoding="utf-8").splitlines()]
    return out.getvalue().decode("utf-8"), records


def test_run_job_stops_naming_file_row_and_column(tmp_path: Path) -> None:
    with pytest.raises(DetectionError) as caught:
        run_csv(tmp_path, anonymizer(Failing()))
    message = str(caught.value)
    assert f"{tmp_path / 'in.csv'}: record 1, column 'text'" in message
    assert "`on_error` mask" in message and SECRET not in message and "BOOM" not in message
    assert not (tmp_path / "audit.jsonl").exists()


def test_run_job_masks_and_audits_without_text(tmp_path: Path) -> None:
    output, records = run_csv(tmp_path, anonymizer(Failing(), on_error="mask"))
    assert output.splitlines() == ["id,text", "1,[PER_1] bor i [LOC_1].", f"2,{ERROR_MASK}", "3,[PER_1]"]
    [error] = [r for r in records if r.get("label") == ERROR_LABEL]
    assert error["record"] == 1 and error["field"] == "text" and error["start"] == 0
    assert error["end"] == len(f"BOOM {SECRET}") and "text" not in error
    assert "ValueError" in error["reason"] and SECRET not in json.dumps(records)
    assert records[-1]["counts"][ERROR_LABEL] == 1
