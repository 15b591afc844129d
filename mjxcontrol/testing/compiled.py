"""Jitted, vmapped functions of an env, made once and shared by every check.

On CPU, compiling dominates the cost of testing a task. So every check (contract, parity,
properties) uses one batch size and the same compiled functions, and the expensive part, the
physics, is compiled once per *model* rather than once per task: an env's ``reset`` and ``step``
are run as their documented pieces (``Env.reset_start`` -> ``Env.reset_physics`` ->
``Env.reset_finish``; ``Env.advance`` -> ``Env.finish_step``), and the physics pieces are jitted
per :class:`~mjxcontrol.physics.Physics` object, which the registry shares between tasks whose
compiled models are identical (walker stand/walk/run, humanoid's four tasks...). The task pieces
(observation, reward, flags) compile in a moment. ``env.reset``/``env.step`` are exactly these
compositions, fused into one program.
"""

from __future__ import annotations

import copy
import hashlib
from typing import Any

import jax
import jax.numpy as jnp
import mujoco
import numpy as np

from mjxcontrol.compilation_cache import compiler_options
from mjxcontrol.env import Env, episode_overrides
from mjxcontrol.input_checks import check_action
from mjxcontrol.physics import Physics

# One batch size for every compiled function in the checks, so each task compiles once per run.
BATCH = 256
# Domains checked at a smaller batch: their physics costs so much per env on CPU that BATCH envs
# would not fit the test line's time. Measured on 2 cores (level 3, exact caps 8 (8)): one
# physics substep of manipulator/bring_ball takes 49 ms for 64 envs (10 substeps per control
# step; 527 constraint rows, elliptic cones), against ~1 ms for cheetah.
DOMAIN_BATCH = {"manipulator": 64, "stacker": 64}
# XLA options of every function compiled here. The test suite lowers XLA:CPU's default
# optimisation level to 0 (tests/conftest.py: the small programs of most tests compile faster),
# but some physics programs then run pathologically slowly. Measured at batch 256 on 2 cores
# (compile s / step s): hopper/stand level 0 25 / 57-81, level 1 32.5 / 0.21, level 3 34.7 /
# 0.27; finger/spin level 1 42.8 / 0.18, level 3 42.2 / 0.08; ball_in_cup/catch level 1 21.3 /
# 0.11, level 3 24.1 / 0.13 (manipulator's level-0 step ran past 900 s). The checks step each
# task ~20 times, so their programs are compiled at level 1 whatever the process default.
# ``_jit`` adds ``compilation_cache.CPU_OPTIONS`` (XLA's own loops for the tiny batched dots
# instead of YNNPACK calls). Measured on 2 cores, new cache each: tests/parity/test_*.py for
# cheetah and walker 34.4 -> 31.3 s, for quadruped and hopper 205.7 -> 181.4 s.
COMPILER_OPTIONS: dict[str, Any] = {"xla_backend_optimization_level": 1}
# Domains whose physics programs are compiled at XLA level 3. At level 1 their elliptic-cone
# solver once ran pathologically slowly (before mjx_patches replaced MJX's dense cone Hessian);
# now level 3 is only a little better: manipulator/bring_ball at 64 envs with the test suite's
# XLA options, compile 13.0 s vs 14.2 s, three control steps 3.7 s vs 4.2 s.
DOMAIN_XLA_LEVEL = {"manipulator": 3, "stacker": 3}
# Model fields every checked state carries in ``state.params`` (at their compiled values), so the
# same compiled step also serves the property tests that scale them (tests/test_properties.py).
CHECKED_PARAMS = ("body_mass", "dof_damping", "geom_friction", "actuator_gear")

# Model fields that every physics kernel here takes as inputs rather than as compiled-in
# constants. Models that differ only in these (quadruped walk's and run's floors differ only in
# the plane's size) then run one compiled program with their own values. ``stat.extent`` is ignored
# when comparing models: MJX carries it but never reads it (its own docstring: "not used"), and it
# is derived from the geom sizes. tests/test_compiled.py proves the sharing by tracing.
KERNEL_INPUTS = ("geom_size",)

_COMPILED: dict[int, dict] = {}
_PHYSICS: dict[int, dict] = {}
_KERNELS: dict[tuple, dict] = {}  # dynamics_key -> {"physics": leader, "fn": kernel}


def dynamics_key(physics: Physics) -> tuple:
    """What a physics kernel compiles from: the model but for :data:`KERNEL_INPUTS` (and its
    unused ``stat.extent``), the impl and the substeps per control step."""
    model = copy.deepcopy(physics.mj_model)
    for name in KERNEL_INPUTS:
        getattr(model, name)[:] = 0
    model.stat.extent = 0.0
    buffer = np.empty(mujoco.mj_sizeModel(model), np.uint8)
    mujoco.mj_saveModel(model, None, buffer)
    return hashlib.sha256(buffer.tobytes()).hexdigest(), physics.impl, physics.n_substeps


def kernel_inputs(physics: Physics) -> dict:
    """This physics' values of :data:`KERNEL_INPUTS`, as its shared kernel's first argument."""
    return {name: getattr(physics.model, name) for name in KERNEL_INPUTS}


def batched_kernel(physics: Physics):
    """``vmap`` of ``physics.forward_or_advance`` taking ``(inputs, overrides, data, action,
    advance, settle_steps)``: ``inputs`` (:func:`kernel_inputs`) are unbatched and overridden by
    ``overrides``."""

    def run(inputs, overrides, data, action, advance, settle_steps):
        merged = {**inputs, **overrides}
        return physics.forward_or_advance(merged, data, action, advance, settle_steps)

    return jax.vmap(run, in_axes=(None, 0, 0, 0, None, None))


def _kernel(physics: Physics, domain: str):
    """The jitted :func:`batched_kernel` shared by every physics with this :func:`dynamics_key`
    (the first one's)."""
    key = dynamics_key(physics)
    if key not in _KERNELS:
        level = DOMAIN_XLA_LEVEL.get(domain)
        fn = _jit(batched_kernel(physics), level)
        # ``physics`` keeps the leader alive, so that its closure stays valid while cached
        _KERNELS[key] = {"physics": physics, "fn": fn}
    return _KERNELS[key]["fn"]


def physics_functions(physics: Physics, domain: str = "") -> dict:
    """``{"forward", "advance", "kernel", "inputs"}``: ``jit(vmap(...))`` of the physics, shared
    by its tasks and by every physics with the same :func:`dynamics_key`.

    ``forward(overrides, data, settle_steps=0)`` (:meth:`Physics.settle_forward`) and
    ``advance(overrides, data, action)`` take the ``mjx.Model`` overrides of each env
    (``{**state.params, **state.episode_params}``). Both run one compiled program,
    :meth:`Physics.forward_or_advance`, so a model's physics compiles once, not twice.
    ``domain`` picks the XLA level (:data:`DOMAIN_XLA_LEVEL`) when the kernel is first made.
    """
    if id(physics) not in _PHYSICS:
        kernel = _kernel(physics, domain)
        inputs = kernel_inputs(physics)
        no_action = jnp.zeros(physics.mj_model.nu, jnp.float32)

        def forward(overrides, data, settle_steps=0):
            action = jnp.broadcast_to(no_action, (len(data.qpos), *no_action.shape))
            return kernel(inputs, overrides, data, action, False, settle_steps)[0]

        _PHYSICS[id(physics)] = {
            "physics": physics,  # keeps id(physics) from being reused while cached
            "kernel": kernel,  # (inputs, overrides, data, action, advance)
            "inputs": inputs,
            "forward": forward,
            "advance": lambda overrides, data, action: kernel(
                inputs, overrides, data, action, True, 0
            ),
        }
    return _PHYSICS[id(physics)]


def compiled(env: Env, *, fresh: bool = False) -> dict:
    """``{"reset", "step", "set_state", "traces", ...}`` for ``env``, over :func:`batch_size` envs.

    ``reset_start(keys)`` is the task's part of ``reset`` (before the physics' forward pass);
    ``reset(keys)``, ``step(state, action)`` and ``set_state(state, qpos, qvel, act,
    task_state)`` behave as ``jit(vmap(...))`` of ``env.reset``, ``env.step`` and
    ``env.set_physics_state``; ``finish_step(state, data, action_ok)`` is the task's part of a
    step after the physics (``physics_functions(env.physics)["advance"]``); ``traces`` counts how
    often the task's parts of reset and step were traced. States from ``reset`` carry
    :data:`CHECKED_PARAMS` at their compiled values in ``state.params``. ``fresh=True`` makes new
    functions (a second trace and compile).
    """
    if not fresh and id(env) in _COMPILED:
        return _COMPILED[id(env)]
    if fresh:
        physics = _fresh_physics(env.physics, env.domain)
    else:
        physics = physics_functions(env.physics, env.domain)
    traces = {"reset": 0, "step": 0}
    defaults = {name: getattr(env.physics.model, name) for name in CHECKED_PARAMS}
    has_act = env.physics.mj_model.na > 0

    def reset_start(key):
        traces["reset"] += 1
        return env.reset_start(key, defaults)

    def finish_step(state, data, action_ok):
        traces["step"] += 1
        return env.finish_step(state, data, action_ok)

    start_fn = _jit(jax.vmap(reset_start))
    finish_reset_fn = _jit(jax.vmap(env.reset_finish))
    finish_step_fn = _jit(jax.vmap(finish_step))
    with_data_fn = _jit(jax.vmap(env.with_data))
    with_task_state_fn = _jit(jax.vmap(env.with_task_state))

    def reset(keys):
        start = start_fn(keys)
        data = physics["forward"](episode_overrides(start), start.data, env.task.settle_steps)
        return finish_reset_fn(start, data)

    def step(state, action):
        # The contract's trace-time errors, as in env.step.
        check_action(env.id, env.action_size, action[0])
        data, action_ok = physics["advance"](episode_overrides(state), state.data, action)
        return finish_step_fn(state, data, action_ok)

    def set_state(state, qpos, qvel, act, task_state):
        if task_state is not None:
            state = with_task_state_fn(state, jax.tree.map(_float32, task_state))
        data = state.data.replace(qpos=qpos, qvel=qvel)
        if has_act:
            data = data.replace(act=act)
        data = physics["forward"](episode_overrides(state), jax.tree.map(_float32, data))
        return with_data_fn(state, data)

    fns = {
        "reset_cache": {},
        "env": env,  # keeps id(env) from being reused while cached
        "traces": traces,
        "reset_start": start_fn,
        "reset": reset,
        "step": step,
        "finish_step": finish_step_fn,
        "set_state": set_state,
    }
    if not fresh:
        _COMPILED[id(env)] = fns
    return fns


def _jit(fn, level: int | None = None):
    """``jax.jit`` with :data:`COMPILER_OPTIONS` (XLA ``level`` if given) and, on a CPU, the
    options of mjxcontrol's long-running programs (:func:`~mjxcontrol.compilation_cache.
    compiler_options`), every argument placed on the first device.

    Without the explicit placement a jitted function is lowered and compiled once per mix of
    committed and uncommitted arguments: a reset's states (from keys) are uncommitted, a step's
    (from programs fed the model's device arrays) committed, parity's states partly host arrays.
    Measured on quadruped/walk before this: its physics compiled twice, once for the reset's
    forward pass and once for the step.
    """
    placed = jax.sharding.SingleDeviceSharding(jax.local_devices()[0])
    options = compiler_options(**COMPILER_OPTIONS)
    if level is not None:
        options["xla_backend_optimization_level"] = level
    return jax.jit(fn, in_shardings=placed, compiler_options=options)


def _fresh_physics(physics: Physics, domain: str) -> dict:
    key = dynamics_key(physics)
    saved = _PHYSICS.pop(id(physics), None), _KERNELS.pop(key, None)
    try:
        return physics_functions(physics, domain)
    finally:
        _PHYSICS.pop(id(physics), None)
        _KERNELS.pop(key, None)
        if saved[0] is not None:
            _PHYSICS[id(physics)] = saved[0]
        if saved[1] is not None:
            _KERNELS[key] = saved[1]


def _float32(x):
    return x.astype("float32") if hasattr(x, "dtype") and x.dtype.kind == "f" else x


def batch_size(task: Env | str) -> int:
    """Envs per batch in the checks of ``task`` (an env or a ``"domain/task"`` id):
    :data:`BATCH`, or its domain's :data:`DOMAIN_BATCH`."""
    domain = task.domain if isinstance(task, Env) else task.split("/")[0]
    return DOMAIN_BATCH.get(domain, BATCH)


def batch_keys(seed: int, size: int = BATCH) -> jax.Array:
    """The ``size`` reset keys of batch number ``seed``."""
    return jax.random.split(jax.random.key(seed), size)


def reset_batch(env: Env, seed: int = 0):
    """``reset`` of the :func:`batch_size` envs of :func:`batch_keys` ``(seed)``, computed once.

    Some resets are expensive (cheetah simulates 200 physics steps), so every check that only needs
    *a* batch of initial states shares these.
    """
    fns = compiled(env)
    if seed not in fns["reset_cache"]:
        fns["reset_cache"][seed] = fns["reset"](batch_keys(seed, batch_size(env)))
    return fns["reset_cache"][seed]
