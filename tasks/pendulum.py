"""Pendulum: swing a weak, damped pendulum up and hold it inverted.

Observation (``OrderedDict``, float32):
  * ``orientation`` (2,): ``[zz, xz]`` of the pole's world rotation (cos and sin of its angle
    from upright).
  * ``velocity`` (1,): hinge angular velocity (rad/s).

Action (1,) in [-1, 1]: hinge torque (gear 1, N*m).

Reward: ``tolerance(zz, bounds=(cos 8deg, 1))``: 1 within 8 degrees of upright, else 0.

Termination: never; episodes are truncated after 20 s (1000 steps of 0.02 s, one physics step each).

Reset: hinge angle ``U(-pi, pi)``, zero velocity.

Parity: observations and reward match dm_control 1.0.50 one step after 200+ shared states
(tests/parity).
"""

from __future__ import annotations

import dataclasses
from collections import OrderedDict

import jax
import numpy as np

from mjxcontrol import rewards
from mjxcontrol.observables import rotation_entries
from mjxcontrol.registry import BENCHMARKING, register
from mjxcontrol.task import Task
from mjxcontrol.tasks.models import pendulum as pendulum_model

POLE = "pole"
HINGE = "hinge"
COS_UPRIGHT = float(np.cos(np.deg2rad(8)))
TIME_LIMIT = 20.0


@dataclasses.dataclass(frozen=True)
class SwingUp(Task):
    """Pendulum swing-up (dm_control ``pendulum/swingup``)."""

    time_limit: float = TIME_LIMIT

    def model(self):
        return pendulum_model.spec()

    def initialize(self, physics, model, data, key):
        angle = jax.random.uniform(key, minval=-np.pi, maxval=np.pi)
        return data.replace(qpos=data.qpos.at[physics.names.qpos(HINGE)].set(angle)), ()

    def observe(self, physics, data, task_state):
        return OrderedDict(
            orientation=_pole_zz_xz(physics, data),
            velocity=data.qvel[physics.names.qvel(HINGE)],
        )

    def reward(self, physics, data, task_state):
        upright = rewards.tolerance(_pole_zz_xz(physics, data)[0], bounds=(COS_UPRIGHT, 1.0))
        return upright, {"upright": upright}


def _pole_zz_xz(physics, data) -> jax.Array:
    """``(2,)``: ``[zz, xz]`` of the pole's world rotation (cos, sin of its angle)."""
    return rotation_entries(physics, data, (POLE,), ("zz", "xz"))[0]


@register("swingup", tags=(BENCHMARKING,))
def swingup(**overrides) -> SwingUp:
    return SwingUp(**overrides)
