"""The review page and the running demo in headless Chromium (Debian's chromium + chromium-driver).

Skipped only when Chromium is not installed and this is not CI; in CI (``CI=true``,
where ``.ci/run`` installs it) a missing browser fails. Screenshots go to the test's
temporary folder; with ``ANONYMIZER_SCREENSHOTS=DIR`` they are also copied there
(``ANONYMIZER_SCREENSHOTS=docs``, relative to the repository, refreshes the site's, docs/review.md).
"""

from __future__ import annotations

import csv
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from review_support import KEY, ROOT, SAMPLES, anonymize, audit_entries, tools

CHROMIUM = shutil.which("chromium")
CHROMEDRIVER = shutil.which("chromedriver")
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1400,900",
)
SCRIPT_ROW = "<script>window.__pwned = 1; document.title = 'pwned'</script> Anna Lind ringde från Umeå."

pytestmark = pytest.mark.shipped_model


def _require_browser() -> None:
    missing = [
        name for name, path in (("chromium", CHROMIUM), ("chromedriver", CHROMEDRIVER)) if path is None
    ]
    if importlib_missing("selenium"):
        missing.append("selenium (pip install '.[test]')")
    if not missing:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"{', '.join(missing)} missing in CI; .ci/run installs chromium and chromium-driver")
    pytest.skip(f"{', '.join(missing)} not installed (apt-get install chromium chromium-driver)")


def importlib_missing(name: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(name) is None


def keep_screenshot(path: Path) -> None:
    folder = os.environ.get("ANONYMIZER_SCREENSHOTS")
    if folder:
        target = Path(folder)
        target = target if target.is_absolute() else ROOT / target
        target.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target / path.name)


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    _require_browser()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    folder = tmp_path_factory.mktemp("chromium")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (*FLAGS, f"--user-data-dir={folder / 'profile'}"):
        options.add_argument(flag)
    service = Service(executable_path=str(CHROMEDRIVER), log_output=str(folder / "chromedriver.log"))
    driver = webdriver.Chrome(service=service, options=options)
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()


def test_the_review_page_in_a_browser(browser: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from selenium.webdriver.common.by import By

    monkeypatch.chdir(tmp_path)  # the page names the input as given: "notes.csv"

    with (SAMPLES / "notes.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    rows.append({"id": "99", "text": SCRIPT_ROW, "visits": "0"})
    source = Path("notes.csv")
    with source.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    audit, page = tmp_path / "audit.jsonl", tmp_path / "review.html"
    args = ("--column", "text", "-o", tmp_path / "out.csv", "--audit", audit, "--audit-key", KEY, "-q")
    assert anonymize(source, *args).exit_code == 0
    done = tools(
        "review", source, "--audit", audit, "-o", page, "--audit-key", KEY, "--sample", "5", "--seed", "1"
    )
    assert done.exit_code == 0, done.output

    browser.get(page.resolve().as_uri())
    records = browser.find_elements(By.CSS_SELECTOR, "article.record")
    sampled = {int(record.get_attribute("data-row")) for record in records}
    assert len(sampled) == 5
    expected = [entry for entry in audit_entries(audit) if entry["record"] in sampled]
    marks = browser.find_elements(By.CSS_SELECTOR, "mark.ent[data-label][data-score]")
    assert len(marks) == len(expected)
    assert sorted(m.get_attribute("data-label") for m in marks) == sorted(e["label"] for e in expected)

    # Every record: the one holding <script> shows it as text and runs nothing of it.
    everything = tmp_path / "review-all.html"
    done = tools("review", source, "--audit", audit, "-o", everything, "--audit-key", KEY, "--sample", "100")
    assert done.exit_code == 0, done.output
    browser.get(everything.resolve().as_uri())
    records = browser.find_elements(By.CSS_SELECTOR, "article.record")
    assert len(records) == len(rows)
    assert len(browser.find_elements(By.CSS_SELECTOR, "mark.ent")) == len(audit_entries(audit))
    original = browser.find_element(By.CSS_SELECTOR, f'article[data-row="{len(rows) - 1}"] .original')
    # shown as text (the tagger may mark a word inside it, which adds its label after it)
    assert original.text.startswith("<script>") and "__pwned = 1;" in original.text
    assert browser.execute_script("return window.__pwned === undefined") is True
    assert browser.title.startswith("Review:")

    # The sidebar filters by label.
    browser.find_element(By.CSS_SELECTOR, 'button[data-filter-label="PER"]').click()
    visible = [r for r in records if r.is_displayed()]
    assert visible and all("PER" in r.get_attribute("data-labels").split() for r in visible)
    browser.find_element(By.CSS_SELECTOR, 'button[data-filter-label=""]').click()
    assert all(r.is_displayed() for r in records)

    shot = tmp_path / "review.png"
    browser.save_screenshot(str(shot))
    assert shot.stat().st_size > 10_000
    keep_screenshot(shot)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_for_server(url: str, server: subprocess.Popen[bytes], log: Path, *, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(
                f"the demo exited with {server.returncode}:\n{log.read_text(errors='replace')[-3000:]}"
            )
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=5) as answer:
                if answer.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.5)
    pytest.fail(f"the demo did not answer within {timeout:.0f} s:\n{log.read_text(errors='replace')[-3000:]}")


def test_the_running_demo_in_a_browser(browser: Any, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    port = _free_port()
    command = Path(sys.executable).with_name("anonymizer")
    argv = [str(command)] if command.is_file() else [sys.executable, "-m", "anonymizer.cli.tools"]
    log = tmp_path / "demo.log"
    with log.open("wb") as output:
        server = subprocess.Popen(
            [*argv, "demo", "--port", str(port)], stdout=output, stderr=subprocess.STDOUT
        )
    try:
        url = f"http://127.0.0.1:{port}"
        _wait_for_server(url, server, log, timeout=90)
        browser.get(url)
        wait = WebDriverWait(browser, 180, poll_frequency=0.5)
        # The example text is highlighted once the model has loaded.
        wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, ".anon-text.original mark.ent"))
        area = browser.find_element(By.CSS_SELECTOR, "textarea")
        area.click()
        area.send_keys(Keys.CONTROL, "a")
        area.send_keys(Keys.DELETE)
        area.send_keys("Anna Lind flyttade till Umeå i fjol.")
        area.send_keys(Keys.CONTROL, Keys.ENTER)

        def typed_name_highlighted(driver: Any) -> bool:
            # In the page, in one go: Streamlit replaces elements while it renders.
            return bool(
                driver.execute_script(
                    "return Array.from(document.querySelectorAll("
                    "'.anon-text.original mark.ent[data-label=\"PER\"]'))"
                    ".some(m => m.textContent.includes('Anna Lind'))"
                )
            )

        WebDriverWait(browser, 120, poll_frequency=0.5).until(typed_name_highlighted)
        assert browser.find_elements(By.CSS_SELECTOR, ".anon-text.redacted span.rep")
        time.sleep(1.0)  # let the page settle for the screenshot
        shot = tmp_path / "demo.png"
        browser.save_screenshot(str(shot))
        assert shot.stat().st_size > 10_000
        keep_screenshot(shot)
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=15)
