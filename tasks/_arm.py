"""What manipulator and stacker share: the planar arm's reset draw and its observations.

Not a domain (the registry skips modules starting with ``_``). Both domains run the arm of
``tasks/models/_arm.py``: 8 hinges (``arm_root`` unlimited, the other 7 limited), 5 touch sensors
and free props moving in the x-z plane.
"""

from __future__ import annotations

from collections.abc import Sequence

import jax
import jax.numpy as jnp
import numpy as np

from mjxcontrol.physics import Physics
from mjxcontrol.tasks.models import _arm as arm_model

# The arm's hinges in observation order.
ARM_JOINTS = (
    "arm_root",
    "arm_shoulder",
    "arm_elbow",
    "arm_wrist",
    "finger",
    "fingertip",
    "thumb",
    "thumbtip",
)
TOUCH_SENSORS = arm_model.TOUCH_SITES
HAND = "hand"
GRASP = "grasp"  # site between the digits
TIME_LIMIT = 10.0
CONTROL_TIMESTEP = 0.01
# Distance (m) below which a thing counts as close (both domains' reward scale).
CLOSE = 0.01


def arm_limits(physics: Physics) -> tuple[np.ndarray, np.ndarray]:
    """``(low, high)`` of each arm hinge's reset draw (rad): its range, or +-pi when unlimited."""
    m = physics.mj_model
    ids = physics.names.ids("joint", ARM_JOINTS)
    limited = m.jnt_limited[ids].astype(bool)
    low = np.where(limited, m.jnt_range[ids, 0], -np.pi)
    high = np.where(limited, m.jnt_range[ids, 1], np.pi)
    return low.astype(np.float32), high.astype(np.float32)


def random_arm(physics: Physics, qpos: jax.Array, key: jax.Array) -> jax.Array:
    """``qpos`` with the arm hinges ~ U(:func:`arm_limits`) and the finger set to the thumb's
    angle (dm_control's symmetric hand)."""
    low, high = arm_limits(physics)
    angles = jax.random.uniform(key, (len(ARM_JOINTS),), minval=low, maxval=high)
    names = physics.names
    qpos = qpos.at[names.qpos(*ARM_JOINTS)].set(angles)
    return qpos.at[names.qpos("finger")].set(qpos[names.qpos("thumb")])


def uniform(key: jax.Array, shape: tuple[int, ...], bounds: tuple[float, float]) -> jax.Array:
    """``shape`` draws from ``U(bounds)`` (the reset ranges of both domains)."""
    return jax.random.uniform(key, shape, minval=bounds[0], maxval=bounds[1])


def arm_observations(physics: Physics, data) -> dict[str, jax.Array]:
    """``arm_pos`` (8, 2): [sin, cos] of each arm hinge; ``arm_vel`` (8,) rad/s; ``touch`` (5,):
    ``log1p`` of the touch sensors (N)."""
    names = physics.names
    angles = data.qpos[names.qpos(*ARM_JOINTS)]
    touch = jnp.concatenate([data.sensordata[names.sensor(s)] for s in TOUCH_SENSORS])
    return {
        "arm_pos": jnp.stack([jnp.sin(angles), jnp.cos(angles)], axis=-1),
        "arm_vel": data.qvel[names.qvel(*ARM_JOINTS)],
        "touch": jnp.log1p(touch),
    }


def body_2d_pose(physics: Physics, data, bodies: Sequence[str]) -> jax.Array:
    """``[len(bodies), 4]``: each body's world ``[x, z, qw, qy]`` (m, quaternion entries)."""
    ids = physics.names.ids("body", bodies)
    return jnp.concatenate([data.xpos[ids][:, [0, 2]], data.xquat[ids][:, [0, 2]]], axis=-1)


def site_distance(physics: Physics, data, site1: str, site2: str) -> jax.Array:
    """Euclidean distance (m) between two sites' world positions."""
    ids = physics.names.ids("site", (site1, site2))
    return jnp.linalg.norm(data.site_xpos[ids[0]] - data.site_xpos[ids[1]])
