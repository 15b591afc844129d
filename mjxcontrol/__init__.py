"""mjxcontrol: dm_control's Control Suite as pure, batched JAX environments on MuJoCo MJX.

Quick start::

    import jax, mjxcontrol
    env = mjxcontrol.load("cartpole", "swingup")
    state = jax.jit(jax.vmap(env.reset))(jax.random.split(jax.random.key(0), 1024))
    state = jax.jit(jax.vmap(env.step))(state, actions)   # actions: [1024, env.action_size]

Task modules are imported lazily, by ``load`` and ``list_tasks``.
"""

import contextlib as _contextlib
import sys as _sys

# mujoco.mjx prints "Failed to import warp" to stdout when warp-lang is absent; send that to stderr
# so that machine-readable output (``mjxcontrol bench --json``) stays clean.
with _contextlib.redirect_stdout(_sys.stderr):
    from mujoco import mjx as _mjx  # noqa: F401

from mjxcontrol.checkpoint import load_state, save_state  # noqa: E402
from mjxcontrol.env import Env  # noqa: E402
from mjxcontrol.physics import Physics, UnsupportedFeatureError, compile_physics
from mjxcontrol.registry import TaskInfo, get_info, list_tasks, load, register
from mjxcontrol.rollout import Trajectory, rollout
from mjxcontrol.task import Task
from mjxcontrol.types import ArraySpec, BoundedArraySpec, State
from mjxcontrol.wrappers import AutoReset

__version__ = "0.1.0"

__all__ = [
    "ArraySpec",
    "AutoReset",
    "BoundedArraySpec",
    "Env",
    "Physics",
    "State",
    "Task",
    "TaskInfo",
    "Trajectory",
    "UnsupportedFeatureError",
    "compile_physics",
    "get_info",
    "list_tasks",
    "load",
    "load_state",
    "register",
    "rollout",
    "save_state",
]
