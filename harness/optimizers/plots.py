"""The history plot sent to multimodal optimizers, rendered deterministically, one figure per plots revision.

The same history must give the same PNG bytes (so recordings replay) and the same cache key even
after a matplotlib upgrade changes pixels: the ImagePart fingerprint hashes the *plotted data*
and the plots revision, not the bytes. Changing the figure's content or layout = a new revision in
PLOT_REVISIONS beside the old ones (harness/revisions.py); a campaign draws its recorded revision.
Revision 3's reading aids (robust y-axis, ties, labels) live in plot_rules.py.
"""

from __future__ import annotations

import io
import math
import threading
from collections.abc import Callable, Sequence
from typing import Any

from llmhpo.cache.key import fingerprint
from llmhpo.gateway.types import ImagePart
from llmhpo.harness.optimizers.history import Observation, best_so_far
from llmhpo.harness.optimizers.plot_rules import figure_r3, iteration_axis, iteration_colorbar
from llmhpo.harness.revisions import CURRENT
from llmhpo.harness.space import SearchSpace

PLOT_VERSION = CURRENT["plots"]  # the newest revision (the default of render and plot_fingerprint)
DPI = 72
PANEL_INCHES = (3.6, 2.7)
MAX_COLUMNS = 3


def plot_fingerprint(history: Sequence[Observation], space: SearchSpace, revision: str | None = None, *,
                     annotate: bool = False) -> str:
    """Hash of what the figure shows (configs, losses, crash marks, axes, from revision 3 whether the
    best losses are labelled) + the plot revision."""
    revision = revision or PLOT_VERSION
    body: dict[str, Any] = {
        "plot_version": revision,
        "space": space.to_dict(),
        "points": [[space.canonical(o.config), o.loss, o.crashed] for o in history],
    }
    if revision not in UNANNOTATED:
        body["annotate"] = bool(annotate)
    return fingerprint(body, namespace="plot")


def render(history: Sequence[Observation], space: SearchSpace, revision: str | None = None, *,
           annotate: bool = False) -> ImagePart:
    """The plot of `history` under `revision` (default: the newest) as a lazy PNG ImagePart keyed by
    the plotted data (plot_fingerprint); `annotate`: label the best losses with their values (mmllm;
    never image-only, whose numbers are the plot's).

    Drawn only when its bytes are read, i.e. when the request is really sent (a live call or a cache
    miss): a replay or a cache hit is keyed by the fingerprint alone and draws nothing.
    """
    revision = revision or PLOT_VERSION
    frozen = list(history)  # the optimizer's history grows after this ask; the plot shows it as it is now
    return ImagePart(mime="image/png", fingerprint=plot_fingerprint(frozen, space, revision, annotate=annotate),
                     produce=lambda: png(frozen, space, revision, annotate=annotate))


_renders = 0
_renders_lock = threading.Lock()


def png(history: Sequence[Observation], space: SearchSpace, revision: str | None = None, *,
        annotate: bool = False) -> bytes:
    """The PNG bytes of the figure of `revision` (deterministic: no timestamp, fixed DPI)."""
    global _renders
    with _renders_lock:
        _renders += 1
    buf = io.BytesIO()
    PLOT_REVISIONS[revision or PLOT_VERSION](history, space, annotate=annotate).savefig(
        buf, format="png", dpi=DPI, metadata={"Software": None})
    return buf.getvalue()


def render_count() -> int:
    """How many figures this process has drawn (a replay must draw none: tests and benches count)."""
    return _renders


def figure(history: Sequence[Observation], space: SearchSpace, *, annotate: bool = False) -> Any:
    """Revision 2: loss per iteration (with best so far) and loss against each hyperparameter
    (`annotate` did not exist yet: ignored).

    Readable on its own: iterations are integer ticks, point colour is the iteration (a colour bar
    says so), and the incumbent (best loss so far) is a red star in every panel.
    """
    from matplotlib.colors import Normalize
    from matplotlib.figure import Figure  # no pyplot: no global backend state, thread-safe

    n_panels = 1 + len(space.params)
    cols = min(MAX_COLUMNS, n_panels)
    rows = math.ceil(n_panels / cols)
    fig = Figure(figsize=(PANEL_INCHES[0] * cols + 0.6, PANEL_INCHES[1] * rows), dpi=DPI)
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    losses = [o.loss for o in history]
    its = list(range(1, len(history) + 1))
    log_y = bool(losses) and min(losses) > 0 and max(losses) / min(losses) > 100
    norm = Normalize(vmin=1, vmax=max(len(history), 2))
    best = min(range(len(losses)), key=losses.__getitem__) if losses else None
    mappable = None

    ax = axes[0]
    if history:
        mappable = ax.scatter(its, losses, s=18, c=its, cmap="viridis", norm=norm, label="validation loss")
        ax.plot(its, best_so_far(losses), "-", color="tab:orange", drawstyle="steps-post", label="best so far")
        ax.plot([best + 1], [losses[best]], "*", color="red", markersize=11, label="incumbent")
    crashed = [(i, o.loss) for i, o in zip(its, history, strict=True) if o.crashed]
    if crashed:
        ax.plot(*zip(*crashed, strict=True), "x", color="tab:red", label="crashed")
    iteration_axis(ax, len(history))
    ax.set_ylabel("validation loss")
    ax.set_title("loss per iteration")
    if history:
        ax.legend(fontsize=7, loc="upper right")
    if log_y:
        ax.set_yscale("log")

    for ax, p in zip(axes[1:], space.params, strict=False):
        xs = p.plot_axis(ax, [o.config[p.name] for o in history])
        if history:
            ax.scatter(xs, losses, s=18, c=its, cmap="viridis", norm=norm)
            ax.plot([xs[best]], [losses[best]], "*", color="red", markersize=11)
        ax.set_xlabel(p.name)
        ax.set_ylabel("validation loss")
        if log_y:
            ax.set_yscale("log")
    for ax in axes[n_panels:]:
        ax.set_visible(False)
    right = 1 - 0.75 / fig.get_figwidth()
    fig.subplots_adjust(left=0.08, right=right - 0.02, bottom=0.28 / rows, top=1 - 0.1 / rows, wspace=0.35, hspace=0.6)
    iteration_colorbar(fig, mappable, right)
    return fig


# revision -> figure function(history, space, *, annotate); every revision a recorded campaign may name
# stays here (harness/revisions.py)
PLOT_REVISIONS: dict[str, Callable[..., Any]] = {"2": figure, "3": figure_r3}
UNANNOTATED = frozenset({"2"})  # revisions whose fingerprint predates `annotate` (kept as they were)

