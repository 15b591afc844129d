"""``mujoco.mjx``, imported with its "Failed to import warp" notice sent to stderr.

MJX prints that notice to stdout when warp-lang is absent; machine-readable output such as
``mjxcontrol bench --json`` must stay clean, so every module of ours imports MJX from here.
"""

import contextlib
import sys

with contextlib.redirect_stdout(sys.stderr):
    from mujoco import mjx

__all__ = ["mjx"]
