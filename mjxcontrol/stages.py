"""MJX's forward pass in its two stages, each traced once per model and shapes.

A program traces the forward pass several times: the step's substep, the three later stages of
RK4 (:mod:`mjxcontrol.integrators`), the forward pass of the reset that ``AutoReset`` compiles
into every step. Tracing MJX through ``vmap`` is Python work (cartpole/swingup's bench chunk:
2.4 s of its 3 s lowering). :func:`traced_once` traces a stage once and inlines the recorded
program wherever the stage is called again, so the compiled program holds the same operations
and only the Python work is saved.

* :func:`position_velocity_stage`: kinematics, collisions, constraint rows, passive forces,
  position and velocity sensors (what a physics step reads from the state it starts at);
* :func:`dynamics_stage`: actuation, acceleration, constraint solve, acceleration sensors;
* :func:`forward`: the two in turn, ``mjx.forward``.
"""

from __future__ import annotations

import functools
from collections import OrderedDict
from collections.abc import Callable

import jax
from jax import core as _jax_core

from mjxcontrol._mjx import mjx
from mjxcontrol.mjx_patches import mjx_patches
from mjxcontrol.mjx_patches import solve as mjx_patches_solve

Stage = Callable[[mjx.Model, mjx.Data], mjx.Data]
# Recorded stage programs kept per stage: one per (model, which of its fields are traced). A
# process that loads many tasks (the tests) evicts the oldest.
MAX_RECORDED = 32


def traced_once(stage: Stage) -> Stage:
    """``stage(m, d)`` traced once per model and per shapes of ``d``, then inlined.

    ``jax.jit(..., inline=True)`` records the stage's program at its first call and inlines that
    record into the caller's trace at every call (under ``vmap``, its operations are batched as
    they are inlined), so the caller's program is as if it had traced the stage itself. The
    model's fields that are tracers (per-env overrides) are the recorded program's inputs, with
    ``d``; its other fields are constants of the record, as they would be of a direct trace, so
    a record is kept per model (keyed by those fields' identities, which the record holds on to)
    and per set of traced fields. The stage is traced inside :func:`mjx_patches`, whatever the
    caller, so every record holds mjxcontrol's swaps.
    """
    records: OrderedDict = OrderedDict()

    @functools.wraps(stage)
    def call(m: mjx.Model, d: mjx.Data) -> mjx.Data:
        leaves, treedef = jax.tree.flatten(m)
        traced = tuple(isinstance(x, _jax_core.Tracer) for x in leaves)
        constants = [None if t else x for x, t in zip(leaves, traced, strict=True)]
        key = (treedef, traced, tuple(id(x) for x in constants))
        entry = records.get(key)
        if entry is None:

            def recorded(inputs: list, data: mjx.Data) -> mjx.Data:
                given = iter(inputs)
                fields = [next(given) if t else c for t, c in zip(traced, constants, strict=True)]
                with mjx_patches():
                    return stage(jax.tree.unflatten(treedef, fields), data)

            entry = records[key] = (jax.jit(recorded, inline=True), constants)
            while len(records) > MAX_RECORDED:
                records.popitem(last=False)
        return entry[0]([x for x, t in zip(leaves, traced, strict=True) if t], d)

    return call


@traced_once
def position_velocity_stage(m: mjx.Model, d: mjx.Data) -> mjx.Data:
    """Kinematics, collisions, constraint rows, passive forces, position and velocity sensors:
    ``mjx.forward`` up to its actuation."""
    d = mjx.fwd_position(m, d)
    d = mjx.sensor_pos(m, d)
    d = mjx.fwd_velocity(m, d)
    return mjx.sensor_vel(m, d)


@traced_once
def dynamics_stage(m: mjx.Model, d: mjx.Data) -> mjx.Data:
    """Actuation, acceleration, constraint solve and acceleration sensors: ``mjx.forward`` after
    its velocity stage."""
    d = mjx.fwd_actuation(m, d)
    d = mjx.fwd_acceleration(m, d)
    if d._impl.efc_J.size == 0:  # no constraint rows: mjx.forward's shortcut (no sensor_acc)
        return d.replace(qacc=d.qacc_smooth)
    return mjx.sensor_acc(m, mjx_patches_solve(m, d))


def forward(m: mjx.Model, d: mjx.Data) -> mjx.Data:
    """``mjx.forward(m, d)`` (impl="jax"), as its two stages."""
    return dynamics_stage(m, position_velocity_stage(m, d))
