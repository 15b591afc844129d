"""Adapters from mjxcontrol envs to the interfaces of other RL libraries.

Each adapter lives in its own module and imports its library only when that module is imported;
a missing library is an ``ImportError`` with the pip command that installs it
(``pip install 'mjxcontrol[adapters]'`` installs them all):

============================================  =========================================
``mjxcontrol.adapters.gymnasium``             ``GymnasiumVectorEnv`` (numpy, batched, autoreset),
                                              ``GymnasiumEnv`` (one env, e.g. for SB3)
``mjxcontrol.adapters.dm_env``                ``DmEnv``: a ``dm_env.Environment`` for one env
``mjxcontrol.adapters.gymnax``                ``GymnaxEnv``: gymnax's functional API (rejax etc.)
``mjxcontrol.adapters.brax``                  ``BraxEnv``: a ``brax.envs.base.Env``
============================================  =========================================

All of them take an :class:`mjxcontrol.Env` or a ``"domain/task"`` id. See docs/adapters.md for
their autoreset and truncation semantics.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Mapping
from types import ModuleType

import jax
import jax.numpy as jnp
import numpy as np

from mjxcontrol.env import Env

# pip requirement that provides each adapted library (kept in step with pyproject's extra).
REQUIREMENTS = {
    "gymnasium": "gymnasium>=1.0",
    "dm_env": "dm-env>=1.6",
    "gymnax": "gymnax==0.0.9",
    "brax": "brax==0.14.2",
    "rejax": "rejax==0.1.3",
}


def require(module: str) -> ModuleType:
    """Imports ``module`` (a key of :data:`REQUIREMENTS`), or raises ImportError with a hint."""
    try:
        return importlib.import_module(module)
    except ImportError as e:
        requirement = REQUIREMENTS.get(module, module)
        raise ImportError(
            f"this mjxcontrol adapter needs {module}: pip install '{requirement}' "
            f"(or pip install 'mjxcontrol[adapters]'); importing it failed with: {e}"
        ) from e


def as_env(env: Env | str, **overrides) -> Env:
    """``env`` itself, or ``mjxcontrol.load(env, **overrides)`` for a ``"domain/task"`` id."""
    if isinstance(env, str):
        from mjxcontrol.registry import load

        return load(env, **overrides)
    if overrides:
        raise ValueError(f"overrides {sorted(overrides)} apply only when env is a task id")
    if not isinstance(env, Env):
        raise ValueError(f"expected an mjxcontrol.Env or a 'domain/task' id, got {type(env)}")
    return env


def flat_size(env: Env) -> int:
    """Length of the flattened observation: the sizes of all observation arrays, summed."""
    return sum(int(np.prod(spec.shape)) for spec in env.observation_spec().values())


def flatten(obs: Mapping[str, jax.Array]) -> jax.Array:
    """One env's observation dict as a float32 vector ``[D]``, in dm_control's key order."""
    return jnp.concatenate([jnp.ravel(v) for v in obs.values()]).astype(jnp.float32)


def action_bounds(env: Env) -> tuple[np.ndarray, np.ndarray]:
    """float32 ``(low, high)`` of shape ``(nu,)``: the actuators' ctrlrange (±inf if unlimited)."""
    spec = env.action_spec()
    return np.asarray(spec.minimum, np.float32), np.asarray(spec.maximum, np.float32)


def float_metrics(metrics: Mapping[str, jax.Array]) -> dict[str, jax.Array]:
    """``state.metrics`` with bool flags as float32 (what brax/gymnax trainers average)."""
    return {k: jnp.asarray(v, jnp.float32) for k, v in metrics.items()}


@functools.lru_cache(maxsize=32)
def jitted_reset_step(env: Env):
    """``(jax.jit(env.reset), jax.jit(env.step))``, compiled once per env for all adapters."""
    return jax.jit(env.reset), jax.jit(env.step)


def host_obs(obs: Mapping[str, jax.Array], flat: bool):
    """One env's observation fetched to the host: a float32 vector or a dict of writable arrays."""
    host = {k: np.array(v, np.float32) for k, v in jax.device_get(dict(obs)).items()}
    return np.concatenate([v.ravel() for v in host.values()]) if flat else host


def check_action(action, shape: tuple[int, ...]) -> np.ndarray:
    """A host action as float32 of exactly ``shape``, or a ValueError naming the shape."""
    try:
        action = np.asarray(action, dtype=np.float32)
    except (TypeError, ValueError) as e:
        raise ValueError(f"action must be a float array of shape {shape}: {e}") from None
    if action.shape != shape:
        raise ValueError(f"action must have shape {shape}, got {action.shape}")
    return action
