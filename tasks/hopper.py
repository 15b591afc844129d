"""Hopper: a planar one-legged robot that must stand upright or hop forwards (+x).

Observation (``OrderedDict``, float32):
  * ``position`` (6,): every joint position except the horizontal ``rootx`` (so the observation
    does not depend on how far the hopper has gone): ``rootz`` (m), ``rooty`` (rad), then
    ``waist``, ``hip``, ``knee``, ``ankle`` (rad).
  * ``velocity`` (7,): all joint velocities in model order (``rootx``, ``rootz``, ``rooty``, then
    the four limb hinges as above).
  * ``touch`` (2,): ``log1p`` of the ``touch_toe`` and ``touch_heel`` sensors (normal contact
    force in N on the foot's toe and heel spheres; values of the control step's last substep).

Action (4,) in [-1, 1]: motor torques at the waist, hip, knee and ankle (gears 30, 40, 30, 10).

Reward, with ``standing = tolerance(height, bounds=(0.6, 2))`` (a hard indicator; ``height`` is
the torso's centre of mass minus the foot's, in z, m):
  * stand: ``standing * (4 + small_control) / 5`` with ``small_control =
    mean(tolerance(ctrl, margin=1, sigmoid="quadratic", value_at_margin=0))`` of the raw
    (unclamped) control;
  * hop: ``standing * tolerance(v_x, bounds=(2, inf), margin=1, sigmoid="linear",
    value_at_margin=0.5)``, i.e. ``clip(v_x / 2, 0, 1)``, where ``v_x`` is the x component of the
    ``torso_subtreelinvel`` sensor (velocity of the hopper's centre of mass, m/s).

Termination: never; episodes are truncated after 20 s (1000 steps of 0.02 s, 4 physics steps of
0.005 s each).

Reset: dm_control's shared joint randomiser: ``rooty`` ~ U(-pi, pi), every limb hinge ~ U(its
range); the unlimited slides ``rootx`` and ``rootz`` stay at 0 (torso origin at 1 m); zero
velocity. There is no contact check, so the hopper may start inside the floor and be pushed out
on the first step.

Parity: observations and reward match dm_control 1.0.50 one step after 256 shared states per task
(tests/parity/test_hopper.py); touch and joint velocities to looser tolerances, because float32
rounding is amplified by the stiff floor contact (in float64 the same pipeline agrees to 1e-9).
"""

from __future__ import annotations

import dataclasses
from collections import OrderedDict

import jax.numpy as jnp

from mjxcontrol import randomizers, rewards
from mjxcontrol.registry import BENCHMARKING, register
from mjxcontrol.task import Task
from mjxcontrol.tasks.models import hopper as hopper_model

ROOT_JOINTS = ("rootx", "rootz", "rooty")
LIMB_JOINTS = ("waist", "hip", "knee", "ankle")
# Observed positions: all but the horizontal root slide.
POSITION_JOINTS = (*ROOT_JOINTS[1:], *LIMB_JOINTS)
TORSO = "torso"
FOOT = "foot"
COM_VELOCITY_SENSOR = "torso_subtreelinvel"
TOUCH_SENSORS = ("touch_toe", "touch_heel")

TIME_LIMIT = 20.0
CONTROL_TIMESTEP = 0.02
# Torso-above-foot heights (m) within which the hopper counts as standing.
STAND_HEIGHT = (0.6, 2.0)
# Centre-of-mass speed (m/s) at and above which the hop term is 1.
HOP_SPEED = 2.0


@dataclasses.dataclass(frozen=True)
class Hopper(Task):
    """Hopper stand / hop (dm_control ``hopper/*``).

    Attributes:
      hopping: reward forward speed (hop) instead of small controls (stand).
    """

    hopping: bool = False
    time_limit: float = TIME_LIMIT
    control_timestep: float | None = CONTROL_TIMESTEP

    def model(self):
        return hopper_model.spec()

    def initialize(self, physics, model, data, key):
        return randomizers.randomize_limited_and_rotational_joints(physics, data, key), ()

    def observe(self, physics, data, task_state):
        names = physics.names
        touch = data.sensordata[jnp.concatenate([names.sensor(s) for s in TOUCH_SENSORS])]
        return OrderedDict(
            position=data.qpos[names.qpos(*POSITION_JOINTS)],
            velocity=data.qvel,
            touch=jnp.log1p(touch),
        )

    def reward(self, physics, data, task_state):
        standing = rewards.tolerance(height(physics, data), bounds=STAND_HEIGHT)
        if self.hopping:
            hopping = rewards.tolerance(
                speed(physics, data),
                bounds=(HOP_SPEED, float("inf")),
                margin=HOP_SPEED / 2,
                value_at_margin=0.5,
                sigmoid="linear",
            )
            return standing * hopping, {"standing": standing, "hopping": hopping}
        small_control = jnp.mean(
            rewards.tolerance(data.ctrl, margin=1.0, value_at_margin=0.0, sigmoid="quadratic")
        )
        small_control = (small_control + 4.0) / 5.0
        return standing * small_control, {"standing": standing, "small_control": small_control}


def height(physics, data):
    """Height (m) of the torso's centre of mass above the foot's."""
    torso, foot = physics.names.ids("body", (TORSO, FOOT))
    return data.xipos[torso, 2] - data.xipos[foot, 2]


def speed(physics, data):
    """Horizontal velocity (m/s) of the hopper's centre of mass."""
    return data.sensordata[physics.names.sensor(COM_VELOCITY_SENSOR)][0]


@register("stand", tags=(BENCHMARKING,))
def stand(**overrides) -> Hopper:
    return Hopper(**{"hopping": False, **overrides})


@register("hop", tags=(BENCHMARKING,))
def hop(**overrides) -> Hopper:
    return Hopper(**{"hopping": True, **overrides})
