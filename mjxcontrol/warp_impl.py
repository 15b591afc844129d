"""What :mod:`mjxcontrol.physics` does differently for MJX-Warp (``impl="warp"``).

* **Buffers.** MJX-Warp sizes its buffers from the host model: one contact buffer shared by the
  whole batch (:data:`CONTACTS_PER_ENV` slots per env of the batch the physics is compiled for)
  and :data:`NJMAX` constraint rows per env. A step that fills either may have left contacts or
  constraints out: :func:`buffers_overflowed` flags it (the env reports a physics error).
* **Stages.** It exposes no stage functions: :func:`steps` runs whole ``mjx.step`` calls.
* **Warnings.** It prints a warning from every step whose solver stops at its iteration cap;
  :func:`quiet_solver_caps` keeps those quiet (the caps are deliberate, C MuJoCo is silent).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import mujoco
import numpy as np

from mjxcontrol._mjx import mjx

CONTACTS_PER_ENV = 64
NJMAX = 256
# MJX-Warp's overflow warning bits (mujoco_warp's OverflowType) for a solver at its caps.
ITERATIONS_WARNING, LS_ITERATIONS_WARNING = 1 << 9, 1 << 10


def make_data(
    mj_model: mujoco.MjModel,
    num_envs: int,
    contacts_per_env: int = CONTACTS_PER_ENV,
    njmax: int = NJMAX,
) -> mjx.Data:
    """Fresh MJX-Warp data with buffers for batches of up to ``num_envs`` envs:
    ``contacts_per_env`` contact slots per env (shared by the batch) and ``njmax`` constraint
    rows per env."""
    naconmax = contacts_per_env * num_envs
    return mjx.make_data(mj_model, impl="warp", naconmax=naconmax, njmax=njmax)


def steps(
    mj_model: mujoco.MjModel, model: mjx.Model, data: mjx.Data, n, keep_acc: jax.Array | bool = True
) -> mjx.Data:
    """``n`` MJX-Warp steps, then ``mjx.forward`` to bring the position and velocity quantities up
    to the final state (as :meth:`mjxcontrol.physics.Physics.control_step` promises).
    Acceleration-stage sensors keep the last step's readings (dm_control's: taken before the
    last integration) if ``keep_acc`` (a bool, traced or not); with ``n == 0`` or without
    ``keep_acc`` (a reset's settle) everything is the forward pass's."""
    stepped = jax.lax.fori_loop(0, n, lambda _, d: mjx.step(model, d), data)
    fresh = mjx.forward(model, stepped)
    acc_stage = mj_model.sensor_needstage == int(mujoco.mjtStage.mjSTAGE_ACC)
    keep = jnp.asarray(np.repeat(acc_stage, mj_model.sensor_dim)) & (n > 0) & keep_acc
    return fresh.replace(sensordata=jnp.where(keep, stepped.sensordata, fresh.sensordata))


def buffers_overflowed(data: mjx.Data) -> jax.Array:
    """Bool scalar: the batch's contact buffer is full, or this env's constraint rows overflowed
    (MJX-Warp also prints a "broadphase overflow" or "nefc overflow" warning then). Under
    ``vmap`` the contact count covers the whole batch."""
    impl = data._impl  # noqa: SLF001
    return (impl.nacon[0] >= impl.naconmax) | jnp.any(impl.nefc > impl.njmax)


def quiet_solver_caps(model: mjx.Model) -> mjx.Model:
    """``model`` without MJX-Warp's warnings for a solver or line search at its iteration cap
    (buffer overflows still warn)."""
    capped = ITERATIONS_WARNING | LS_ITERATIONS_WARNING
    impl = model.opt._impl  # noqa: SLF001
    opt = model.opt.replace(_impl=impl.replace(warn_overflow=impl.warn_overflow & ~capped))
    return model.replace(opt=opt)
