#!/usr/bin/env python3
"""Render a report.html in headless Chromium: take a screenshot and check every <img> really loaded.

Usage:
  python scripts/render_report_chromium.py REPORT_HTML [--screenshot OUT.png] [--height 2000]
  python scripts/render_report_chromium.py --synthetic DIR   # build the test suite's synthetic report first

The image check loads a copy of the page (next to it, so relative links resolve) with a small script
appended that writes each image's load state into the DOM, which `--dump-dom` prints; the report
itself stays script-free. Exit 0 when every image loaded, 1 when one did not, 3 without Chromium.
Needs Debian's `chromium` (apt-get install -y chromium).
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
CHECK = """<script>
window.addEventListener("load", function () {
  var rows = Array.prototype.map.call(document.images, function (img) {
    return {src: img.getAttribute("src"), ok: img.complete && img.naturalWidth > 0,
            width: img.naturalWidth, height: img.naturalHeight};
  });
  var pre = document.createElement("pre");
  pre.id = "llmhpo-image-check";
  pre.textContent = JSON.stringify(rows);
  document.body.appendChild(pre);
});
</script>"""


def find_browser() -> str | None:
    return next((path for name in BROWSERS if (path := shutil.which(name))), None)


def chromium(browser: str, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run headless Chromium with a throwaway profile and no network side traffic."""
    with tempfile.TemporaryDirectory(prefix="llmhpo-chromium-") as profile:
        command = [
            browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={profile}", *args,
        ]
        return subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)


def screenshot(browser: str, html: Path, out: Path, width: int, height: int) -> Path:
    result = chromium(browser, f"--screenshot={out}", f"--window-size={width},{height}", html.resolve().as_uri())
    if not out.is_file():
        raise RuntimeError(f"chromium wrote no screenshot (exit {result.returncode}): {result.stderr[-2000:]}")
    return out


def image_check(browser: str, html: Path) -> list[dict[str, object]]:
    """Load state of every <img> in the page, as seen by Chromium after the load event."""
    probe = html.with_name(f".{html.stem}.imgcheck.html")
    text = html.read_text(encoding="utf-8")
    probe.write_text(text.replace("</body>", CHECK + "</body>") if "</body>" in text else text + CHECK, encoding="utf-8")
    try:
        result = chromium(browser, "--virtual-time-budget=10000", "--dump-dom", probe.resolve().as_uri())
    finally:
        probe.unlink(missing_ok=True)
    match = re.search(r'<pre id="llmhpo-image-check">(.*?)</pre>', result.stdout, re.S)
    if not match:
        raise RuntimeError(f"no image report in the dumped DOM (exit {result.returncode}): {result.stderr[-2000:]}")
    return json.loads(match.group(1).replace("&quot;", '"').replace("&amp;", "&"))


def ink_fraction(png: Path) -> float:
    """Share of screenshot pixels that are not near-white (0 = blank page)."""
    import matplotlib.image as mpimg

    pixels = mpimg.imread(png)[..., :3]
    return float((pixels.mean(axis=2) < 0.9).mean())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("html", nargs="?", type=Path, help="report.html to render")
    parser.add_argument("--synthetic", type=Path, metavar="DIR", help="build the synthetic test report in DIR first")
    parser.add_argument("--screenshot", type=Path, help="PNG to write (default: next to the report)")
    parser.add_argument("--width", type=int, default=1200)
    parser.add_argument("--height", type=int, default=2000)
    args = parser.parse_args(argv)
    browser = find_browser()
    if browser is None:
        print("chromium not found (apt-get install -y chromium)", file=sys.stderr)
        return 3
    html = args.html
    if args.synthetic is not None:
        sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "report")]
        import report_synthetic

        from llmhpo.harness.report import build_report

        html = build_report(report_synthetic.write_results(args.synthetic))
    if html is None or not html.is_file():
        parser.error("give a report.html or --synthetic DIR")
    shot = screenshot(browser, html, args.screenshot or html.with_name("screenshot.png"), args.width, args.height)
    images = image_check(browser, html)
    loaded = [i for i in images if i["ok"]]
    print(f"report: {html}")
    print(f"screenshot: {shot} ({args.width}x{args.height}, {100 * ink_fraction(shot):.1f}% non-white pixels)")
    for image in images:
        print(f"  {'ok ' if image['ok'] else 'BAD'} {image['src']} ({image['width']}x{image['height']})")
    print(f"images loaded: {len(loaded)}/{len(images)}")
    return 0 if images and len(loaded) == len(images) else 1


if __name__ == "__main__":
    sys.exit(main())
