"""Fish: a fish in a weightless fluid must turn upright, or swim its mouth to a random target.

Observation (``OrderedDict``, float32):
  * ``joint_angles`` (7,): ``tail1``, ``tail_twist``, ``tail2``, ``finright_roll``,
    ``finright_pitch``, ``finleft_roll``, ``finleft_pitch`` hinge angles (rad).
  * ``upright`` (): ``zz`` of the torso's world rotation (1 when upright).
  * ``target`` (3,), swim only: the target's centre minus the mouth's, in the ``mouth`` geom's frame
    (m).
  * ``velocity`` (13,): all of ``qvel``: the root's linear (m/s, world frame) and angular (rad/s,
    body frame) velocity, then the 7 hinges' angular velocities (rad/s).

Action (5,) in [-1, 1]: set points of the position servos ``tail`` (tail1 angle, kp 5e-4),
``tail_twist`` (kp 1e-4), ``fins_flap`` (the fins' antisymmetric roll, a tendon, kp 3e-4),
``finleft_pitch`` and ``finright_pitch`` (kp 1e-4).

Reward, with ``zz`` the torso's upright entry:
  * upright: ``tolerance(zz, bounds=(1, 1), margin=1)`` (gaussian: 0.1 at ``zz = 0``);
  * swim: ``(7 * in_target + (zz + 1) / 2) / 8`` with ``in_target = tolerance(|target|,
    bounds=(0, r), margin=2 r)``, ``r`` = 0.045 m the mouth's radius plus the target's.

Termination: never; episodes are truncated after 40 s (1000 steps of 0.04 s, 10 physics steps of
0.004 s each).

Reset: the root's orientation is a normalised ``N(0, I4)`` quaternion (uniform over rotations), its
position stays at (0, 0, 0.1); the 7 hinges ~ U(-0.2, 0.2) rad; zero velocity. swim draws the
target's centre: x, y ~ U(-0.4, 0.4) m and z ~ U(0.1, 0.3) m. upright hides the target (dm_control
sets its alpha to 0); here that is a rendering matter only and the compiled model keeps it
visible.

Target state (swim): dm_control writes the target into the model (``geom_pos``). Here the target's
centre is the episode's ``task_state`` (float32, shape (3,)), read by the observation and reward.
It cannot be a per-env ``geom_pos``: MJX-Warp computes the world positions of geoms fixed to the
world body once, in ``make_data``, so an overridden ``geom_pos`` would not move the geom (measured
with mujoco-mjx 3.17). The model's ``target`` geom stays at its compiled (0, 0.4, 0.1), so a
rendering shows it there. upright's ``task_state`` is empty.

MJX: MJX's JAX implementation has no ellipsoid-box collision (the fish's ellipsoids against its
``torso_massive`` box), even though constraints are disabled, so the fish runs on ``impl="warp"``.

Parity: observations and reward match dm_control 1.0.50 one step after 256 shared states per task
(tests/parity/test_fish.py; tolerances there).
"""

from __future__ import annotations

import dataclasses
from collections import OrderedDict
from typing import ClassVar

import jax
import jax.numpy as jnp

from mjxcontrol import rewards
from mjxcontrol.registry import BENCHMARKING, register
from mjxcontrol.task import Task
from mjxcontrol.tasks.models import fish as fish_model

ROOT = "root"
TORSO = "torso"
MOUTH = "mouth"  # capsule geom at the front of the torso
TARGET = "target"  # world geom
JOINTS = (
    "tail1",
    "tail_twist",
    "tail2",
    "finright_roll",
    "finright_pitch",
    "finleft_roll",
    "finleft_pitch",
)

TIME_LIMIT = 40.0
CONTROL_TIMESTEP = 0.04
# Hinge angles at reset are uniform in +-this (rad).
JOINT_RESET_RANGE = 0.2
# swim: the target's centre is drawn in this box (m).
TARGET_LOW = (-0.4, -0.4, 0.1)
TARGET_HIGH = (0.4, 0.4, 0.3)
# swim: weights of reaching the target and of being upright.
IN_TARGET_WEIGHT = 7.0
UPRIGHT_WEIGHT = 1.0


@dataclasses.dataclass(frozen=True)
class Fish(Task):
    """Fish upright / swim (dm_control ``fish/upright`` and ``fish/swim``).

    Runs on ``impl="warp"`` (see the module docstring).

    Attributes:
      swim: reach a random target (``swim``) instead of only turning upright (``upright``).
    """

    default_impl: ClassVar[str] = "warp"

    swim: bool = False
    time_limit: float = TIME_LIMIT
    control_timestep: float | None = CONTROL_TIMESTEP

    def model(self):
        return fish_model.spec()

    def initialize(self, physics, model, data, key):
        quat_key, joints_key, target_key = jax.random.split(key, 3)
        names = physics.names
        quat = jax.random.normal(quat_key, (4,))
        qpos = data.qpos.at[names.qpos(ROOT)[3:7]].set(quat / jnp.linalg.norm(quat))
        angles = jax.random.uniform(
            joints_key, (len(JOINTS),), minval=-JOINT_RESET_RANGE, maxval=JOINT_RESET_RANGE
        )
        qpos = qpos.at[names.qpos(*JOINTS)].set(angles)
        target = sample_target(target_key) if self.swim else ()
        return data.replace(qpos=qpos), target

    def observe(self, physics, data, task_state):
        obs = OrderedDict(
            joint_angles=data.qpos[physics.names.qpos(*JOINTS)],
            upright=upright(physics, data),
        )
        if self.swim:
            obs["target"] = mouth_to_target(physics, data, task_state)
        obs["velocity"] = data.qvel
        return obs

    def reward(self, physics, data, task_state):
        zz = upright(physics, data)
        if not self.swim:
            up = rewards.tolerance(zz, bounds=(1.0, 1.0), margin=1.0)
            return up, {"upright": up}
        radii = float(
            sum(physics.mj_model.geom_size[physics.names.ids("geom", (MOUTH, TARGET)), 0])
        )
        in_target = rewards.tolerance(
            jnp.linalg.norm(mouth_to_target(physics, data, task_state)),
            bounds=(0.0, radii),
            margin=2 * radii,
        )
        is_upright = (zz + 1.0) / 2.0
        reward = (IN_TARGET_WEIGHT * in_target + UPRIGHT_WEIGHT * is_upright) / (
            IN_TARGET_WEIGHT + UPRIGHT_WEIGHT
        )
        return reward, {"in_target": in_target, "upright": is_upright}


def sample_target(key: jax.Array) -> jax.Array:
    """swim's target centre ``[x, y, z]`` (m), uniform in the box of the module docstring."""
    return jax.random.uniform(
        key, (3,), minval=jnp.array(TARGET_LOW), maxval=jnp.array(TARGET_HIGH)
    )


def upright(physics, data) -> jax.Array:
    """``zz`` of the torso's world rotation."""
    return data.xmat[physics.names.id("body", TORSO), 2, 2]


def mouth_to_target(physics, data, target: jax.Array) -> jax.Array:
    """``(3,)``: target centre minus mouth centre, in the mouth geom's frame (m)."""
    mouth = physics.names.id("geom", MOUTH)
    return (target - data.geom_xpos[mouth]) @ data.geom_xmat[mouth]


@register("upright", tags=(BENCHMARKING,))
def upright_task(**overrides) -> Fish:
    return Fish(**overrides)


@register("swim", tags=(BENCHMARKING,))
def swim(**overrides) -> Fish:
    return Fish(**{"swim": True, **overrides})
