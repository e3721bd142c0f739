"""Charts and the HTML report: titles, units, plotted numbers, self-contained output, atomic writes."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Iterable
from html.parser import HTMLParser
from itertools import pairwise
from pathlib import Path

import matplotlib.dates as mdates
import pandas as pd
import pytest
from click.testing import CliRunner

from simulator import Result, __version__, load_scenario, simulate
from simulator.bundled import SCENARIOS
from simulator.cli import cli
from simulator.units import usd

charts = pytest.importorskip("simulator.output.charts")
from simulator.output.time_axis import label_rows  # noqa: E402  (after the skip: matplotlib)


@pytest.fixture(scope="module")
def chips() -> Result:
    return simulate(load_scenario(SCENARIOS / "exempt_chips.yaml"))


@pytest.fixture
def dated(write: Callable[..., Path]) -> Result:
    path = write(
        "d.yaml",
        """
        importer: CHN
        trade: tiny.csv
        layers: [{name: a, rate: {2025-04-10: 84%, 2025-04-12: 125%, 2025-05-14: 10%}}]
        exemptions: [{name: soy, categories: [Soybeans], share: {2025-04-25: 100%}}]
    """,
    )
    return simulate(load_scenario(path))


@pytest.fixture(scope="module")
def world() -> Result:
    from datetime import date

    return simulate(load_scenario("paths/us_all_partners_diversion"), date=date(2025, 5, 1))


def texts(fig: object) -> str:
    return " ".join(t.get_text() for t in fig.findobj(lambda a: hasattr(a, "get_text")))  # type: ignore[attr-defined]


def test_effective_rate_chart(chips: Result) -> None:
    fig = charts.plot_effective_rates(chips)
    ax = fig.axes[0]
    assert "Effective tariff rate by category" in texts(fig)
    assert "%" in ax.get_xlabel()
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert {x.removesuffix(" *") for x in labels} == set(chips.by_category["category"])
    # a category whose value rests mostly on estimated lines is marked, and the subtitle says what * means
    mostly = chips.by_category.loc[chips.by_category["estimated_share"] > 0.5, "category"]
    assert {x for x in labels if x.endswith(" *")} == {f"{c} *" for c in mostly} and len(mostly)
    assert "* mostly estimated" in texts(fig) and "over other splits" in texts(fig)
    widths = {round(b.get_width(), 6) for b in ax.patches}
    semis = chips.by_category.set_index("category").loc["Semiconductors"]
    assert round(semis["effective_rate"], 6) in widths
    assert round(semis["effective_rate_without_exemptions"], 6) in widths


def test_exempted_value_chart_stacks_to_imports(chips: Result) -> None:
    fig = charts.plot_exempted_value(chips)
    ax = fig.axes[0]
    assert "USD billions" in ax.get_xlabel()
    t = chips.totals
    assert f"{usd(t['exempted_value_usd'])} of {usd(t['import_value_usd'])} exempted" in texts(fig)
    total = sum(b.get_width() for b in ax.patches)
    assert total == pytest.approx(chips.totals["import_value_usd"] / 1e9)


def test_duty_by_layer_chart_sums_to_duty(chips: Result) -> None:
    fig = charts.plot_duty_by_layer(chips)
    ax = fig.axes[0]
    assert sum(b.get_width() for b in ax.patches) == pytest.approx(chips.totals["duty_usd"] / 1e9)
    legend = [t.get_text().replace("\n", " ") for t in ax.get_legend().get_texts()]
    assert legend[0] == "base rate (MFN and earlier duties)"
    assert legend[1].startswith("retaliation: Additional ad valorem duty")  # its description, not only its id
    from matplotlib.colors import to_hex

    from simulator.output.chart_style import EXEMPT

    assert EXEMPT.lower() not in {to_hex(b.get_facecolor()).lower() for b in ax.patches}  # green means exempted


def test_timeline_chart_marks_every_change_date(dated: Result) -> None:
    fig = charts.plot_timeline(dated)
    ax = fig.axes[0]
    text = texts(fig)
    for label in ("10 Apr", "12 Apr", "25 Apr", "14 May"):
        assert label in text
    rate_line = ax.get_lines()[0]
    assert list(rate_line.get_ydata())[1:-1] == pytest.approx(list(dated.timeline["effective_rate"]))
    assert "%" in ax.get_ylabel() and "USD billions" in fig.axes[1].get_ylabel()


def test_timeline_refuses_undated(chips: Result) -> None:
    with pytest.raises(ValueError, match="dated scenario"):
        charts.plot_timeline(chips)


def test_charts_draw_on_given_axes(chips: Result) -> None:
    from matplotlib.figure import Figure

    fig = Figure()
    ax = fig.add_subplot()
    assert charts.plot_effective_rates(chips, ax=ax) is fig


def test_crowded_change_dates_go_up_a_row_instead_of_sliding_away() -> None:
    rows = label_rows([0.1, 0.11, 0.12, 0.5, 0.9], 0.05)
    assert rows == [0, 1, 2, 0, 0]
    assert label_rows([0.1 + 0.001 * i for i in range(6)], 0.05, rows=4)[4:] == [0, 1]  # full: reuse the oldest


def test_every_change_date_label_stands_over_its_own_date() -> None:
    """Each change date is named once: by a label over its date, raised but never moved sideways, or
    inside a range label ("03-25 Apr") over its crowded run; labels on one row never overlap."""
    import re

    result = simulate(load_scenario("paths/us_on_china_deescalation"))
    fig = charts.plot_timeline(result)
    ax = fig.axes[0]
    start, end = (mdates.num2date(x).replace(tzinfo=None) for x in ax.get_xlim())
    single = re.compile(r"\d\d [A-Z][a-z]{2}")
    ranged = re.compile(r"(\d\d)(?: ([A-Z][a-z]{2}))?-(\d\d) ([A-Z][a-z]{2})")
    labels = [a for a in ax.texts if single.fullmatch(a.get_text()) or ranged.fullmatch(a.get_text())]
    named = 0
    for day in result.timeline["date"]:
        day = pd.Timestamp(day)
        where = (day - pd.Timestamp(start)) / (pd.Timestamp(end) - pd.Timestamp(start))
        own = [a for a in labels if a.get_text() == f"{day:%d %b}"]
        covering = []
        for a in labels:
            m = ranged.fullmatch(a.get_text())
            if m:
                first = pd.Timestamp(f"{m.group(1)} {m.group(2) or m.group(4)} {day.year}")
                last = pd.Timestamp(f"{m.group(3)} {m.group(4)} {day.year}")
                if first <= day <= last:
                    covering.append(a)
        assert len(own) + len(covering) == 1, f"{day:%d %b}"
        if own:
            assert own[0].xy[0] == pytest.approx(where, abs=1e-6) and own[0].xyann[0] == 0
        named += 1
    assert named == len(result.timeline)
    rows: dict[float, list[float]] = {}
    for a in labels:
        assert 0 < a.xy[0] < 1  # inside the chart, not at its edge
        rows.setdefault(a.xyann[1], []).append(a.xy[0])
    for xs in rows.values():
        xs.sort()
        assert all(b - a >= 0.06 - 1e-9 for a, b in pairwise(xs)), xs


def test_cli_writes_png_and_svg(tmp_path: Path, write: Callable[..., Path]) -> None:
    path = write("d.yaml", "importer: CHN\ntrade: tiny.csv\nlayers: [{name: a, rate: {2025-04-10: 84%}}]\n")
    runner = CliRunner()
    result = runner.invoke(cli, ["run", str(path), "--charts", str(tmp_path / "c")])
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in (tmp_path / "c").iterdir())
    assert names == [
        "d_duty_by_layer.png",
        "d_effective_rate.png",
        "d_timeline.png",
    ]  # no exemption: no exempted-value chart
    assert (tmp_path / "c" / "d_timeline.png").read_bytes()[:4] == b"\x89PNG"
    result = runner.invoke(cli, ["run", str(path), "--charts", str(tmp_path / "s"), "--chart-format", "svg"])
    assert result.exit_code == 0
    assert (tmp_path / "s" / "d_timeline.svg").read_text().lstrip().startswith("<?xml")


def test_chart_write_failure_leaves_nothing(tmp_path: Path, chips: Result, monkeypatch: pytest.MonkeyPatch) -> None:
    fig = charts.plot_effective_rates(chips)

    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(fig, "savefig", boom)
    with pytest.raises(RuntimeError):
        charts.save(fig, tmp_path / "x.png")
    assert list(tmp_path.iterdir()) == []


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def test_html_report_self_contained(tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    args = ["report", str(SCENARIOS / "china_125.yaml"), str(SCENARIOS / "exempt_131.yaml"), "--out", str(out)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    html = out.read_text()
    parser = _Collector()
    parser.feed(html)
    images = [a for t, a in parser.tags if t == "img"]
    phone = [a for t, a in parser.tags if t == "source"]
    # the comparison: duty and rates (constant: no timeline); china_125 has no exemption, so no relief or
    # exempted-value chart: 2 + 2 + 4 images, each with its narrow twin for phones
    assert len(images) == 8 and len(phone) == 8
    assert all((a["src"] or "").startswith("data:image/png;base64,") for a in images)
    assert all((a["srcset"] or "").startswith("data:image/png;base64,") for a in phone)
    assert all(len(a["alt"] or "") > 40 for a in images)  # words for what the chart shows
    assert sum(1 for t, a in parser.tags if t == "table" and a.get("class") == "data categories") == 2
    assert sum(1 for t, _ in parser.tags if t == "section") == 3
    assert not [t for t, _ in parser.tags if t in ("script", "link", "iframe")]
    page, bibliography = html.split('<h2 id="sources">', 1)
    for external in ("http://", "https://", 'src="//', 'href="//', "url(", "@import"):
        assert external not in page
    # the sources cited are links a reader can follow, never anything the page loads
    assert "src=" not in bibliography and bibliography.count('<a href="http') >= 1
    exempted = simulate(load_scenario(SCENARIOS / "exempt_131.yaml")).totals["exempted_value_usd"]
    assert "Where the data comes from" in html and "Pharmaceuticals" in html and usd(exempted) in html
    assert "US Census Bureau" in html and "tariffsim " + __version__ in html


def test_the_report_counts_its_images_as_it_draws_them() -> None:
    """`report` shows progress on a terminal: one step per image, and the total known before the first."""
    from simulator.analysis.compare import compare
    from simulator.output.page import to_html

    comparison = compare([load_scenario(SCENARIOS / "china_125.yaml"), load_scenario(SCENARIOS / "exempt_131.yaml")])
    steps: list[tuple[int, int]] = []
    html = to_html(comparison.results, comparison=comparison, progress=lambda done, total: steps.append((done, total)))
    images = html.count("data:image/png;base64,")
    assert images == 16 and len(steps) == images and {total for _, total in steps} == {images}
    assert all(done == 1 for done, _ in steps)


def test_run_without_charts_does_not_import_matplotlib() -> None:
    code = (
        "import sys\nfrom click.testing import CliRunner\nfrom simulator.cli import cli\n"
        f"r = CliRunner().invoke(cli, ['run', {str(SCENARIOS / 'exempt_chips.yaml')!r}, '--format', 'json'])\n"
        "assert r.exit_code == 0, r.output\nprint('matplotlib' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_svg_text_stays_editable_text(chips: Result, tmp_path: Path) -> None:
    path = charts.save(charts.plot_effective_rates(chips), tmp_path / "rates.svg")
    svg = path.read_text()
    assert "<text" in svg and "Effective" in svg  # glyphs as paths would hide the words


def test_a_report_on_the_users_own_table_does_not_credit_the_census(tmp_path: Path, write: Callable[..., Path]) -> None:
    path = write("own.yaml", "importer: CHN\ntrade: tiny.csv\nlayers: [{name: a, rate: 10%}]\n")
    out = tmp_path / "own.html"
    result = CliRunner().invoke(cli, ["report", str(path), "--out", str(out)])
    assert result.exit_code == 0, result.output
    html = out.read_text()
    assert "The trade table is the user&#x27;s own" in html and "tiny.csv" in html
    assert "US Census Bureau" not in html


def test_the_pages_one_pass_drawing_gives_savefigs_pixels(chips: Result, dated: Result, world: Result) -> None:
    """The report draws each image once (Figure.draw lays it out as it starts) where savefig draws it
    twice; every kind of chart, slide-sized and phone-sized, must come out pixel for pixel the same."""
    import io

    import matplotlib
    import numpy as np
    from PIL import Image

    from simulator.analysis.compare import compare
    from simulator.output.chart_style import STYLE, pixels
    from simulator.output.images import DPI
    from simulator.output.page import _phone

    dated_pair = compare([dated.scenario, dated.scenario])
    cases = [(charts.CHARTS[n], r) for r in (chips, dated, world) for n in charts.chart_names(r)]
    compared = (charts.plot_compare_duty, charts.plot_compare_rates, charts.plot_compare_timeline)
    cases += [(f, dated_pair) for f in compared]
    assert {f.__name__ for f, _ in cases} >= {f.__name__ for f in charts.CHARTS.values()}
    for draw, subject in cases:
        for phone in (False, True):
            figures = [_phone(draw, subject, 12) if phone else draw(subject) for _ in range(2)]
            buffer = io.BytesIO()
            with matplotlib.rc_context(STYLE):  # as `save` writes a chart file
                figures[0].savefig(buffer, format="png", dpi=DPI)
            saved = np.asarray(Image.open(buffer))
            drawn = np.asarray(pixels(figures[1], DPI))
            assert drawn.shape == saved.shape and (drawn == saved).all(), (draw.__name__, phone)


def test_the_report_draws_the_same_page_in_two_processes_as_in_one(monkeypatch: pytest.MonkeyPatch) -> None:
    """Where a forked copy draws every second image, the page is byte for byte the one a single process
    draws; a copy that fails part-way costs time, never an image (this process draws what it missed)."""
    import os
    import re
    import threading

    import simulator.output.chart_style as chart_style
    import simulator.output.images as images
    from simulator.analysis.compare import compare
    from simulator.output.page import to_html

    comparison = compare([load_scenario(SCENARIOS / "china_125.yaml"), load_scenario(SCENARIOS / "exempt_131.yaml")])
    parent = os.getpid()
    drawn_here: list[int] = []
    pixels = chart_style.pixels

    def counted(fig: object, dpi: float) -> object:
        if os.getpid() == parent:
            drawn_here.append(1)
        return pixels(fig, dpi)  # type: ignore[arg-type]

    monkeypatch.setattr(chart_style, "pixels", counted)

    def page(fork: bool) -> str:
        steps: list[int] = []
        drawn_here.clear()
        monkeypatch.setattr(images, "forkable", lambda n: fork and n >= images.FORK_FROM)
        html = to_html(comparison.results, comparison=comparison, progress=lambda done, _total: steps.append(done))
        assert len(steps) == html.count("data:image/png;base64,") == 16  # every image ticked once, in either process
        return re.sub(r"Made by tariffsim \S+ on [0-9-]+", "", html)

    alone = page(fork=False)
    assert len(drawn_here) == 16
    assert page(fork=True) == alone
    assert len(drawn_here) < 16  # the copy drew some, and every one of them arrived
    each = images.Images._each

    def failing_in_the_copy(self: images.Images, numbers: Iterable[int], tick: object) -> object:
        if os.getpid() != parent:
            next(iter(numbers))  # the copy takes an image, then dies before drawing it
            os._exit(3)
        return each(self, numbers, tick)  # type: ignore[arg-type]

    monkeypatch.setattr(images.Images, "_each", failing_in_the_copy)
    assert page(fork=True) == alone
    assert len(drawn_here) == 16

    def hanging_in_the_copy(self: images.Images, numbers: Iterable[int], tick: object) -> object:
        if os.getpid() != parent:
            next(iter(numbers))
            threading.Event().wait()  # a lock never released: the copy waits forever
        return each(self, numbers, tick)  # type: ignore[arg-type]

    monkeypatch.setattr(images.Images, "_each", hanging_in_the_copy)
    monkeypatch.setattr(images, "PATIENCE", 0.2)
    assert page(fork=True) == alone  # the copy was stopped, and its image drawn here
    assert len(drawn_here) == 16
    monkeypatch.setattr(images.Images, "_each", each)

    def no_process_to_spare() -> int:
        raise BlockingIOError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(os, "fork", no_process_to_spare)
    assert page(fork=True) == alone  # no copy: every image drawn here
    assert len(drawn_here) == 16
    monkeypatch.undo()
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:  # a notebook's kernel, the explorer's server: another thread running, so no fork
        assert not images.forkable(16)
    finally:
        stop.set()
        other.join()


def test_phone_charts_keep_their_labels_inside_and_apart(chips: Result, world: Result) -> None:
    """On a 390 px screen every value label stays inside the image and no two tick labels of an axis
    overlap (the comparison's duty chart cut its label and ran six 11-point money ticks together; a
    two-year path ran its nine month ticks together)."""
    from simulator.analysis.compare import compare
    from simulator.output.chart_style import pixels
    from simulator.output.images import DPI
    from simulator.output.page import _phone

    pair = compare([load_scenario(SCENARIOS / "exempt_chips.yaml"), load_scenario(SCENARIOS / "china_125.yaml")])
    cases = [(charts.CHARTS[n], r) for r in (chips, world) for n in charts.chart_names(r)]
    cases += [(charts.plot_compare_duty, pair), (charts.plot_compare_rates, pair)]
    for draw, subject in cases:
        fig = _phone(draw, subject, 12)
        pixels(fig, DPI)  # laid out and drawn as the page draws it
        renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
        width = fig.bbox.width
        for ax in fig.axes:
            for text in ax.texts:
                box = text.get_window_extent(renderer)
                assert box.x0 >= 0 and box.x1 <= width + 0.5, (draw.__name__, text.get_text())
            ticks = sorted(
                (t.get_window_extent(renderer) for t in ax.get_xticklabels() if t.get_text() and t.get_visible()),
                key=lambda b: b.x0,
            )
            assert all(a.x1 <= b.x0 for a, b in pairwise(ticks)), draw.__name__
