"""Walker: a planar biped that must stand up, walk or run forwards along +x.

Observation (``OrderedDict``, float32):
  * ``orientations`` (14,): ``[xx, xz]`` of the world rotation of each of the 7 bodies (torso,
    then right thigh, leg, foot, then left thigh, leg, foot; the world body is left out).
  * ``height`` (): height of the torso's origin above the ground (m).
  * ``velocity`` (9,): all joint velocities in model order: ``rootz``, ``rootx``, ``rooty``, then
    hip, knee and ankle of the right leg and of the left leg.

Action (6,) in [-1, 1]: motor torques at the right hip, knee, ankle and the left hip, knee, ankle
(gears 100, 50, 20).

Reward, with ``standing = tolerance(torso_z, bounds=(1.2, inf), margin=0.6)`` (gaussian),
``upright = (1 + torso_zz) / 2`` and ``stand = (3 * standing + upright) / 4``:
  * stand: ``stand``;
  * walk (s = 1 m/s) and run (s = 8 m/s): ``stand * (5 * move + 1) / 6`` with
    ``move = tolerance(v_x, bounds=(s, inf), margin=s / 2, sigmoid="linear",
    value_at_margin=0.5)``, where ``v_x`` is the x component of the ``torso_subtreelinvel`` sensor
    (velocity of the walker's centre of mass).

Termination: never; episodes are truncated after 25 s (1000 steps of 0.025 s, 10 physics steps of
0.0025 s each).

Reset: dm_control's shared joint randomiser: ``rooty`` ~ U(-pi, pi), every leg hinge ~ U(its
range); the unlimited slides ``rootz`` and ``rootx`` stay at 0 (torso origin at 1.3 m); zero
velocity. There is no contact check, so the walker may start inside the floor and be
pushed out on the first step.

Parity: observations and reward match dm_control 1.0.50 one step after 256 shared states per task
(tests/parity/test_walker.py); joint velocities to 1e-2 absolute, because float32 rounding is
amplified at foot touch-down (in float64 the same pipeline agrees to 5e-13).
"""

from __future__ import annotations

import dataclasses
from collections import OrderedDict

from mjxcontrol import randomizers, rewards
from mjxcontrol.observables import rotation_entries
from mjxcontrol.registry import BENCHMARKING, register
from mjxcontrol.task import Task
from mjxcontrol.tasks.models import walker as walker_model

TORSO = "torso"
BODIES = (
    "torso",
    "right_thigh",
    "right_leg",
    "right_foot",
    "left_thigh",
    "left_leg",
    "left_foot",
)
COM_VELOCITY_SENSOR = "torso_subtreelinvel"

TIME_LIMIT = 25.0
CONTROL_TIMESTEP = 0.025
# Torso height (m) at and above which the standing term is 1.
STAND_HEIGHT = 1.2
# Centre-of-mass speeds (m/s) at and above which the move term is 1.
WALK_SPEED = 1.0
RUN_SPEED = 8.0


@dataclasses.dataclass(frozen=True)
class PlanarWalker(Task):
    """Walker stand / walk / run (dm_control ``walker/*``).

    Attributes:
      move_speed: target forward speed (m/s); 0 rewards standing only.
    """

    move_speed: float = 0.0
    time_limit: float = TIME_LIMIT
    control_timestep: float | None = CONTROL_TIMESTEP

    def model(self):
        return walker_model.spec()

    def initialize(self, physics, model, data, key):
        return randomizers.randomize_limited_and_rotational_joints(physics, data, key), ()

    def observe(self, physics, data, task_state):
        return OrderedDict(
            orientations=orientations(physics, data),
            height=torso_height(physics, data),
            velocity=data.qvel,
        )

    def reward(self, physics, data, task_state):
        return walker_reward(physics, data, self.move_speed)


def walker_reward(physics, data, move_speed: float, prefix: str = ""):
    """``(reward, terms)`` of walker stand (``move_speed=0``), walk and run (see docstring).

    ``prefix`` is the walker's namescope when it is attached into a larger model (corridor).
    """
    standing = rewards.tolerance(
        torso_height(physics, data, prefix),
        bounds=(STAND_HEIGHT, float("inf")),
        margin=STAND_HEIGHT / 2,
    )
    upright = (1.0 + _torso_upright(physics, data, prefix)) / 2.0
    stand = (3.0 * standing + upright) / 4.0
    terms = {"standing": standing, "upright": upright}
    if move_speed == 0:
        return stand, terms
    move = rewards.tolerance(
        _horizontal_velocity(physics, data, prefix),
        bounds=(move_speed, float("inf")),
        margin=move_speed / 2,
        value_at_margin=0.5,
        sigmoid="linear",
    )
    terms["move"] = move
    return stand * (5.0 * move + 1.0) / 6.0, terms


def orientations(physics, data, prefix: str = ""):
    """``(14,)``: ``[xx, xz]`` of each walker body's world rotation, flattened."""
    bodies = [prefix + b for b in BODIES]
    return rotation_entries(physics, data, bodies, ("xx", "xz")).reshape(-1)


def torso_height(physics, data, prefix: str = ""):
    """Height (m) of the torso's origin."""
    return data.xpos[physics.names.id("body", prefix + TORSO), 2]


def _torso_upright(physics, data, prefix: str = ""):
    return data.xmat[physics.names.id("body", prefix + TORSO), 2, 2]


def _horizontal_velocity(physics, data, prefix: str = ""):
    return data.sensordata[physics.names.sensor(prefix + COM_VELOCITY_SENSOR)][0]


@register("stand", tags=(BENCHMARKING,))
def stand(**overrides) -> PlanarWalker:
    return PlanarWalker(**{"move_speed": 0.0, **overrides})


@register("walk", tags=(BENCHMARKING,))
def walk(**overrides) -> PlanarWalker:
    return PlanarWalker(**{"move_speed": WALK_SPEED, **overrides})


@register("run", tags=(BENCHMARKING,))
def run(**overrides) -> PlanarWalker:
    return PlanarWalker(**{"move_speed": RUN_SPEED, **overrides})
