"""The HTML report as people see it: Debian's chromium at desktop and phone widths, and in print."""

from __future__ import annotations

import unicodedata
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from simulator.cli import cli
from tests.browser import DESKTOP, PHONE, chromium, scroll_overflow, serious_violations

pytest.importorskip("matplotlib")


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("reports")
    made = {}
    for name, args in {
        "one": ["exempt_chips"],
        "paths": ["paths/us_on_china_escalation", "paths/us_on_china_deescalation"],
    }.items():
        out = folder / f"{name}.html"
        result = CliRunner().invoke(cli, ["report", *args, "--out", str(out)])
        assert result.exit_code == 0, result.output
        made[name] = out
    return made


def outside(page: Any, selector: str) -> list[str]:
    """Elements matching `selector` that are not wholly inside the window's width."""
    return page.evaluate(
        """sel => [...document.querySelectorAll(sel)].filter(e => {
             const r = e.getBoundingClientRect();
             return r.width === 0 || r.left < -0.5 || r.right > window.innerWidth + 0.5;
           }).map(e => e.textContent.trim().slice(0, 40))""",
        selector,
    )


@pytest.mark.parametrize("which", ["one", "paths"])
@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_the_report_fits_the_screen_and_passes_axe(
    reports: dict[str, Path], which: str, viewport: dict[str, int]
) -> None:
    with chromium() as browser:
        page = browser.new_page(viewport=viewport)
        page.goto(reports[which].as_uri())
        assert scroll_overflow(page) <= 0
        assert outside(page, ".card") == []
        # every column of every table: each cell of the first body row is on screen
        assert outside(page, "table.data tbody tr:first-child > *") == []
        assert outside(page, "figure img") == []
        assert serious_violations(page) == []
        assert page.locator("main").count() == 1 and page.locator("caption").count() >= 2


def test_a_phone_gets_the_narrow_charts(reports: dict[str, Path]) -> None:
    with chromium() as browser:
        page = browser.new_page(viewport=PHONE)
        page.goto(reports["one"].as_uri())
        img = page.locator("figure img").first
        natural = img.evaluate("e => e.naturalWidth")
        assert natural < 600  # the 4.4-inch render, not the 13-inch slide shrunk to a third
        alt = img.get_attribute("alt") or ""
        assert "waive" in alt and "$" in alt  # says what the chart shows, not its name


@pytest.mark.parametrize("which", ["one", "paths"])
def test_the_first_printed_page_carries_the_figures(reports: dict[str, Path], tmp_path: Path, which: str) -> None:
    from pypdf import PdfReader

    with chromium() as browser:
        page = browser.new_page()
        page.goto(reports[which].as_uri())
        pdf = tmp_path / "report.pdf"
        page.pdf(path=str(pdf), format="A4")
    first = unicodedata.normalize("NFKC", PdfReader(pdf).pages[0].extract_text()).lower()  # "ﬀ" to "ff"
    assert "effective rate" in first and "exempted value" in first and "duty relief" in first
    assert first.count("$") >= 4 and first.count("%") >= 3  # the figures, not just a title


def test_several_scenarios_are_compared_at_one_date(reports: dict[str, Path]) -> None:
    html = reports["paths"].read_text()
    assert "The scenarios compared" in html and "Every scenario at the rates in force on 14 November 2025" in html
    assert "[2] parts from [1] on 14 May 2025" in html
    assert "[2] vs [1]" in html and 'id="c-compare_duty"' in html and 'id="c-compare_timeline"' in html
    assert html.count("rates of 14 Nov 2025") >= 2  # both sections at the common date
