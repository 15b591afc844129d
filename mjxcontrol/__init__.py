"""mjxcontrol: dm_control's Control Suite as pure, batched JAX environments on MuJoCo MJX.

Quick start::

    import jax, mjxcontrol
    env = mjxcontrol.load("cartpole", "swingup")
    state = jax.jit(jax.vmap(env.reset))(jax.random.split(jax.random.key(0), 1024))
    state = jax.jit(jax.vmap(env.step))(state, actions)   # actions: [1024, env.action_size]

Task modules are imported lazily, by ``load`` and ``list_tasks``.
"""

import os as _os
import platform as _platform

# Headless rendering (mjxcontrol.render): MuJoCo picks its OpenGL backend from MUJOCO_GL when
# `mujoco` is first imported (below), so the default must be set first. Without a display EGL is
# the backend that works; Mesa's software EGL also needs EGL_PLATFORM=surfaceless.
if _platform.system() == "Linux" and not (
    _os.environ.get("DISPLAY") or _os.environ.get("WAYLAND_DISPLAY")
):
    _os.environ.setdefault("MUJOCO_GL", "egl")
    _os.environ.setdefault("EGL_PLATFORM", "surfaceless")

# Public names -> the module that defines them (no module may share a public name: after
# ``import mjxcontrol.<name>`` the package attribute would be the module, not the function).
# Imported on first use (PEP 562), so that ``import mjxcontrol.tasks.models.walker`` (the
# suite's models: MuJoCo only) loads no JAX, and ``import mjxcontrol`` stays cheap.
_EXPORTS = {
    "load_state": "mjxcontrol.checkpoint",
    "save_state": "mjxcontrol.checkpoint",
    "Env": "mjxcontrol.env",
    "Physics": "mjxcontrol.physics",
    "UnsupportedFeatureError": "mjxcontrol.physics",
    "compile_physics": "mjxcontrol.physics",
    "TaskInfo": "mjxcontrol.registry",
    "get_info": "mjxcontrol.registry",
    "list_tasks": "mjxcontrol.registry",
    "load": "mjxcontrol.registry",
    "register": "mjxcontrol.registry",
    "Trajectory": "mjxcontrol.rollouts",
    "rollout": "mjxcontrol.rollouts",
    "Task": "mjxcontrol.task",
    "ArraySpec": "mjxcontrol.types",
    "BoundedArraySpec": "mjxcontrol.types",
    "State": "mjxcontrol.types",
    "AutoReset": "mjxcontrol.wrappers",
}


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module 'mjxcontrol' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(_EXPORTS[name]), name)
    globals()[name] = value  # later lookups skip __getattr__
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])


__version__ = "0.1.0"

__all__ = [  # noqa: F822 (defined lazily by __getattr__)
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
