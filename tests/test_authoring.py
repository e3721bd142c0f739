"""Help for people writing scenarios: explain, schema, new; and docs that cannot drift."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
import jsonschema
import pytest
import yaml
from click.testing import CliRunner

from simulator import ScenarioError, load_flows, load_scenario, simulate
from simulator.analysis.explain import explain
from simulator.bundled import SCENARIOS, SCHEMA_FILE
from simulator.cli import cli
from simulator.scenario.json_schema import scenario_schema, schema_json
from simulator.units import usd

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()
BUNDLED = sorted(SCENARIOS.rglob("*.yaml"))


class _Yaml12Loader(yaml.SafeLoader):
    """What an editor's YAML language server sees: YAML 1.2 core, no implicit dates."""


_Yaml12Loader.yaml_implicit_resolvers = {
    k: [(tag, regexp) for tag, regexp in v if tag != "tag:yaml.org,2002:timestamp"]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def editor_view(path: Path) -> Any:
    return yaml.load(path.read_text(), Loader=_Yaml12Loader)


@pytest.mark.parametrize("path", BUNDLED, ids=[str(p.relative_to(SCENARIOS)) for p in BUNDLED])
def test_bundled_scenarios_match_the_schema_and_point_to_it(path: Path) -> None:
    jsonschema.validate(editor_view(path), scenario_schema())
    first = path.read_text().splitlines()[0]
    match = re.fullmatch(r"# yaml-language-server: \$schema=(\S+)", first)
    assert match, "bundled scenarios start with the yaml-language-server schema line"
    assert (path.parent / match.group(1)).resolve() == SCHEMA_FILE.resolve()


def test_committed_schema_is_current() -> None:
    assert SCHEMA_FILE.read_text() == schema_json(), (
        "run: tariffsim schema -o simulator/bundled/scenarios/scenario.schema.json"
    )


@pytest.mark.parametrize(
    "text",
    [
        "importer: CHN\nlayres: []\n",
        "importer: CHN\nlayers: [{name: a, rate: 125}]\n",
        "importer: CHN\nexemptions: [{name: e, hs: [8542]}]\n",
        "importer: CHN\nexemptions: [{name: e, share: 50%}]\n",
        "importer: CHN\nlayers: [{name: a, rate: {April 10: 5%}}]\n",
    ],
)
def test_schema_flags_what_the_loader_refuses(write: Callable[..., Path], text: str) -> None:
    path = write("bad.yaml", text)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(editor_view(path), scenario_schema())
    with pytest.raises(ScenarioError, match=r"bad\.yaml"):
        load_scenario(path)


def test_explain_names_lines_overlaps_and_inheritance() -> None:
    text = explain(load_scenario(SCENARIOS / "exempt_131.yaml"))
    assert "Extends exempt_chips.yaml (and through it china_125.yaml)" in text
    assert "adds exemption pharmaceuticals" in text
    assert "chips: waives 100% of retaliation on HS 8542, except HS 854232" in text
    chips = load_flows().query("importer == 'CHN' and hs.str.startswith('8542') and hs != '854232'")
    assert f"matches {len(chips)} lines, {usd(chips['value_usd'].sum())}" in text
    biggest = chips.sort_values("value_usd").iloc[-1]
    assert f"{biggest['hs']} {biggest['description']} (Semiconductors) {usd(biggest['value_usd'])}" in text


def test_explain_overlaps_and_empty_prefixes(write: Callable[..., Path]) -> None:
    path = write(
        "o.yaml",
        """
        importer: CHN
        trade: tiny.csv
        layers: [{name: a, rate: {2025-04-10: 84%, 2025-04-12: 125%}}]
        exemptions:
          - {name: semis, categories: [Semiconductors], share: 50%}
          - {name: logic, hs: ["854231"]}
          - {name: typo, hs: ["8543"]}
    """,
    )
    text = explain(load_scenario(path))
    assert "0% until 2025-04-09, 84% from 2025-04-10, 125% from 2025-04-12 (on 2025-04-12: 125%)" in text
    assert "semis and logic both match 1 line, $100" in text
    assert "typo: HS prefix '8543' matches no line" in text
    result = CliRunner().invoke(cli, ["explain", str(path), "--date", "2025-04-11"])
    assert result.exit_code == 0 and "(on 2025-04-11: 84%)" in result.stdout


def test_new_writes_a_valid_commented_starter(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    assert runner.invoke(cli, ["new", "my_list"]).exit_code == 0
    text = (tmp_path / "my_list.yaml").read_text()
    assert text.startswith("# yaml-language-server: $schema=") and "percent sign required" in text
    assert simulate(load_scenario(tmp_path / "my_list.yaml")).totals["duty_usd"] > 0
    jsonschema.validate(editor_view(tmp_path / "my_list.yaml"), scenario_schema())
    again = runner.invoke(cli, ["new", "my_list"])
    assert again.exit_code == 1 and "already exists" in again.stderr
    result = runner.invoke(cli, ["new", "child", "--extends", str(SCENARIOS / "china_125.yaml")])
    assert result.exit_code == 0
    child = load_scenario(tmp_path / "child.yaml")
    assert [x.name for x in child.layers] == ["retaliation"] and [x.name for x in child.exemptions] == ["new_exemption"]


def test_a_new_file_travels(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Written in one folder, moved to another: `extends` names the bundled scenario, not a path into
    this machine's site-packages, and the schema line points at the copy written beside the file."""
    monkeypatch.chdir(tmp_path)
    assert CliRunner().invoke(cli, ["new", "softer", "--extends", "china_125"]).exit_code == 0
    text = (tmp_path / "softer.yaml").read_text()
    assert "extends: china_125\n" in text and "site-packages" not in text and str(SCENARIOS) not in text
    first = text.splitlines()[0]
    assert first == "# yaml-language-server: $schema=scenario.schema.json"
    assert (tmp_path / "scenario.schema.json").read_text() == SCHEMA_FILE.read_text()
    moved = tmp_path / "elsewhere"
    moved.mkdir()
    (moved / "softer.yaml").write_text(text)
    assert [x.name for x in load_scenario(moved / "softer.yaml").exemptions] == ["new_exemption"]
    mine = tmp_path / "scenario.schema.json"
    mine.write_text("{}")  # someone's own file of that name is left alone
    assert CliRunner().invoke(cli, ["new", "other"]).exit_code == 0 and mine.read_text() == "{}"


def _commands(group: click.Group) -> list[tuple[str, click.Command]]:
    return sorted(group.commands.items())


def test_every_command_has_help_with_an_example_and_is_in_the_readme() -> None:
    for name, command in _commands(cli):
        assert command.help and "Example" in command.help, f"{name} needs help text with an example"
        assert f"tariffsim {name}" in README, f"README does not show `tariffsim {name}`"


def test_shell_completion_documented() -> None:
    assert "_TARIFFSIM_COMPLETE=bash_source" in README
