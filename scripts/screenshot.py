"""Take the README screenshots of a running Peerway with headless Chromium.

    .venv/bin/python scripts/screenshot.py --base-url http://127.0.0.1:8000

writes docs/screenshots/home.png (the whole page, 1280 px wide) and docs/screenshots/home-mobile-es.png (the
first screen of a 360 px phone, in Spanish). ``--shot PATH WIDTH NAME`` replaces them with other shots, e.g.
``--shot /accounts/login/ 360 login-mobile``; ``--viewport-only`` keeps those to the first screen.
It uses Debian's Chromium (or $CHROMIUM) because Playwright's own browser download is not available everywhere.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from playwright.sync_api import sync_playwright

# (path, viewport width, file name, whole page?)
DEFAULT_SHOTS = [("/", 1280, "home", True), ("/es/", 360, "home-mobile-es", False)]
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-sync", "--no-first-run"]


def take(base_url: str, out_dir: Path, shots: list[tuple[str, int, str, bool]]) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=os.environ.get("CHROMIUM", "/usr/bin/chromium"), args=CHROMIUM_ARGS
        )
        try:
            for path, width, name, full_page in shots:
                page = browser.new_page(viewport={"width": width, "height": 900 if width > 600 else 780})
                page.goto(base_url.rstrip("/") + path, wait_until="networkidle")
                target = out_dir / f"{name}.png"
                page.screenshot(path=str(target), full_page=full_page)
                page.close()
                written.append(target)
        finally:
            browser.close()
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--base-url", default="http://127.0.0.1:8000")
    parser.add_argument("--out", type=Path, default=Path("docs/screenshots"))
    parser.add_argument("--shot", nargs=3, action="append", metavar=("PATH", "WIDTH", "NAME"), default=[])
    parser.add_argument("--viewport-only", action="store_true", help="capture the first screen, not the whole page")
    args = parser.parse_args()
    shots = [(path, int(width), name, not args.viewport_only) for path, width, name in args.shot] or DEFAULT_SHOTS
    for target in take(args.base_url, args.out, shots):
        print(target)


if __name__ == "__main__":
    main()
