"""Jitted, vmapped functions of an env, made once per env and shared by every check.

On CPU, compiling dominates the cost of testing a task, so every check (contract and parity) uses
the same batch size and the same compiled functions.
"""

from __future__ import annotations

import jax

from mjxcontrol.env import Env

# One batch size for every compiled function in the checks, so each task compiles once per run.
BATCH = 256
# Model fields every checked state carries in ``state.params`` (at their compiled values), so the
# same compiled step also serves the property tests that scale them (tests/test_properties.py).
CHECKED_PARAMS = ("body_mass", "dof_damping", "geom_friction", "actuator_gear")

_COMPILED: dict[int, dict] = {}


def compiled(env: Env, *, fresh: bool = False) -> dict:
    """``{"reset", "step", "set_state", "traces"}`` for ``env``.

    ``reset``/``step``/``set_state`` are ``jit(vmap(...))`` over :data:`BATCH` envs; ``traces``
    counts how often reset and step were traced. States
    from ``reset`` carry :data:`CHECKED_PARAMS` at their compiled values in ``state.params``.
    """
    if fresh or id(env) not in _COMPILED:
        traces = {"reset": 0, "step": 0}
        has_act = env.physics.mj_model.na > 0

        model = env.physics.model
        defaults = {name: getattr(model, name) for name in CHECKED_PARAMS}

        def reset(key):
            traces["reset"] += 1
            return env.reset(key, defaults)

        def step(state, action):
            traces["step"] += 1
            return env.step(state, action)

        def set_state(state, qpos, qvel, act, task_state):
            return env.set_physics_state(state, qpos, qvel, act if has_act else None, task_state)

        fns = {
            "reset_cache": {},
            "env": env,  # keeps id(env) from being reused while cached
            "traces": traces,
            "reset": jax.jit(jax.vmap(reset)),
            "step": jax.jit(jax.vmap(step)),
            "set_state": jax.jit(jax.vmap(set_state)),
        }
        if fresh:
            return fns
        _COMPILED[id(env)] = fns
    return _COMPILED[id(env)]


def batch_keys(seed: int) -> jax.Array:
    """The :data:`BATCH` reset keys of batch number ``seed``."""
    return jax.random.split(jax.random.key(seed), BATCH)


def reset_batch(env: Env, seed: int = 0):
    """``reset`` of the :data:`BATCH` envs of :func:`batch_keys` ``(seed)``, computed once.

    Some resets are expensive (cheetah simulates 200 physics steps), so every check that only needs
    *a* batch of initial states shares these. ``check_determinism`` recomputes one on purpose.
    """
    fns = compiled(env)
    if seed not in fns["reset_cache"]:
        fns["reset_cache"][seed] = fns["reset"](batch_keys(seed))
    return fns["reset_cache"][seed]
