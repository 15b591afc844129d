"""Humanoid: a 21-joint 3D biped that must stand up, walk or run in any horizontal direction.

Observation (``OrderedDict``, float32), stand / walk / run:
  * ``joint_angles`` (21,): the 21 hinge angles in model order (rad), i.e. ``qpos`` without the
    free root's 7 entries.
  * ``head_height`` (): height of the ``head`` body's origin (m).
  * ``extremities`` (12,): positions of ``left_hand``, ``left_foot``, ``right_hand``,
    ``right_foot`` (body origins) relative to the torso origin, in the torso frame (m).
  * ``torso_vertical`` (3,): the world z axis in the torso frame (``xmat`` row z: zx, zy, zz).
  * ``com_velocity`` (3,): linear velocity of the centre of mass (``torso_subtreelinvel``
    sensor), world frame (m/s).
  * ``velocity`` (27,): ``qvel``: root linear (m/s) and angular (rad/s) velocity, then the 21
    hinge velocities (rad/s).

run_pure_state instead observes ``position`` (28,) = ``qpos`` (root position (m), root
quaternion, 21 hinge angles) and ``velocity`` (27,) = ``qvel``.

Action (21,) in [-1, 1]: motor torques of the 21 hinges (gears 20 to 120, see
``tasks/models/humanoid.py``).

Reward: ``small_control * standing * upright * move`` with
  * ``standing = tolerance(head_z, bounds=(1.4, inf), margin=0.35)`` (gaussian);
  * ``upright = tolerance(torso_zz, bounds=(0.9, inf), margin=1.9, sigmoid="linear",
    value_at_margin=0)``;
  * ``small_control = (4 + mean(tolerance(ctrl, margin=1, sigmoid="quadratic",
    value_at_margin=0))) / 5`` of the raw (unclamped) control;
  * stand: ``move = mean(tolerance(v_xy, margin=2))`` (gaussian, each of the two horizontal
    centre-of-mass velocity components around 0);
  * walk (s = 1 m/s), run and run_pure_state (s = 10 m/s): ``move = (5 * tolerance(|v_xy|,
    bounds=(s, inf), margin=s, sigmoid="linear", value_at_margin=0) + 1) / 6``.

Termination: never; episodes are truncated after 25 s (1000 steps of 0.025 s, 5 physics steps of
0.005 s each).

Reset: dm_control's shared joint randomiser (root orientation a normalised ``U[0, 1)^4``
quaternion, root position kept at (0, 0, 1.5) m, every hinge ~ U(its range)), redrawn while any two
geoms touch (floor or self contact; dm_control's ``while ncon > 0`` loop). Here that is a bounded
in-graph loop of at most :data:`MAX_POSE_DRAWS` draws (``observables.redraw_while_in_contact``,
each draw checked with MJX's kinematics and collision detection). A draw is accepted with
probability ~0.74 (measured over 402 dm_control draws), so the cap is reached with probability
~1e-60; the last draw is then kept. Otherwise the distribution is dm_control's (not its random
stream).

Parity: observations and reward match dm_control 1.0.50 one step after 256 shared states per task
(tests/parity/test_humanoid.py); see the tolerances there.
"""

from __future__ import annotations

import dataclasses
from collections import OrderedDict
from typing import ClassVar

import jax.numpy as jnp

from mjxcontrol import randomizers, rewards
from mjxcontrol.observables import redraw_while_in_contact, relative_positions, rotation_entries
from mjxcontrol.registry import BENCHMARKING, register
from mjxcontrol.task import Task
from mjxcontrol.tasks.models import humanoid as humanoid_model

TORSO = "torso"
HEAD = "head"
ROOT = "root"
EXTREMITIES = ("left_hand", "left_foot", "right_hand", "right_foot")
COM_VELOCITY_SENSOR = "torso_subtreelinvel"

TIME_LIMIT = 25.0
CONTROL_TIMESTEP = 0.025
# Head height (m) at and above which the standing term is 1.
STAND_HEIGHT = 1.4
# Torso zz at and above which the upright term is 1.
UPRIGHT_ZZ = 0.9
# Horizontal centre-of-mass speeds (m/s) at and above which the move term is 1.
WALK_SPEED = 1.0
RUN_SPEED = 10.0
# Reset: pose draws before giving up on a contact-free one (see the module docstring).
MAX_POSE_DRAWS = 100


@dataclasses.dataclass(frozen=True)
class Humanoid(Task):
    """Humanoid stand / walk / run / run_pure_state (dm_control ``humanoid/*``).

    Attributes:
      move_speed: target horizontal speed (m/s); 0 rewards standing still.
      pure_state: observe ``qpos`` and ``qvel`` only.
    """

    move_speed: float = 0.0
    pure_state: bool = False
    time_limit: float = TIME_LIMIT
    control_timestep: float | None = CONTROL_TIMESTEP

    # The model's names, which humanoid_CMU replaces (tasks/humanoid_CMU.py).
    torso: ClassVar[str] = TORSO
    head: ClassVar[str] = HEAD
    extremities: ClassVar[tuple[str, ...]] = EXTREMITIES
    com_velocity_sensor: ClassVar[str] = COM_VELOCITY_SENSOR
    # The torso rotation entry that measures uprightness: the world z part of its up axis.
    upright_entry: ClassVar[str] = "zz"
    max_pose_draws: ClassVar[int] = MAX_POSE_DRAWS

    def model(self):
        return humanoid_model.spec()

    def initialize(self, physics, model, data, key):
        def draw(k):
            return randomizers.randomize_limited_and_rotational_joints(physics, data, k)

        return redraw_while_in_contact(physics, model, draw, key, self.max_pose_draws), ()

    def observe(self, physics, data, task_state):
        if self.pure_state:
            return OrderedDict(position=data.qpos, velocity=data.qvel)
        names = physics.names
        return OrderedDict(
            joint_angles=data.qpos[names.qpos(*_hinges(physics))],
            head_height=data.xpos[names.id("body", self.head), 2],
            extremities=relative_positions(physics, data, self.torso, self.extremities).reshape(-1),
            torso_vertical=rotation_entries(physics, data, [self.torso], ("zx", "zy", "zz"))[0],
            com_velocity=self._com_velocity(physics, data),
            velocity=data.qvel,
        )

    def reward(self, physics, data, task_state):
        names = physics.names
        return humanoid_reward(
            head_height=data.xpos[names.id("body", self.head), 2],
            torso_up=rotation_entries(physics, data, [self.torso], (self.upright_entry,))[0, 0],
            ctrl=data.ctrl,
            com_velocity=self._com_velocity(physics, data),
            move_speed=self.move_speed,
        )

    def _com_velocity(self, physics, data):
        return data.sensordata[physics.names.sensor(self.com_velocity_sensor)]


def humanoid_reward(head_height, torso_up, ctrl, com_velocity, move_speed: float):
    """``(reward, terms)`` of humanoid and humanoid_CMU (the module docstring's formula).

    Args:
      head_height: head height (m), scalar.
      torso_up: how far the torso's up axis points up (torso ``zz``; humanoid_CMU's thorax
        ``zy``), scalar in [-1, 1].
      ctrl: raw control, shape ``(nu,)``.
      com_velocity: centre-of-mass velocity (m/s), shape ``(3,)``; only x and y count.
      move_speed: target horizontal speed (m/s); 0 rewards standing still.
    """
    standing = rewards.tolerance(
        head_height, bounds=(STAND_HEIGHT, float("inf")), margin=STAND_HEIGHT / 4
    )
    upright = rewards.tolerance(
        torso_up,
        bounds=(UPRIGHT_ZZ, float("inf")),
        margin=1.9,
        sigmoid="linear",
        value_at_margin=0.0,
    )
    small_control = rewards.tolerance(ctrl, margin=1.0, sigmoid="quadratic", value_at_margin=0.0)
    small_control = (4.0 + jnp.mean(small_control)) / 5.0
    horizontal_velocity = com_velocity[:2]
    if move_speed == 0:
        move = jnp.mean(rewards.tolerance(horizontal_velocity, margin=2.0))
    else:
        move = rewards.tolerance(
            jnp.linalg.norm(horizontal_velocity),
            bounds=(move_speed, float("inf")),
            margin=move_speed,
            sigmoid="linear",
            value_at_margin=0.0,
        )
        move = (5.0 * move + 1.0) / 6.0
    terms = {"standing": standing, "upright": upright, "small_control": small_control, "move": move}
    return small_control * standing * upright * move, terms


def _hinges(physics) -> tuple[str, ...]:
    """Every joint but the free root, in model order."""
    return tuple(j for j in physics.names.all("joint") if j != ROOT)


@register("stand", tags=(BENCHMARKING,))
def stand(**overrides) -> Humanoid:
    return Humanoid(**{"move_speed": 0.0, **overrides})


@register("walk", tags=(BENCHMARKING,))
def walk(**overrides) -> Humanoid:
    return Humanoid(**{"move_speed": WALK_SPEED, **overrides})


@register("run", tags=(BENCHMARKING,))
def run(**overrides) -> Humanoid:
    return Humanoid(**{"move_speed": RUN_SPEED, **overrides})


@register("run_pure_state")
def run_pure_state(**overrides) -> Humanoid:
    return Humanoid(**{"move_speed": RUN_SPEED, "pure_state": True, **overrides})
