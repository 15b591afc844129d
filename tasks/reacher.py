"""Reacher: a two-link planar arm must touch a randomly placed target with its fingertip.

Observation (``OrderedDict``, float32):
  * ``position`` (2,): ``shoulder`` and ``wrist`` hinge angles (rad).
  * ``to_target`` (2,): world ``[x, y]`` of the target centre minus that of the fingertip (m).
  * ``velocity`` (2,): ``shoulder`` and ``wrist`` angular velocities (rad/s).

Action (2,) in [-1, 1]: shoulder and wrist motor torques (gear 0.05, N*m).

Reward: ``tolerance(|to_target|, bounds=(0, r_target + r_finger))`` with no margin: 1 while the
fingertip sphere (radius 1 cm) overlaps the target sphere, else 0. ``r_target`` is 5 cm for easy and
1.5 cm for hard.

Termination: never; episodes are truncated after 20 s (1000 steps of 0.02 s, one physics step each).

Reset: the shared joint randomiser (``shoulder`` ~ U(-pi, pi), ``wrist`` ~ U(-160, 160) degrees),
zero velocity; the target is placed at angle ``a ~ U(0, 2 pi)`` and distance ``r ~ U(0.05, 0.2)``
from the shoulder, at ``[r sin a, r cos a]``.

Target state: dm_control writes the target's position into the model (``geom_pos``) each episode.
Here the target ``[x, y]`` is the episode's ``task_state`` (a float32 array of shape (2,)); the
observation and reward read it from there. The target radius is fixed per task, so it is a config
field and is baked into the compiled model. The model's own ``target`` geom stays at the origin
(it has no physical effect: contacts are disabled), so a rendering shows it there.

Parity: observations and reward match dm_control 1.0.50 one step after 256 shared states per task,
half of them started with the fingertip near the target (tests/parity/test_reacher.py).
"""

from __future__ import annotations

import dataclasses
from collections import OrderedDict

import jax
import jax.numpy as jnp
import numpy as np

from mjxcontrol import randomizers, rewards
from mjxcontrol.registry import BENCHMARKING, EASY, register
from mjxcontrol.task import Task
from mjxcontrol.tasks.models import reacher as reacher_model

SHOULDER = "shoulder"
WRIST = "wrist"
FINGER = "finger"  # the fingertip geom
TARGET = "target"  # the target geom

TIME_LIMIT = 20.0
# Target radii (m) of the two tasks.
BIG_TARGET = 0.05
SMALL_TARGET = 0.015
# Range of the target's distance from the shoulder axis (m).
TARGET_DISTANCE = (0.05, 0.20)


@dataclasses.dataclass(frozen=True)
class Reacher(Task):
    """Reacher easy / hard (dm_control ``reacher/*``).

    Attributes:
      target_size: radius of the target sphere (m).
    """

    target_size: float = BIG_TARGET
    time_limit: float = TIME_LIMIT

    def model(self):
        spec = reacher_model.spec()
        spec.geom(TARGET).size[0] = self.target_size
        return spec

    def initialize(self, physics, model, data, key):
        joints_key, target_key = jax.random.split(key)
        data = randomizers.randomize_limited_and_rotational_joints(physics, data, joints_key)
        return data, _sample_target(target_key)

    def observe(self, physics, data, task_state):
        return OrderedDict(
            position=data.qpos[physics.names.qpos(SHOULDER, WRIST)],
            to_target=_finger_to_target(physics, data, task_state),
            velocity=data.qvel[physics.names.qvel(SHOULDER, WRIST)],
        )

    def reward(self, physics, data, task_state):
        radii = self.target_size + float(physics.mj_model.geom_size[_finger_id(physics), 0])
        distance = jnp.linalg.norm(_finger_to_target(physics, data, task_state))
        touching = rewards.tolerance(distance, bounds=(0.0, radii))
        return touching, {"touching": touching}


def _sample_target(key: jax.Array) -> jax.Array:
    """Target ``[x, y]``: a uniform angle about the shoulder, a uniform distance in range."""
    angle_key, distance_key = jax.random.split(key)
    angle = jax.random.uniform(angle_key, minval=0.0, maxval=2 * np.pi)
    near, far = TARGET_DISTANCE
    distance = jax.random.uniform(distance_key, minval=near, maxval=far)
    return distance * jnp.stack([jnp.sin(angle), jnp.cos(angle)])


def _finger_id(physics) -> int:
    return physics.names.id("geom", FINGER)


def _finger_to_target(physics, data, target):
    return target - data.geom_xpos[_finger_id(physics), :2]


@register("easy", tags=(BENCHMARKING, EASY))
def easy(**overrides) -> Reacher:
    return Reacher(**{"target_size": BIG_TARGET, **overrides})


@register("hard", tags=(BENCHMARKING,))
def hard(**overrides) -> Reacher:
    return Reacher(**{"target_size": SMALL_TARGET, **overrides})
