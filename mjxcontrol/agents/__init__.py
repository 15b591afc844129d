"""Reference agents (SAC, PPO) for mjxcontrol envs, in pure JAX with flax networks and optax.

Train with ``mjxcontrol train DOMAIN/TASK`` (see :mod:`mjxcontrol.train` and docs/training.md);
load a trained policy with :func:`load_policy`.
"""

from __future__ import annotations

import os

import jax

from mjxcontrol.agents.configs import ALGOS, DEFAULT_ALGO, default_config
from mjxcontrol.agents.policy import load_policy, save_policy

CACHE_ENV_VAR = "MJXCONTROL_CACHE_DIR"
DEFAULT_CACHE_DIR = os.path.join("~", ".cache", "mjxcontrol", "jax")


def enable_compilation_cache(path: str | None = None) -> str:
    """Turns on JAX's persistent compilation cache; returns the directory used.

    The directory is ``path``, else ``$MJXCONTROL_CACHE_DIR``, else ``~/.cache/mjxcontrol/jax``.
    A second ``mjxcontrol train``/``eval`` of the same task then skips most compilation.
    """
    path = os.path.expanduser(path or os.environ.get(CACHE_ENV_VAR) or DEFAULT_CACHE_DIR)
    os.makedirs(path, exist_ok=True)
    jax.config.update("jax_compilation_cache_dir", path)
    # Cache everything that took noticeable time to compile (JAX's default skips < 1 s).
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.5)
    jax.config.update("jax_persistent_cache_min_entry_size_bytes", 0)
    return path


__all__ = [
    "ALGOS",
    "DEFAULT_ALGO",
    "default_config",
    "enable_compilation_cache",
    "load_policy",
    "save_policy",
]
