"""Time the explorer as a class sees it: from a slider move to the new figures on the page.

    python benchmarks/explore_latency.py [SCENARIO] [--moves N] [--slider I]

Starts `tariffsim explore` on a free port, opens it in Debian's chromium, focuses the first layer's
slider's handle and drags it N times, alternately to 30% and 50% of its track, as a teacher moves
a rate; for each move it records, inside the page, the time from the mouse move to the moment the
effective-rate figure changes. (A click on the track instead of a drag waits for the slider widget's
own 300 ms redraw timer before Shiny hears of it; dragging is what the page is built for.) Prints the median and the 90th percentile. Needs the explore extra and chromium.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.browser import DESKTOP, chromium, explorer

WATCH = """() => {
  window.__moves = [];
  const figure = () => document.querySelector('#fig-effective_rate');
  document.addEventListener('mousemove', () => { window.__pressed = performance.now(); }, true);
  new MutationObserver(() => {
    const now = figure()?.dataset.value;
    if (window.__pressed && now !== window.__last) {
      window.__moves.push(performance.now() - window.__pressed);
      window.__pressed = null;
    }
    window.__last = now;
  }).observe(document.querySelector('#figures'), {childList: true, subtree: true, attributes: true});
  window.__last = figure()?.dataset.value;
}"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario", nargs="?", default="exempt_chips")
    parser.add_argument("--moves", type=int, default=30)
    parser.add_argument(
        "--slider",
        type=int,
        help="which slider to drag, 0 first (default: the first layer's; a path's first slider is its date). "
        "Pick one whose move changes the effective rate as shown, to one decimal",
    )
    args = parser.parse_args()
    with (
        tempfile.TemporaryDirectory() as folder,
        chromium() as browser,
        explorer(args.scenario, cwd=Path(folder)) as address,
    ):
        page = browser.new_page(viewport=DESKTOP)
        page.goto(address)
        page.wait_for_selector("#chart-bars", timeout=60_000)
        page.evaluate(WATCH)
        which = args.slider if args.slider is not None else (0 if "paths/" not in args.scenario else 1)
        track = page.locator(".irs-line").nth(which).bounding_box()
        assert track is not None
        for i in range(args.moves):
            handle = page.locator(".irs-handle").nth(which).bounding_box()
            assert handle is not None
            y = handle["y"] + handle["height"] / 2
            page.mouse.move(handle["x"] + handle["width"] / 2, y)
            page.mouse.down()
            page.evaluate("window.__pressed = null")  # time the move, not the press
            page.mouse.move(track["x"] + track["width"] * (0.3 if i % 2 else 0.5), y)
            page.wait_for_function("n => window.__moves.length >= n", arg=i + 1, timeout=10_000)
            page.mouse.up()
            page.wait_for_timeout(300)
        moves = page.evaluate("window.__moves")
    moves.sort()
    p90 = moves[int(0.9 * (len(moves) - 1))]
    print(f"{args.scenario}: slider drag -> figures shown, {len(moves)} moves")
    print(f"  median {statistics.median(moves):.0f} ms, 90th percentile {p90:.0f} ms, max {moves[-1]:.0f} ms")


if __name__ == "__main__":
    main()
