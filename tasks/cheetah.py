"""Cheetah: a planar two-legged runner that must move forwards (+x) as fast as it can.

Observation (``OrderedDict``, float32):
  * ``position`` (8,): every joint position except the horizontal ``rootx`` (so the observation does
    not depend on how far the cheetah has gone): ``rootz`` (m), ``rooty`` (rad), then the back leg's
    ``bthigh``, ``bshin``, ``bfoot`` and the front leg's ``fthigh``, ``fshin``, ``ffoot`` (rad).
  * ``velocity`` (9,): all joint velocities in model order (``rootx``, ``rootz``, ``rooty``, then
    the six leg hinges as above).

Action (6,) in [-1, 1]: motor torques at bthigh, bshin, bfoot, fthigh, fshin, ffoot (gears 120, 90,
60, 90, 60, 30).

Reward: ``tolerance(v_x, bounds=(10, inf), margin=10, sigmoid="linear", value_at_margin=0)``, i.e.
``clip(v_x / 10, 0, 1)``, where ``v_x`` is the x component of the ``torso_subtreelinvel`` sensor
(velocity of the cheetah's centre of mass, m/s).

Termination: never; episodes are truncated after 10 s (1000 steps of 0.01 s, one physics step each).

Reset: each of the six (limited) leg hinges ~ U(its range); the root joints stay at 0 (torso 0.7 m
above the ground, level). The cheetah then settles for 200 physics steps (2 s) with zero control,
and the clock is set back to 0.

dm_control quirk, reproduced: its reset computes the kinematics (positions, contacts, mass matrix,
spring forces) at the all-zero pose *before* the leg angles are drawn, and its first settle step
finishes that stale step (``mj_step2``) from the new angles. So the first settle step sees no joint
spring torques and no contacts of the drawn pose. We do the same: a forward pass at ``qpos0``, then
the new angles, then 200 of the env's own substeps (acceleration stage and integration first, then
the position/velocity stage), exactly dm_control's ``mj_step2``, 199 x ``mj_step``, ``mj_step1``.
With ``impl="warp"`` (no separate stages) each settle step is a plain ``mjx.step``, so the first one
uses fresh kinematics; the settled distribution is practically the same.

Parity: observations and reward match dm_control 1.0.50 one step after 256 shared states
(tests/parity/test_cheetah.py); the settled reset distribution passes a KS test per coordinate.
"""

from __future__ import annotations

import dataclasses
from collections import OrderedDict
from typing import ClassVar

import jax

from mjxcontrol import rewards
from mjxcontrol.registry import BENCHMARKING, register
from mjxcontrol.task import Task
from mjxcontrol.tasks.models import cheetah as cheetah_model

ROOT_JOINTS = ("rootx", "rootz", "rooty")
LEG_JOINTS = ("bthigh", "bshin", "bfoot", "fthigh", "fshin", "ffoot")
# Observed positions: all but the horizontal root slide.
POSITION_JOINTS = (*ROOT_JOINTS[1:], *LEG_JOINTS)
COM_VELOCITY_SENSOR = "torso_subtreelinvel"

TIME_LIMIT = 10.0
# Centre-of-mass speed (m/s) at and above which the reward is 1.
RUN_SPEED = 10.0
# Zero-control physics steps that let the cheetah settle at reset.
SETTLE_STEPS = 200


@dataclasses.dataclass(frozen=True)
class Cheetah(Task):
    """Cheetah run (dm_control ``cheetah/run``)."""

    time_limit: float = TIME_LIMIT
    settle_steps: ClassVar[int] = SETTLE_STEPS

    def model(self):
        return cheetah_model.spec()

    def initialize(self, physics, model, data, key):
        # ``data`` has qpos0's kinematics (settle_steps): the first settle step reuses them.
        return _randomize_legs(physics, data, key), ()

    def observe(self, physics, data, task_state):
        return OrderedDict(
            position=data.qpos[physics.names.qpos(*POSITION_JOINTS)],
            velocity=data.qvel,
        )

    def reward(self, physics, data, task_state):
        running = rewards.tolerance(
            _forward_speed(physics, data),
            bounds=(RUN_SPEED, float("inf")),
            margin=RUN_SPEED,
            sigmoid="linear",
            value_at_margin=0.0,
        )
        return running, {"running": running}


def _randomize_legs(physics, data, key):
    """Each leg hinge ~ U(its joint range); the root joints are left as they are."""
    m = physics.mj_model
    ids = physics.names.ids("joint", LEG_JOINTS)
    lo, hi = m.jnt_range[ids].T
    angles = jax.random.uniform(key, (len(LEG_JOINTS),), minval=lo, maxval=hi)
    return data.replace(qpos=data.qpos.at[physics.names.qpos(*LEG_JOINTS)].set(angles))


def _forward_speed(physics, data):
    return data.sensordata[physics.names.sensor(COM_VELOCITY_SENSOR)][0]


@register("run", tags=(BENCHMARKING,))
def run(**overrides) -> Cheetah:
    return Cheetah(**overrides)
