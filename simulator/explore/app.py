"""The explorer page (Shiny for Python): controls on the left, the figures and the chart on the right.

Every change reruns `simulate` on the table loaded once per scenario: the engine is the only
arithmetic. Controls are rebuilt with fresh input ids when the scenario, the date or a reset changes,
so a figure is never computed from a slider of the previous scenario.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
from shiny import App, Inputs, Outputs, Session, reactive, render, req, ui

from simulator import __version__
from simulator.bundled import is_bundled
from simulator.data.load import load_flows
from simulator.data.partners import name_of
from simulator.engine.evaluate import Result, date_for, evaluate
from simulator.engine.parallel import remember
from simulator.engine.prepare import Prepared, prepare
from simulator.errors import SimulatorError
from simulator.explore.bars import CSS as BARS_CSS
from simulator.explore.bars import bars
from simulator.explore.figures import figure_cards
from simulator.explore.saving import safe_stem, save, within
from simulator.explore.settings import Controls, Settings, apply, fixed, responding
from simulator.explore.settings import controls as controls_of  # `controls` names the page's output
from simulator.explore.timeline import CSS as PATH_CSS
from simulator.explore.timeline import Series, path_chart
from simulator.output.page import OWN_DATA_NOTE, SOURCE_NOTE
from simulator.scenario.load import load_scenario
from simulator.scenario.model import Scenario
from simulator.units import usd

NOW, PINNED = "#0072B2", "#D55E00"  # the bar chart's colours for now and pinned
CSS = """
.figures { display: grid; grid-template-columns: repeat(auto-fit, minmax(10rem, 1fr)); gap: .75rem; }
.figure { border: 1px solid #d0d7de; border-radius: .5rem; padding: .6rem .8rem; background: #fff; }
.figure .label { font-size: .85rem; color: #444; }
.figure .value { font-size: 1.9rem; font-weight: 700; font-variant-numeric: tabular-nums; }
.figure .delta { font-size: .85rem; color: #444; }
.problems { color: #9a1c1c; white-space: pre-wrap; }
.control-note { font-size: .8rem; color: #555; margin-top: -.6rem; margin-bottom: .6rem; }
.estimates { font-size: .85rem; color: #5a3b00; margin: .4rem 0; }
.page-title { font-size: 1.5rem; margin: 0 0 .5rem; }
.section-title { font-size: 1.25rem; margin-top: 1rem; }
.control-title { font-size: 1.05rem; margin-top: .8rem; }
@media (max-width: 575.98px) {  /* a phone: the controls first, then the figures they move */
  .bslib-sidebar-layout[data-collapsible-mobile="false"] { display: flex !important; flex-direction: column; }
  .bslib-sidebar-layout[data-collapsible-mobile="false"] > .sidebar { order: -1; }
}
"""

# Shiny waits for a slider to rest 250 ms before sending it; a class watching the projector wants the
# figures to follow the handle, so sliders send at most every THROTTLE_MS while they move.
THROTTLE_MS = 60
# render.download_button replaced render.download (deprecated, with a warning on every page load)
DOWNLOAD: Any = getattr(render, "download_button", None) or render.download
MAX_PREPARED = 16  # preparations kept (one per scenario and elasticity tried)
FAST_SLIDERS = (
    "(function () { var entry = window.Shiny && Shiny.inputBindings.bindingNames['shiny.sliderInput'];"
    f" if (entry) entry.binding.getRatePolicy = function () {{ return {{policy: 'throttle', delay: {THROTTLE_MS}}}; }}; }})();"
)


@dataclass(frozen=True)
class Loaded:
    """A scenario ready to explore, or the loader's messages saying why it is not."""

    scenario: Scenario | None
    flows: pd.DataFrame | None
    problems: str = ""


def load(ref: str, trade: Path | None) -> Loaded:
    """Load the scenario and its table once; errors become the loader's own text for the page."""
    try:
        scenario = load_scenario(ref, trade=trade)
        flows = load_flows(scenario.trade, direction=(scenario.importer, scenario.exporter))
    except SimulatorError as exc:
        return Loaded(None, None, str(exc))
    return Loaded(scenario, flows)


def layer_input(prefix: str, i: int, control: Any) -> ui.Tag:
    if control.table:
        return ui.input_switch(f"{prefix}layer_{i}", f"{control.name} (rates from its table)", value=True)
    return ui.input_slider(
        f"{prefix}layer_{i}",
        f"{control.name} rate",
        min=0,
        max=round(control.high * 100),
        value=round(control.value * 100, 1),
        step=0.1,
        post="%",
    )


def control_panel(prefix: str, found: Controls) -> ui.TagList:
    """One slider per layer, one switch and share slider per exemption, the elasticity."""
    parts: list[Any] = [ui.h2("Layers", class_="control-title")]
    for i, layer in enumerate(found.layers):
        parts.append(layer_input(prefix, i, layer))
        if layer.description:
            parts.append(ui.div(layer.description, class_="control-note"))
    if found.exemptions:
        parts.append(ui.h2("Exemptions", class_="control-title"))
    for i, ex in enumerate(found.exemptions):
        note = " (uncertain: shown as granted)" if ex.uncertain else ""
        parts.append(ui.input_switch(f"{prefix}ex_{i}", f"{ex.name}{note}", value=True))
        parts.append(
            ui.input_slider(
                f"{prefix}share_{i}", f"{ex.name}: share exempted", 0, 100, round(ex.share * 100, 1), step=1, post="%"
            )
        )
        parts.append(ui.div(f"waives {ex.waives}. {ex.description}".strip(), class_="control-note"))
    parts.append(ui.h2("Trade response", class_="control-title"))
    parts.append(
        ui.input_slider(
            f"{prefix}elasticity", "import elasticity (0: trade does not move)", -5, 0, found.elasticity, step=0.1
        )
    )
    if found.several:  # partners that can compete: diversion between them
        label = "substitution between partners (0: none; WITS-SMART uses 1.5)"
        parts.append(ui.input_slider(f"{prefix}substitution", label, 0, 5, found.substitution, step=0.1))
    return ui.TagList(*parts)


def date_slider(input_id: str, dates: tuple[date, ...], start: int) -> ui.Tag:
    """A slider whose stops are the change dates, labelled as dates (its value is the stop's index)."""
    slider = ui.input_slider(input_id, "Rates in force on (the path's change dates)", 0, len(dates) - 1, start, step=1)
    for child in slider.children:
        if isinstance(child, ui.Tag) and child.name == "input":
            child.attrs["data-values"] = ",".join(f"{d:%d %b %Y}" for d in dates)
    return slider


def build(choices: dict[str, str], trade: Path | None, save_dir: Path) -> App:
    """The app: `choices` maps the label shown to the scenario reference (bundled name or file)."""
    first = next(iter(choices.values()))
    offered = frozenset(choices.values())
    app_ui = ui.page_sidebar(
        ui.sidebar(
            ui.h1("tariffsim explorer", class_="page-title"),
            ui.input_select("scenario", "Scenario", {ref: label for label, ref in choices.items()}, selected=first),
            ui.output_ui("partner_panel"),
            ui.output_ui("date_panel"),
            ui.output_ui("controls"),
            ui.input_action_button("reset", "Reset to the scenario"),
            width=360,
            resizable=False,  # bslib's drag handle lacks the ARIA values axe requires
            open={"desktop": "open", "mobile": "always"},  # on a phone the controls come first, above the figures
            max_height_mobile="45vh",  # ... in a panel of their own, so the figures they move stay in sight
        ),
        ui.tags.style(CSS + BARS_CSS + PATH_CSS),
        ui.tags.script(FAST_SLIDERS),
        ui.div(  # bslib's own <main> holds this: a second one would be a duplicate landmark
            ui.output_ui("problems"),
            ui.output_ui("figures"),
            ui.div(
                ui.input_action_button("pin", "Pin for comparison"),
                ui.input_action_button("unpin", "Unpin"),
                ui.output_text("pinned_label", inline=True),
            ),
            ui.output_ui("chart"),
            ui.output_ui("path_panel"),
            ui.download_button("chart_png", "Download the chart (PNG)"),
            ui.h2("Save as scenario", class_="section-title"),
            ui.input_text("save_name", "File name (saved in " + str(save_dir) + ")", "my_experiment"),
            ui.input_checkbox("save_replace", "Replace a file of that name if there is one", value=False),
            ui.input_action_button("save", "Save as scenario"),
            ui.output_ui("saved"),
            ui.output_ui("data_note"),
        ),
        window_title="tariffsim explorer",
        lang="en",
    )

    def server(input: Inputs, output: Outputs, session: Session) -> None:
        cache: dict[str, Loaded] = {}
        prepared: dict[tuple[str, float, float, str], Prepared] = {}
        dates_gen = reactive.value(0)
        controls_gen = reactive.value(0)
        pinned: reactive.Value[tuple[str, Result] | None] = reactive.value(None)
        pinned_path: reactive.Value[Series | None] = reactive.value(None)
        pin_asked = reactive.value(False)  # a Pin click not yet honoured (see _pin)
        paths: dict[tuple[str, str], Series] = {}
        saved_text = reactive.value(ui.TagList())

        @reactive.calc
        def loaded() -> Loaded:
            ref = input.scenario()
            if ref not in offered:  # a client may send any value: load only what the page listed
                return Loaded(None, None, "That scenario is not one this page offers; pick one from the list.")
            if ref not in cache:
                cache[ref] = load(ref, trade)
            return cache[ref]

        @reactive.calc
        def partner_values() -> pd.Series:
            """Import value by partner of the scenario's direction, largest first; empty with one partner."""
            found = loaded()
            if found.scenario is None or found.flows is None or found.scenario.exporter is not None:
                return pd.Series(dtype=float)
            rows = found.flows[found.flows["importer"] == found.scenario.importer]
            values = rows.groupby("exporter", observed=True)["value_usd"].sum().sort_values(ascending=False)
            return values if len(values) > 1 else pd.Series(dtype=float)

        @render.ui
        def partner_panel() -> Any:
            values = partner_values()
            if values.empty:
                return ui.TagList()
            options = {"": f"All {len(values)} partners"} | {
                str(code): f"{name_of(str(code))} ({code}), {usd(float(v))}" for code, v in values.items()
            }
            return ui.input_select("partner", "Partner (figures and chart for one partner)", options, selected="")

        @reactive.calc
        def partner() -> str:
            values = partner_values()
            if values.empty:
                return ""
            chosen = input.partner() if "partner" in input else ""
            return chosen if chosen in values.index else ""

        @reactive.calc
        def when() -> date | None:
            found = loaded()
            if found.scenario is None or not found.scenario.change_dates:
                return None
            dates = found.scenario.change_dates
            index = input[f"d{dates_gen.get()}_when"]()
            req(isinstance(index, int) and 0 <= index < len(dates))
            return dates[index]

        @render.ui
        def date_panel() -> Any:
            found = loaded()
            input.reset()
            with reactive.isolate():
                dates_gen.set(dates_gen.get() + 1)
                gen = dates_gen.get()
            if found.scenario is None or not found.scenario.change_dates:
                return ui.TagList()
            dates = found.scenario.change_dates
            start = dates.index(date_for(found.scenario))
            return date_slider(f"d{gen}_when", dates, start)

        @render.ui
        def controls() -> Any:
            found = loaded()
            day = when()
            input.reset()
            req(found.scenario is not None)
            assert found.scenario is not None
            with reactive.isolate():
                controls_gen.set(controls_gen.get() + 1)
                gen = controls_gen.get()
            return control_panel(f"c{gen}_", controls_of(found.scenario, day))

        @reactive.calc
        def settings() -> Settings:
            found = loaded()
            req(found.scenario is not None)
            assert found.scenario is not None
            day = when()
            start = controls_of(found.scenario, day)
            prefix = f"c{controls_gen.get()}_"
            rates = {}
            # a client can send any value for any input: only what the controls could give is used
            for i, layer in enumerate(start.layers):
                value = input[f"{prefix}layer_{i}"]()
                req(
                    value is not None
                    and (layer.table or within(value, 0, max(layer.high * 100, round(layer.high * 100))))
                )
                rates[layer.name] = (1.0 if value else 0.0) if layer.table else float(value) / 100
            shares: dict[str, float | None] = {}
            for i, ex in enumerate(start.exemptions):
                on, share = input[f"{prefix}ex_{i}"](), input[f"{prefix}share_{i}"]()
                req(on is not None and within(share, 0, 100))
                shares[ex.name] = float(share) / 100 if on else None
            elasticity = input[f"{prefix}elasticity"]()
            req(within(elasticity, -5, 0))
            sigma = input[f"{prefix}substitution"]() if start.several else 0.0
            req(within(sigma, 0, 5))
            return Settings(day, rates, shares, float(elasticity), float(sigma))

        @reactive.calc
        def current() -> tuple[Scenario, Result]:
            """The settings' scenario, and its figures from a preparation made once per pair of elasticities."""
            found = loaded()
            assert found.scenario is not None and found.flows is not None
            chosen = settings()
            who = partner()
            key = (input.scenario(), round(chosen.elasticity, 6), round(chosen.substitution, 6), who)
            if key not in prepared:
                scenario = replace(found.scenario, exporter=who) if who else found.scenario
                made = prepare(responding(scenario, chosen.elasticity, chosen.substitution), found.flows).alike
                remember(prepared, key, made, MAX_PREPARED)
            ready = prepared[key]
            result = evaluate(replace(ready, scenario=fixed(ready.scenario, chosen)), chosen.when, timeline=False)
            return apply(found.scenario, chosen), result

        @reactive.calc
        def current_path() -> Series | None:
            """The scenario's own path (as written, for the partner picked): its rate at every change date."""
            found = loaded()
            if found.scenario is None or found.flows is None or not found.scenario.change_dates:
                return None
            who = partner()
            key = (input.scenario(), who)
            if key not in paths:
                scenario = replace(found.scenario, exporter=who) if who else found.scenario
                timeline = evaluate(prepare(scenario, found.flows).alike, date_for(scenario)).timeline
                paths[key] = Series(
                    scenario.name + (f" ({who})" if who else ""),
                    tuple(timeline["date"]),
                    tuple(float(r) for r in timeline["effective_rate"]),
                    NOW,
                )
            return paths[key]

        @render.ui
        def path_panel() -> Any:
            mine, held = current_path(), pinned_path.get()
            shown = [p for p in (held, mine) if p is not None]
            return path_chart(shown, when()) if mine is not None or held is not None else ui.TagList()

        @render.ui
        def problems() -> Any:
            found = loaded()
            if not found.problems:
                return ui.TagList()
            return ui.div(
                ui.h2("This scenario cannot be explored", class_="section-title"),
                ui.pre(found.problems, class_="problems"),
                role="alert",
            )

        @render.ui
        def figures() -> Any:
            _, result = current()
            held = pinned.get()
            return figure_cards(result, held[1] if held else None)

        @render.ui
        def chart() -> Any:
            _, result = current()
            held = pinned.get()
            return bars(result, held[1] if held else None)

        @DOWNLOAD(filename=lambda: f"{safe_stem(input.save_name())}.png")
        def chart_png() -> Any:
            import matplotlib

            from simulator.explore.chart import plot_categories  # matplotlib only when asked for
            from simulator.output.chart_style import STYLE

            scenario, result = current()
            held = pinned.get()
            when_text = f", rates of {result.date:%d %b %Y}" if result.date else ""
            fig = plot_categories(result, held[1] if held else None, title=f"{scenario.name}{when_text}")
            buffer = io.BytesIO()
            with matplotlib.rc_context(STYLE):  # as the report draws: the house settings, not the user's
                fig.savefig(buffer, format="png", dpi=150)
            yield buffer.getvalue()

        @reactive.effect
        @reactive.event(input.pin)
        def _ask_pin() -> None:
            pin_asked.set(True)

        @reactive.effect
        def _pin() -> None:
            """Pins what the page shows. Just after a scenario switch its sliders have not all reached the
            server, and current() waits for them (req): the pin waits too, instead of being dropped."""
            if not pin_asked.get():
                return
            scenario, result = current()
            with reactive.isolate():
                pin_asked.set(False)
            pinned.set((scenario.name + (f" on {result.date:%d %b %Y}" if result.date else ""), result))
            mine = current_path()
            pinned_path.set(replace(mine, label=f"pinned: {mine.label}", colour=PINNED, dashed=True) if mine else None)

        @reactive.effect
        @reactive.event(input.unpin)
        def _unpin() -> None:  # switching scenario keeps the pin: that is how two scenarios are compared
            pinned.set(None)
            pinned_path.set(None)

        @render.text
        def pinned_label() -> str:
            held = pinned.get()
            return f"Pinned: {held[0]}" if held else "Nothing pinned"

        @reactive.effect
        @reactive.event(input.save)
        def _save() -> None:
            found = loaded()
            if found.scenario is None:
                return
            scenario, result = current()
            target = save_dir / f"{safe_stem(input.save_name())}.yaml"
            saved_text.set(save(found.scenario, scenario, target, result.date, replace_file=input.save_replace()))

        @render.ui
        def data_note() -> Any:
            found = loaded()
            table = trade or (found.scenario.trade if found.scenario else None)
            bundled = table is None or is_bundled(table)
            return ui.tags.details(
                ui.tags.summary(f"Where the data comes from (tariffsim {__version__})"),
                ui.p(SOURCE_NOTE if bundled else f"Trade table: {table}. {OWN_DATA_NOTE}"),
            )

        @render.ui
        def saved() -> Any:
            return saved_text.get()

    return App(app_ui, server)
