"""Candles and volume to a PNG for ``ibwire bars --plot`` (matplotlib, the optional extra ``plot``)."""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from ..models.bar import Bar

__all__ = ["PlotUnavailable", "require_matplotlib", "plot_bars", "has_volume_panel"]


class PlotUnavailable(Exception):
    """matplotlib is not installed."""


def require_matplotlib() -> Any:
    """Import matplotlib with a non-interactive backend, or raise PlotUnavailable."""
    try:
        mpl = importlib.import_module("matplotlib")
    except ImportError:
        raise PlotUnavailable("--plot needs matplotlib, which is not installed") from None
    mpl.use("Agg")
    return mpl


def _as_datetime(t: datetime | date) -> datetime:
    return t if isinstance(t, datetime) else datetime(t.year, t.month, t.day, tzinfo=UTC)


def plot_bars(bars: Sequence[Bar], path: Path, title: str) -> None:
    """Draw candles (green up, red down) over a volume panel; bars are evenly spaced so nights and
    weekends leave no gaps. Bars without volume (MIDPOINT, BID, ASK, forex) get no volume panel."""
    require_matplotlib()
    plt = importlib.import_module("matplotlib.pyplot")
    with_volume = has_volume_panel(bars)
    if with_volume:
        fig, (ax, axv) = plt.subplots(2, 1, sharex=True, figsize=(12, 7),
                                      gridspec_kw={"height_ratios": [3, 1]})
    else:
        fig, ax = plt.subplots(1, 1, figsize=(12, 6))
        axv = ax  # the time axis is the candles' own
    try:
        xs = list(range(len(bars)))
        for x, b in zip(xs, bars):
            color = "#26a69a" if b.close >= b.open else "#ef5350"
            ax.vlines(x, b.low, b.high, color=color, linewidth=0.8)
            body = abs(b.close - b.open) or (b.high - b.low) * 0.01 or 1e-9
            ax.add_patch(plt.Rectangle((x - 0.35, min(b.open, b.close)), 0.7, body, color=color))
            if with_volume and b.volume is not None:
                axv.bar(x, float(b.volume), width=0.7, color=color)
        if bars:
            ax.set_xlim(-1, len(bars))
            lows = min(b.low for b in bars)
            highs = max(b.high for b in bars)
            pad = (highs - lows) * 0.05 or highs * 0.01 or 1.0
            ax.set_ylim(lows - pad, highs + pad)
            step = max(1, len(bars) // 8)
            ticks = xs[::step]
            axv.set_xticks(ticks)
            axv.set_xticklabels([_as_datetime(bars[i].time).strftime("%m-%d %H:%M") for i in ticks],
                                rotation=30, ha="right")
        ax.set_title(title)
        ax.grid(alpha=0.3)
        if with_volume:
            axv.set_ylabel("volume")
            axv.grid(alpha=0.3)
        fig.tight_layout()
        fig.savefig(str(path), dpi=110)
    finally:
        plt.close(fig)


def has_volume_panel(bars: Sequence[Bar]) -> bool:
    """Whether :func:`plot_bars` draws a volume panel for these bars."""
    return any(b.volume is not None for b in bars)
