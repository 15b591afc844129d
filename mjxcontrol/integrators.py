"""RK4 integration for the integration stage of a physics step (:mod:`mjxcontrol.physics`; Euler
and implicit-fast are MJX's own).

:func:`rungekutta4` has the same method, tableau
and order of operations as ``mjx.rungekutta4`` (MuJoCo's classic fourth-order Runge-Kutta), but
its three intermediate forward passes run as a rolled loop, so a program holds one forward pass
for them where MJX's unrolls three. A forward pass (kinematics, collisions, constraint rows and
the constraint solve) is most of what XLA compiles; cartpole and acrobot integrate with RK4.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
from mujoco.mjx._src import forward as _mjx_forward  # MJX's position integration and advance
from mujoco.mjx._src import scan as _mjx_scan

from mjxcontrol import stages
from mjxcontrol._mjx import mjx

# MuJoCo's RK4 tableau: stage i (1-3) starts at the step's state moved by RK4_STAGE_STEP[i - 1]
# timesteps along stage i - 1's derivatives (and at that time); the step's derivative is the
# RK4_WEIGHTS-weighted sum of the four stages'.
RK4_STAGE_STEP = (0.5, 0.5, 1.0)
RK4_WEIGHTS = (1.0 / 6.0, 1.0 / 3.0, 1.0 / 3.0, 1.0 / 6.0)


def rungekutta4(m: mjx.Model, d: mjx.Data) -> mjx.Data:
    """One RK4 step from ``d``, whose dynamics stage is current (the first stage's derivatives:
    ``qvel``, ``qacc``, ``act_dot``). Equals ``mjx.rungekutta4(m, d)``: the three later stages
    each run ``mjx.forward`` (:func:`mjxcontrol.stages.forward`) at their intermediate state, in a
    ``scan`` that is not unrolled.

    Returns data at the next state and time (``qpos (nq,)``, ``qvel (nv,)``, ``act (na,)``)
    with the last stage's forward pass in its other fields and that stage's ``qacc`` as
    ``qacc_warmstart``, as MJX's.
    """
    dt = m.opt.timestep
    weights = jnp.asarray(RK4_WEIGHTS)
    sums = tuple(weights[0] * k for k in (d.qvel, d.qacc, d.act_dot))

    def stage(carry, tableau):
        (qvel, qacc, act_dot), prev = carry
        step, weight = tableau[0], tableau[1]
        dqvel, dqacc, dact_dot = (step * k for k in (prev.qvel, prev.qacc, prev.act_dot))
        x = prev.replace(
            qpos=_position_after(m, d.qpos, dqvel),
            qvel=d.qvel + dqacc * dt,
            act=d.act + dact_dot * dt,
            time=d.time + step * dt,
        )
        x = stages.forward(m, x)
        sums = (qvel + weight * x.qvel, qacc + weight * x.qacc, act_dot + weight * x.act_dot)
        return (sums, x), None

    tableau = jnp.stack([jnp.asarray(RK4_STAGE_STEP), weights[1:]], axis=1)  # (3, 2)
    ((qvel, qacc, act_dot), last), _ = jax.lax.scan(stage, (sums, d), tableau)
    last = last.replace(qpos=d.qpos, qvel=d.qvel, act=d.act, time=d.time)
    return _mjx_forward._advance(m, last, act_dot, qacc, qvel)


def _position_after(m: mjx.Model, qpos: jax.Array, qvel: jax.Array) -> jax.Array:
    """``qpos (nq,)`` moved by velocity ``qvel (nv,)`` for one timestep (quaternions of free and
    ball joints on the unit sphere), as MJX's integrators move positions."""

    def move(joint_types, q, v):
        return _mjx_forward._integrate_pos(joint_types, q, v, dt=m.opt.timestep)

    return _mjx_scan.flat(m, move, "jqv", "q", m.jnt_type, qpos, qvel)
