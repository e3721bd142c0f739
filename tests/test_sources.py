"""The sources travel with the package: every [key] a bundled file cites is listed, with an address."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner

from simulator import load_scenario, simulate
from simulator.bundled import SCENARIOS, SOURCES
from simulator.cli import cli
from simulator.output.bibliography import cited, sources
from simulator.output.page import to_html

ROOT = Path(__file__).resolve().parent.parent


def test_every_key_the_project_cites_is_a_source() -> None:
    known = sources()
    texts = [p.read_text(encoding="utf-8") for p in SCENARIOS.rglob("*.yaml")]
    texts += [p.read_text(encoding="utf-8") for p in (ROOT / "notebooks").glob("*.ipynb")]
    texts += [
        (ROOT / "README.md").read_text(encoding="utf-8"),
        (ROOT / "seeds" / "README.md").read_text(encoding="utf-8"),
    ]
    keys = {k for t in texts for k in re.findall(r"\[([a-z]+(?:-[a-z0-9]+)+)\]", t)}
    assert keys and not keys - set(known), sorted(keys - set(known))


def test_every_source_but_the_projects_own_has_an_address() -> None:
    missing = [s.keys for s in sources().values() if not s.addresses]
    assert sorted(set(missing)) == [("press-2025-04",), ("tariffsim-assumptions",)]


def test_the_docs_copy_is_the_packaged_one() -> None:
    assert (ROOT / "docs" / "sources.md").resolve() == SOURCES.resolve()


def test_sources_command_prints_one_or_all() -> None:
    runner = CliRunner()
    one = runner.invoke(cli, ["sources", "[eo-14257]"])
    assert one.exit_code == 0 and "https://www.federalregister.gov/d/2025-06063" in one.output
    assert runner.invoke(cli, ["sources"]).output.count("\n[") >= 20
    wrong = runner.invoke(cli, ["sources", "eo-1425"])
    assert wrong.exit_code == 1 and "did you mean 'eo-14257'" in wrong.output


def test_the_report_lists_the_sources_it_cites_with_links() -> None:
    result = simulate(load_scenario("paths/us_on_china_escalation"))
    html = to_html([result])
    bibliography = html.split('<h2 id="sources">', 1)[1]
    for source in cited(result.scenario.description):
        assert f'id="src-{source.keys[0]}"' in bibliography
    assert '<a href="https://content.govdelivery.com/bulletins/gd/USDHSCBP-3db9e55">' in bibliography
    assert 'id="src-census-imports-2024"' in bibliography  # the trade table's own source
