"""``mujoco.mjx``, imported so that neither MJX nor warp writes to stdout.

MJX prints a "Failed to import warp" notice to stdout when warp-lang is absent, and warp prints
its initialisation banner to stdout on first use; machine-readable output such as
``mjxcontrol info --json`` or ``bench --json`` must stay clean, so every module of ours imports
MJX from here. The notice goes to stderr, and warp's log level skips its banner.
"""

import contextlib
import importlib.util
import sys

with contextlib.redirect_stdout(sys.stderr):
    from mujoco import mjx

if importlib.util.find_spec("warp") is not None:
    import warp

    warp.config.log_level = max(warp.config.log_level, warp.LOG_WARNING)

__all__ = ["mjx"]
