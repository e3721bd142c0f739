"""Debian's chromium driven by Playwright, for tests that look at pages as people do.

Playwright's own browser download cannot run here, so the driver is pointed at /usr/bin/chromium;
`.ci/run` installs it. Where either is missing the tests skip and say which.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = os.environ.get("TARIFFSIM_CHROMIUM", "/usr/bin/chromium")
# without the background-networking flags chromium keeps trying to reach Google on this closed network
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}


def why_no_browser() -> str:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (pip install -e '.[dev]')"
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        return f"no chromium at {CHROMIUM} (apt-get install chromium; .ci/run does)"
    return ""


@contextmanager
def chromium() -> Iterator[Any]:
    reason = why_no_browser()
    if reason:
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            yield browser
        finally:
            browser.close()


def scroll_overflow(page: Any) -> int:
    """How many CSS pixels the page is wider than the window (0: no horizontal scroll)."""
    return int(page.evaluate("document.documentElement.scrollWidth - window.innerWidth"))


SHINY_STATE = """() => JSON.stringify({
  disconnected: !!document.querySelector('#shiny-disconnected-overlay'),
  busy: document.documentElement.classList.contains('shiny-busy'),
  recalculating: [...document.querySelectorAll('.recalculating')].map(e => e.id),
  inputs: [...document.querySelectorAll('.shiny-bound-input')].map(e => e.id + '=' + (e.type === 'checkbox' ? e.checked : e.value ?? '')),
  outputs: [...document.querySelectorAll('.shiny-bound-output')].map(e => e.id),
  errors: [...document.querySelectorAll('.shiny-output-error')].map(e => e.id + ': ' + e.textContent),
})"""


@contextmanager
def page_state_on_failure(page: Any) -> Iterator[None]:
    """A failure inside the block carries what the Shiny page showed: whether it lost its server or is
    still busy, its bound inputs and outputs, and any output's error (a wait that times out then says
    which part never came)."""
    try:
        yield
    except BaseException as exc:
        try:
            exc.add_note("the page's state: " + page.evaluate(SHINY_STATE))
        except Exception as inner:  # the page itself may be gone
            exc.add_note(f"the page's state could not be read: {inner}")
        raise


def serious_violations(page: Any, impacts: tuple[str, ...] = ("serious", "critical")) -> list[str]:
    """axe-core's findings of these impacts on the page (serious and critical by default), one line each."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    found = []
    for item in results.response["violations"]:
        if item["impact"] in impacts:
            targets = ", ".join(str(n["target"]) for n in item["nodes"][:3])
            found.append(f"{item['id']} ({item['impact']}): {item['help']} at {targets}")
    return found


@contextmanager
def explorer(*args: str, cwd: Path) -> Iterator[str]:
    """Run `tariffsim explore --no-browser --port 0 ARGS` and yield its address once it answers.

    Its output is read to the end on a thread, so the server never blocks on a full pipe (64 kB), and a
    test that fails shows the output's last lines: a server error then shows in the report."""
    process = subprocess.Popen(
        [sys.executable, "-m", "simulator", "explore", "--no-browser", "--port", "0", *args],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    said: deque[str] = deque(maxlen=60)
    try:
        assert process.stdout is not None
        deadline = time.monotonic() + 60
        line = ""
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            said.append(line)
            if "http://" in line or not line:
                break
        assert "http://" in line, f"the explorer did not start: {line!r}"
        threading.Thread(target=said.extend, args=(process.stdout,), daemon=True).start()
        try:
            yield line.split()[3]
        except BaseException as exc:
            exc.add_note("the explorer's last output:\n" + "".join(list(said)))
            raise
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
