"""Task figures that read at a glance: legend outside the curves, zoomed bars, no error bars for one seed."""

from __future__ import annotations

import pandas as pd

from llmhpo.harness.report.figures import draw_task_figure, palette, task_figure

LABELS = ["gp", "llm", "random"]


def _frames(seeds: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    curves = pd.DataFrame([{"optimizer": o, "step": s, "mean": 0.11 + 0.01 * i + 0.1 / s, "se": 0.004 if seeds > 1 else 0.0}
                           for i, o in enumerate(LABELS) for s in range(1, 11)])
    finals = pd.DataFrame([{"optimizer": o, "budget": 10, "mean_final": 0.11 + 0.01 * i,
                            "se_final": 0.003 if seeds > 1 else 0.0, "n_seeds": seeds} for i, o in enumerate(LABELS)])
    return curves, finals


def test_legend_is_outside_and_the_bars_are_zoomed_on_close_losses(tmp_path):
    curves, finals = _frames(seeds=3)
    fig = draw_task_figure("toy", curves, finals, None, palette(LABELS))
    left, right = fig.axes
    assert left.get_legend() is None and right.get_legend() is None and len(fig.legends) == 1
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    renderer = FigureCanvasAgg(fig).get_renderer()
    legend_box = fig.legends[0].get_window_extent(renderer)
    for ax in (left, right):  # below both panels, overlapping neither
        assert legend_box.y1 <= ax.get_window_extent(renderer).y0
    bottom, top = right.get_ylim()
    assert 0.09 < bottom < 0.11 and top < 0.15  # 0.11 vs 0.13 fills the axis instead of a 0-0.13 one
    bars = list(right.patches)
    heights = sorted(round(b.get_y() + b.get_height(), 6) for b in bars)
    assert heights == [0.11, 0.12, 0.13]
    assert {t.get_text() for t in right.texts} == {"0.11", "0.12", "0.13"}
    assert any(getattr(c, "errorbar", None) is not None for c in right.containers)  # three seeds: error bars
    assert len(left.collections) == 3  # and a band per optimizer
    assert task_figure("toy", curves, finals, None, palette(LABELS), tmp_path / "t.png").read_bytes()[:4] == b"\x89PNG"


def test_single_seed_draws_no_error_bars_or_bands():
    curves, finals = _frames(seeds=1)
    fig = draw_task_figure("toy", curves, finals, None, palette(LABELS))
    left, right = fig.axes
    assert all(getattr(c, "errorbar", None) is None for c in right.containers) and len(right.patches) == 3
    assert not left.collections
    assert "one seed" in right.get_title() and "s.e." not in left.get_ylabel()
