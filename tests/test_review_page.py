"""`anonymizer review`: the self-contained HTML page (escaping, attributes, sampling, flags)."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import stat
from collections.abc import Sequence
from html.parser import HTMLParser
from pathlib import Path

import pytest

from anonymizer.review.auditlog import load_audit
from anonymizer.review.page import possible_misses, review_page
from anonymizer.review.render import Highlight, render_original
from anonymizer.span import Rank, Span
from review_support import (
    FORMATS,
    KEY,
    SAMPLES,
    SUFFIX,
    Row,
    Run,
    anonymize,
    audit_entries,
    edit,
    fake_anonymizer,
    run_pipeline,
    tools,
)

WORDS = {"Anna": ("PER", 0.95), "Erik": ("PER", 0.2), "Umeå": ("LOC", 0.7), "Volvo": ("ORG", 0.95)}
ROWS: list[Row] = [
    {"id": 1, "text": "Anna flyttade till Umeå.", "visits": 1},
    {"id": 2, "text": '<script>window.__pwned = 1</script> skrev Erik & "Anna" <b>fet</b>', "visits": 2},
    {"id": 3, "text": "Inga namn här, bara Kastanjen igen.", "visits": 3},
]


class Elements(HTMLParser):
    """Start tags with their attributes, and the text of <script> elements."""

    def __init__(self, page: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[str] = []
        self._in_script = False
        self.feed(page)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.scripts.append(data)

    def find(self, tag: str, css_class: str | None = None) -> list[dict[str, str | None]]:
        return [
            attrs
            for name, attrs in self.tags
            if name == tag and (css_class is None or css_class in (attrs.get("class") or "").split())
        ]


def fake_run(
    folder: Path, fmt: str = "csv", rows: Sequence[Row] = ROWS, *, key: bytes | None = KEY.encode()
) -> Run:
    folder.mkdir(parents=True, exist_ok=True)
    return run_pipeline(fake_anonymizer(WORDS), folder, fmt, rows, key=key)


def page_of(run: Run, **options: object) -> str:
    settings: dict[str, object] = {"key": KEY.encode(), "fmt": run.fmt} | options
    return review_page(run.input, audit=load_audit(run.audit), **settings)  # type: ignore[arg-type]


def sampled_rows(page: str) -> list[int]:
    return [int(attrs["data-row"] or -1) for attrs in Elements(page).find("article", "record")]


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_audited_span_of_the_sample_is_one_highlight(tmp_path: Path, fmt: str) -> None:
    run = fake_run(tmp_path, fmt)
    page = page_of(run)
    elements = Elements(page)
    marks = elements.find("mark", "ent")
    assert sorted(sampled_rows(page)) == [0, 1, 2]
    entries = audit_entries(run.audit)
    assert len(marks) == len(entries) == 4
    assert sorted(m["data-label"] or "" for m in marks) == sorted(e["label"] for e in entries)
    assert sorted(float(m["data-score"] or 0) for m in marks) == sorted(e["score"] for e in entries)
    assert all("ner" in (m["title"] or "") and "→" in (m["title"] or "") for m in marks)
    assert len(elements.find("span", "rep")) == len(entries)


def test_markup_in_the_input_and_the_audit_is_escaped(tmp_path: Path) -> None:
    run = fake_run(tmp_path)
    # A tampered audit log can carry markup in any value, too.
    lines = run.audit.read_text(encoding="utf-8").splitlines()
    first = json.loads(lines[0]) | {"replacement": '"><img src=x onerror=alert(1)>'}
    run.audit.write_text("\n".join([json.dumps(first), *lines[1:]]) + "\n", encoding="utf-8")
    page = page_of(run)
    elements = Elements(page)
    assert len(elements.find("script")) == 1 and "__pwned" not in "".join(elements.scripts)
    assert elements.find("b") == [] and elements.find("img") == []
    assert "&lt;script&gt;window.__pwned = 1&lt;/script&gt;" in page
    assert "&quot;" in page and "&amp;" in page and "&lt;b&gt;fet&lt;/b&gt;" in page


def test_the_page_is_self_contained_and_its_script_is_pinned(tmp_path: Path) -> None:
    page = page_of(fake_run(tmp_path))
    elements = Elements(page)
    assert not re.search(r"https?://|\bsrc=|\bhref=|@import|url\(", page)
    [csp] = [attrs["content"] or "" for attrs in elements.find("meta") if attrs.get("http-equiv")]
    digest = base64.b64encode(hashlib.sha256(elements.scripts[0].encode()).digest()).decode()
    assert f"script-src 'sha256-{digest}'" in csp and "default-src 'none'" in csp


def test_sampling_is_deterministic_and_favours_low_scores_and_rare_labels(tmp_path: Path) -> None:
    rows = [
        {
            "id": i,
            "text": "Erik ringde." if i % 10 == 0 else "Volvo köpte." if i % 10 == 5 else "Anna kom.",
            "visits": i,
        }
        for i in range(200)
    ]
    run = fake_run(tmp_path, rows=rows)
    first = sampled_rows(page_of(run, sample=20, seed=7))
    assert len(first) == 20 and first == sorted(first)
    assert sampled_rows(page_of(run, sample=20, seed=7)) == first
    samples = [sampled_rows(page_of(run, sample=20, seed=seed)) for seed in range(20)]
    assert len({tuple(s) for s in samples}) > 1
    low = sum(row % 10 == 0 for s in samples for row in s) / 400
    rare = sum(row % 10 == 5 for s in samples for row in s) / 400
    assert low > 0.17 and rare > 0.17, (low, rare)  # 0.1 each if sampled uniformly


def test_records_that_no_longer_match_the_input_are_flagged(tmp_path: Path) -> None:
    run = fake_run(tmp_path)
    changed = edit(
        run.input, "csv", lambda rows: rows[0].update(text="Olle flyttade till Umeå."), tmp_path / "new.csv"
    )
    page = page_of(Run("csv", changed, run.output, run.audit))
    statuses = {int(a["data-row"] or -1): a["data-status"] for a in Elements(page).find("article", "record")}
    assert statuses == {0: "mismatch", 1: "ok", 2: "ok"}
    assert "1 of 3 records do not match the audit log" in page
    assert "digests do not match" in page


def test_without_a_usable_key_the_page_says_digests_were_not_checked(tmp_path: Path) -> None:
    assert "no audit key was given" in page_of(fake_run(tmp_path / "a"), key=None)
    random_key = page_of(fake_run(tmp_path / "b", key=None))
    assert "random audit key" in random_key and "Digests were not checked" in random_key


class CapitalisedWords:
    """Stands in for the strict preset's detector: every word, capitalised or not."""

    name = "rule:fake-unknown"
    rank = Rank.LIST
    labels = frozenset({"PER"})

    def detect(self, texts: Sequence[str]) -> list[list[Span]]:
        return [
            [Span(m.start(), m.end(), "PER", 0.5, self.name, rank=Rank.LIST) for m in re.finditer(r"\w+", t)]
            for t in texts
        ]


def test_possible_misses_are_capitalised_untouched_words(tmp_path: Path) -> None:
    text = "Anna såg Kastanjen och björken."
    taken = [Highlight(0, 4, "PER", "ner", 0.9, "[PER_1]")]
    [misses] = possible_misses([text], [taken], CapitalisedWords())
    assert [text[m.start : m.end] for m in misses] == ["Kastanjen"]
    html = render_original(text, taken, misses)
    assert '<span class="miss" data-miss="PER" data-detector="rule:fake-unknown"' in html
    page = page_of(fake_run(tmp_path), detector=CapitalisedWords())
    marked = {a["data-row"]: a["data-misses"] for a in Elements(page).find("article", "record")}
    assert marked["2"] == "2"  # "Inga", "Kastanjen"
    assert 'data-view="misses"' in page


@pytest.mark.shipped_model
def test_the_command_writes_a_private_page_for_a_real_run(tmp_path: Path) -> None:
    audit, out = tmp_path / "audit.jsonl", tmp_path / "out.csv"
    done = anonymize(
        SAMPLES / "notes.csv", "--column", "text", "-o", out, "--audit", audit, "--audit-key", KEY, "-q"
    )
    assert done.exit_code == 0
    page = tmp_path / "review.html"
    result = tools(
        "review", SAMPLES / "notes.csv", "--audit", audit, "-o", page, "--audit-key", KEY, "--seed", "3"
    )
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(page.stat().st_mode) == 0o600
    html = page.read_text(encoding="utf-8")
    assert len(Elements(html).find("mark", "ent")) == len(audit_entries(audit))
    assert 'data-view="misses"' in html and "Digests were not checked" not in html
    unkeyed = tools("review", SAMPLES / "notes.csv", "--audit", audit, "-o", page, "--no-misses")
    assert unkeyed.exit_code == 0 and "digests not checked" in unkeyed.output
    assert 'data-view="misses"' not in page.read_text(encoding="utf-8")


def test_the_command_refuses_to_overwrite_its_input(tmp_path: Path) -> None:
    run = fake_run(tmp_path)
    result = tools("review", run.input, "--audit", run.audit, "-o", run.input, "--no-misses")
    assert result.exit_code == 2 and "is the input file" in result.output
    assert SUFFIX["csv"] == run.input.suffix
