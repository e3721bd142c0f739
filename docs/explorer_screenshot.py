"""Remake docs/explorer.png, the README's picture of `tariffsim explore`.

    python docs/explorer_screenshot.py

exempt_chips is pinned at its 125%, then the retaliation rate is dragged down to about 10%.
Needs the explore extra and Debian's chromium.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.browser import chromium, explorer

OUT = Path(__file__).with_name("explorer.png")


def main() -> None:
    with tempfile.TemporaryDirectory() as folder, chromium() as browser, explorer(cwd=Path(folder)) as address:
        page = browser.new_page(viewport={"width": 1280, "height": 860})
        page.goto(address)
        page.wait_for_selector("#chart-bars", timeout=60_000)
        page.get_by_role("button", name="Pin for comparison").click()
        page.wait_for_selector("text=Pinned:")
        track = page.locator(".irs-line").first.bounding_box()
        handle = page.locator(".irs-handle").first.bounding_box()
        assert track and handle
        y = handle["y"] + handle["height"] / 2
        page.mouse.move(handle["x"] + handle["width"] / 2, y)
        page.mouse.down()
        page.mouse.move(track["x"] + track["width"] * 0.05, y, steps=10)
        page.mouse.up()
        page.wait_for_timeout(800)
        page.screenshot(path=str(OUT))
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
