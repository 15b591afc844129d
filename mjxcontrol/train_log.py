"""A training run's log (``log.json``, ``log.csv``) and learning curve (``curve.png``)."""

from __future__ import annotations

import csv
import json
import os
from typing import Any

LOG_JSON, LOG_CSV, CURVE = "log.json", "log.csv", "curve.png"
FIRST_COLUMNS = ("env_steps", "wall_s", "eval_return", "steps_per_s", "cpu_s")


def write_log(out: str, rows: list[dict[str, Any]], header: dict[str, Any]) -> None:
    """Writes ``log.json`` (``header`` + ``rows``) and ``log.csv`` (one row per evaluation)."""
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, LOG_JSON), "w") as f:
        json.dump({**header, "rows": rows}, f, indent=1)
    columns = list(FIRST_COLUMNS) + sorted({k for r in rows for k in r} - set(FIRST_COLUMNS))
    with open(os.path.join(out, LOG_CSV), "w", newline="") as f:
        writer = csv.DictWriter(f, columns, restval="")
        writer.writeheader()
        writer.writerows(rows)


def read_log(out: str) -> list[dict[str, Any]]:
    """The rows of ``out/log.json`` (empty when there is none)."""
    path = os.path.join(out, LOG_JSON)
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return list(json.load(f)["rows"])


def plot_curve(out: str, rows: list[dict[str, Any]], title: str) -> str:
    """``curve.png``: eval return against env steps and against wall-clock seconds.

    The wall-clock axis starts at 0, so the gap before the first point is the compile time.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import EngFormatter

    ret = [r["eval_return"] for r in rows]
    fig = Figure(figsize=(10, 4), tight_layout=True)
    FigureCanvasAgg(fig)
    by_steps, by_wall = fig.subplots(1, 2, sharey=True)
    by_steps.plot([r["env_steps"] for r in rows], ret, marker="o", markersize=3)
    by_steps.xaxis.set_major_formatter(EngFormatter())
    by_steps.set_xlabel("env steps")
    by_steps.set_ylabel("eval return (deterministic policy)")
    by_wall.plot([r["wall_s"] / 60 for r in rows], ret, marker="o", markersize=3)
    by_wall.set_xlim(left=0)
    by_wall.set_xlabel("wall-clock minutes (compilation included)")
    for ax in (by_steps, by_wall):
        ax.grid(alpha=0.3)
    fig.suptitle(title)
    path = os.path.join(out, CURVE)
    fig.savefig(path, dpi=100)
    return path
