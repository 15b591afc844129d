"""JAX's persistent compilation cache, on by default in the ``mjxcontrol`` command and trainer,
and concurrent compilation of a run's independent programs.

A second ``mjxcontrol bench``/``train``/``eval``/``render`` of the same task (same shapes, impl
and profile) loads its compiled programs from disk instead of compiling them again.
"""

from __future__ import annotations

import concurrent.futures
import os
import time
from collections.abc import Callable, Mapping
from typing import Any

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


def concurrently(jobs: Mapping[str, Callable[[], Any]]) -> tuple[dict[str, Any], dict[str, float]]:
    """Runs each job (typically ``jax.jit(f).lower(...).compile()``) in its own thread.

    XLA compiles one program on one core and releases the GIL while it does, so a run's
    independent programs (the trainer's chunk, evaluation and initial state; the benchmark's
    batched reset and chunk) compile side by side on a multi-core CPU; tracing still takes turns.
    Returns ``(results, seconds)``: each job's result and its own (overlapping) wall time (s, to
    0.1). A job's exception is raised here.
    """

    def timed(job):
        t = time.perf_counter()
        return job(), round(time.perf_counter() - t, 1)

    with concurrent.futures.ThreadPoolExecutor(max(len(jobs), 1)) as pool:
        futures = {name: pool.submit(timed, job) for name, job in jobs.items()}
        done = {name: future.result() for name, future in futures.items()}
    return {name: r for name, (r, _) in done.items()}, {name: s for name, (_, s) in done.items()}
