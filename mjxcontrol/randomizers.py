"""Reset-time samplers shared by several tasks (JAX versions of dm_control's suite randomizers)."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import mujoco
import numpy as np

from mjxcontrol._mjx import mjx
from mjxcontrol.physics import Physics

_FREE, _BALL, _SLIDE, _HINGE = (
    int(mujoco.mjtJoint.mjJNT_FREE),
    int(mujoco.mjtJoint.mjJNT_BALL),
    int(mujoco.mjtJoint.mjJNT_SLIDE),
    int(mujoco.mjtJoint.mjJNT_HINGE),
)


def randomize_limited_and_rotational_joints(
    physics: Physics, data: mjx.Data, key: jax.Array
) -> mjx.Data:
    """Samples ``qpos`` joint by joint, with the same per-type distributions as dm_control.

    * limited hinge or slide: ``U(range)``;
    * unlimited hinge: ``U(-pi, pi)``;
    * limited ball: uniformly random axis, angle ``U(0, range[1])``;
    * unlimited ball: a normalised ``N(0, I4)`` quaternion;
    * free: orientation only, a normalised ``U[0, 1)^4`` quaternion (dm_control's positive-orthant
      bias is kept on purpose); translations and unlimited slides stay at ``qpos0``.

    The random stream differs from numpy's, so only the distribution matches dm_control.

    Args:
      physics: compiled physics (joint table read on the host at trace time).
      data: data whose ``qpos`` is updated.
      key: PRNG key.

    Returns:
      ``data`` with the new ``qpos``.
    """
    m = physics.mj_model
    qpos = data.qpos
    keys = jax.random.split(key, max(m.njnt, 1))
    for j in range(m.njnt):
        kind, adr = int(m.jnt_type[j]), int(m.jnt_qposadr[j])
        limited = bool(m.jnt_limited[j])
        lo, hi = (float(x) for x in m.jnt_range[j])
        k = keys[j]
        if kind in (_HINGE, _SLIDE) and limited:
            qpos = qpos.at[adr].set(jax.random.uniform(k, minval=lo, maxval=hi))
        elif kind == _HINGE:
            qpos = qpos.at[adr].set(jax.random.uniform(k, minval=-np.pi, maxval=np.pi))
        elif kind == _BALL and limited:
            k_axis, k_angle = jax.random.split(k)
            axis = jax.random.normal(k_axis, (3,))
            axis = axis / jnp.linalg.norm(axis)
            angle = jax.random.uniform(k_angle, minval=0.0, maxval=hi)
            quat = jnp.concatenate([jnp.cos(angle / 2)[None], jnp.sin(angle / 2) * axis])
            qpos = qpos.at[adr : adr + 4].set(quat)
        elif kind == _BALL:
            quat = jax.random.normal(k, (4,))
            qpos = qpos.at[adr : adr + 4].set(quat / jnp.linalg.norm(quat))
        elif kind == _FREE:
            quat = jax.random.uniform(k, (4,))
            qpos = qpos.at[adr + 3 : adr + 7].set(quat / jnp.linalg.norm(quat))
    return data.replace(qpos=qpos)
