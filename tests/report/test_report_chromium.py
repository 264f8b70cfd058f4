"""The static report renders with all its images in headless Chromium (skipped where Chromium is absent).

Uses the functions of scripts/render_report_chromium.py in-process; the script itself is the manual tool.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
from render_report_chromium import find_browser, image_check, ink_fraction, screenshot  # noqa: E402

BROWSER = find_browser()
needs_chromium = pytest.mark.skipif(BROWSER is None, reason="chromium not installed (apt-get install -y chromium)")


@needs_chromium
def test_report_renders_with_every_image_in_headless_chromium(built: Path, tmp_path: Path) -> None:
    assert BROWSER is not None
    images = image_check(BROWSER, built)
    assert sorted(i["src"] for i in images) == ["figures/cd_b3.png", "figures/task_toy-a.png", "figures/task_toy-b.png"]
    assert all(i["ok"] and i["width"] > 100 and i["height"] > 100 for i in images), images
    shot = screenshot(BROWSER, built, tmp_path / "shot.png", 1200, 1200)
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert ink_fraction(shot) > 0.02  # the page is not blank


@needs_chromium
def test_image_check_notices_a_missing_figure(tmp_path: Path) -> None:
    assert BROWSER is not None
    page = tmp_path / "page.html"
    page.write_text('<!DOCTYPE html><html><body><img src="figures/missing.png" alt="x"></body></html>')
    assert image_check(BROWSER, page) == [{"src": "figures/missing.png", "ok": False, "width": 0, "height": 0}]
