"""Acrobot: swing a two-link chain with a passive shoulder and a motorised elbow up to a target.

Observation (``OrderedDict``, float32):
  * ``orientations`` (4,): ``[xz_upper, xz_lower, zz_upper, zz_lower]`` of the two arms' world
    rotations, i.e. the sine and cosine of each arm's absolute angle from upright.
  * ``velocity`` (2,): ``[shoulder, elbow]`` hinge angular velocities (rad/s).

Action (1,) in [-1, 1]: elbow torque (gear 2, N*m); the shoulder is passive.

Reward: with ``d`` the distance from the ``tip`` site to the ``target`` site (radius 0.2, 4 m up):
  * ``swingup``: ``tolerance(d, bounds=(0, 0.2), margin=1)`` (gaussian, 0.1 at 1 m beyond);
  * ``swingup_sparse``: ``tolerance(d, bounds=(0, 0.2))``: 1 within 0.2 m of the target, else 0.

Termination: never; episodes are truncated after 10 s (1000 steps of 0.01 s, one RK4 physics step
each; the constraint solver is disabled in the model).

Reset: shoulder and elbow angles ``U(-pi, pi)`` independently, zero velocity.

Parity: observations and reward match dm_control 1.0.50 one step after 256 shared states per task
(tests/parity/test_acrobot.py).
"""

from __future__ import annotations

import dataclasses
from collections import OrderedDict

import jax
import jax.numpy as jnp
import numpy as np

from mjxcontrol import rewards
from mjxcontrol.observables import rotation_entries
from mjxcontrol.registry import BENCHMARKING, register
from mjxcontrol.task import Task
from mjxcontrol.tasks.models import acrobot as acrobot_model

ARMS = ("upper_arm", "lower_arm")
JOINTS = ("shoulder", "elbow")
TIP = "tip"
TARGET = "target"
TIME_LIMIT = 10.0
# Beyond the target sphere, the dense reward falls to 0.1 at this distance (m).
DENSE_MARGIN = 1.0


@dataclasses.dataclass(frozen=True)
class SwingUp(Task):
    """Acrobot swing-up and balance (dm_control ``acrobot/swingup`` and ``swingup_sparse``).

    Attributes:
      sparse: reward 1 inside the target sphere and 0 elsewhere, instead of a smooth decay.
    """

    sparse: bool = False
    time_limit: float = TIME_LIMIT

    def model(self):
        return acrobot_model.spec()

    def initialize(self, physics, model, data, key):
        angles = jax.random.uniform(key, (len(JOINTS),), minval=-np.pi, maxval=np.pi)
        return data.replace(qpos=data.qpos.at[physics.names.qpos(*JOINTS)].set(angles)), ()

    def observe(self, physics, data, task_state):
        return OrderedDict(
            orientations=_orientations(physics, data),
            velocity=data.qvel[physics.names.qvel(*JOINTS)],
        )

    def reward(self, physics, data, task_state):
        radius = _target_radius(physics)
        margin = 0.0 if self.sparse else DENSE_MARGIN
        at_target = rewards.tolerance(
            _tip_to_target(physics, data), bounds=(0.0, radius), margin=margin
        )
        return at_target, {"at_target": at_target}


def _orientations(physics, data) -> jax.Array:
    """``[xz, xz, zz, zz]`` of the upper and lower arm, in that order."""
    return rotation_entries(physics, data, ARMS, ("xz", "zz")).T.ravel()


def _tip_to_target(physics, data) -> jax.Array:
    """Euclidean distance from the tip site to the target site."""
    names = physics.names
    target = data.site_xpos[names.id("site", TARGET)]
    tip = data.site_xpos[names.id("site", TIP)]
    return jnp.linalg.norm(target - tip)


def _target_radius(physics) -> float:
    """The target sphere's radius, read from the compiled model (a static number)."""
    return float(physics.mj_model.site_size[physics.names.id("site", TARGET), 0])


@register("swingup", tags=(BENCHMARKING,))
def swingup(**overrides) -> SwingUp:
    return SwingUp(**overrides)


@register("swingup_sparse", tags=(BENCHMARKING,))
def swingup_sparse(**overrides) -> SwingUp:
    return SwingUp(**{"sparse": True, **overrides})
