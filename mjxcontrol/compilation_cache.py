"""JAX's persistent compilation cache, on by default in the ``mjxcontrol`` command and trainer.

A second ``mjxcontrol bench``/``train``/``eval``/``render`` of the same task (same shapes, impl
and profile) loads its compiled programs from disk instead of compiling them again.
"""

from __future__ import annotations

import os

import jax

CACHE_ENV_VAR = "MJXCONTROL_CACHE_DIR"
DEFAULT_CACHE_DIR = os.path.join("~", ".cache", "mjxcontrol", "jax")


def enable_compilation_cache(path: str | None = None) -> str:
    """Turns on JAX's persistent compilation cache; returns the directory used.

    The directory is ``path``, else ``$MJXCONTROL_CACHE_DIR``, else ``~/.cache/mjxcontrol/jax``.
    """
    path = os.path.expanduser(path or os.environ.get(CACHE_ENV_VAR) or DEFAULT_CACHE_DIR)
    os.makedirs(path, exist_ok=True)
    jax.config.update("jax_compilation_cache_dir", path)
    # Cache everything that took noticeable time to compile (JAX's default skips < 1 s).
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.5)
    jax.config.update("jax_persistent_cache_min_entry_size_bytes", 0)
    return path
