"""Which MJX implementations really run a task: found by building and tracing, not from a table.

:func:`impl_support` builds the task's env on each implementation and traces (lowers, without
compiling) one batched ``reset`` and ``step``. MJX picks its collision functions, solver and
integrator while tracing, so a model feature an implementation lacks fails here, with MJX's own
message, exactly as it would on first use.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

from mjxcontrol import registry
from mjxcontrol.physics import IMPLS, warp_available
from mjxcontrol.task import Task

SUPPORTED = "supported"
# Envs traced per probe: a batch, as users run them (some gaps only show under vmap).
PROBE_BATCH = 2


def probe(task: str | Task, impl: str) -> str:
    """``"supported"`` if ``task`` (a ``"domain/task"`` id or a task config) builds and traces on
    ``impl``, else the reason (one line)."""
    if impl == "warp" and not warp_available():
        return "warp-lang is not installed (pip install 'mjxcontrol[warp]')"
    try:
        if isinstance(task, Task):
            env = registry.env_from_task(task, impl=impl)
        else:
            env = registry.load(task, impl=impl)
        keys = jax.random.split(jax.random.key(0), PROBE_BATCH)
        reset = jax.vmap(env.reset)
        state = jax.eval_shape(reset, keys)
        action = jnp.zeros((PROBE_BATCH, env.action_size))
        jax.jit(reset).lower(keys)
        jax.jit(jax.vmap(env.step)).lower(state, action)
    except Exception as e:  # noqa: BLE001 -- any failure means "does not run"; its text says why
        first_line = (str(e).strip().splitlines() or [""])[0]
        return f"{type(e).__name__}: {first_line}"
    return SUPPORTED


def impl_support(task_id: str) -> dict[str, str]:
    """``{impl: "supported" or the reason it is not}`` for every MJX implementation."""
    return {impl: probe(task_id, impl) for impl in IMPLS}
