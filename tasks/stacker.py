"""Stacker: a planar arm must put a box onto a target spot on a stack, with its hand away.

Observation (``OrderedDict``, float32), with ``n`` the number of boxes (2 or 4):
  * ``arm_pos`` (8, 2): [sin, cos] of the arm's hinges ``arm_root``, ``arm_shoulder``,
    ``arm_elbow``, ``arm_wrist``, ``finger``, ``fingertip``, ``thumb``, ``thumbtip``.
  * ``arm_vel`` (8,): their angular velocities (rad/s).
  * ``touch`` (5,): ``log1p`` of the palm, finger, thumb, fingertip and thumbtip touch sensors (N).
  * ``hand_pos`` (4,): the hand's world [x, z, qw, qy] (m; quaternion entries).
  * ``box_pos`` (n, 4): each box's world [x, z, qw, qy].
  * ``box_vel`` (3n,): per box, its ``x`` slide (m/s), ``y`` hinge (rad/s) and ``z`` slide (m/s)
    velocities.
  * ``target_pos`` (2,): the target's [x, z] (m).

Action (5,) in [-1, 1]: torques of the root (gear 12), shoulder (8), elbow (4) and wrist (2)
motors and of the ``grasp`` tendon (2), which closes the two digits together.

Reward: ``box_close * hand_far`` with
  * ``box_close = tolerance(d_box, bounds=(0, 0), margin=2 s)``, ``d_box`` the smallest distance
    between a box's centre site and the target's, ``s`` = 0.022 m the boxes' half-size (gaussian);
  * ``hand_far = tolerance(d_hand, bounds=(0.1, inf), margin=0.01)``, ``d_hand`` the distance from
    the ``grasp`` site to the target (gaussian).

Termination: never; episodes are truncated after 10 s (1000 steps of 0.01 s, 10 physics steps of
0.001 s each).

Reset: the arm's hinges ~ U(range) (``arm_root`` ~ U(-pi, pi)) with the finger at the thumb's
angle; every box at x ~ U(0.1, 0.3) m, z ~ U(0, 0.7) m, angle ~ U(0, 2 pi); zero velocity. The
target's centre is at x ~ U(-0.37, 0.37) m and z = s (2k + 1) for k ~ U{0, ..., n - 1} (the top
of a stack of k boxes). dm_control redraws all of it while any two geoms touch; here the pose draw
is a bounded in-graph loop of at most :data:`MAX_POSE_DRAWS` draws
(``observables.redraw_while_in_contact``). The target is a ghost that touches nothing, so drawing
it once outside the loop gives the same distribution.

Target state: ``task_state`` is the target's centre ``[x, z]`` (float32, shape (2,); m).
dm_control writes it into the model (``body_pos``); here :meth:`state_params` turns it into a
per-env ``body_pos`` override (``state.episode_params``) of the ghost ``target`` body, so the
observation, the reward and renderings read it from the model as in dm_control.

Parity: observations and reward match dm_control 1.0.50 one step after shared states
(tests/parity/test_stacker.py; tolerances there).
"""

from __future__ import annotations

import dataclasses
from collections import OrderedDict

import jax
import jax.numpy as jnp
import numpy as np

from mjxcontrol import rewards
from mjxcontrol.observables import redraw_while_in_contact
from mjxcontrol.registry import HARD, register
from mjxcontrol.task import Task
from mjxcontrol.tasks import _arm
from mjxcontrol.tasks.models import stacker as stacker_model

BOX_HALF_SIZE = stacker_model.BOX_HALF_SIZE
TARGET = "target"
# Reset ranges (m, rad).
TARGET_X_RANGE = (-0.37, 0.37)
BOX_X_RANGE = (0.1, 0.3)
BOX_Z_RANGE = (0.0, 0.7)
BOX_ANGLE_RANGE = (0.0, 2 * np.pi)
# Hand-to-target distance (m) from which the hand counts as far.
HAND_FAR = 0.1
# Reset: pose draws before giving up on a contact-free one. dm_control accepts a draw with
# probability 0.32 (stack_2) and 0.19 (stack_4), measured over 400 of its resets each, so all 100
# fail with probability below 1e-9; the last draw is then kept.
MAX_POSE_DRAWS = 100


@dataclasses.dataclass(frozen=True)
class Stacker(Task):
    """Stacker stack_2 / stack_4 (dm_control ``stacker/*``, fully observable).

    Attributes:
      n_boxes: boxes in the scene (2 or 4; 1 to 4 are valid models).
    """

    n_boxes: int = 2
    time_limit: float = _arm.TIME_LIMIT
    control_timestep: float | None = _arm.CONTROL_TIMESTEP

    def model(self):
        return stacker_model.spec(self.n_boxes)

    @property
    def boxes(self) -> tuple[str, ...]:
        return tuple(f"box{i}" for i in range(self.n_boxes))

    def state_params(self, physics, params, task_state):
        body_pos = jnp.asarray(params.get("body_pos", physics.model.body_pos))
        target = physics.names.id("body", TARGET)
        return {"body_pos": body_pos.at[target, np.array([0, 2])].set(task_state)}

    def initialize(self, physics, model, data, key):
        target_key, pose_key = jax.random.split(key)
        names = physics.names
        box_qpos = {
            axis: names.qpos(*(f"{box}_{axis}" for box in self.boxes)) for axis in ("x", "z", "y")
        }

        def draw(k):
            arm_key, x_key, z_key, angle_key = jax.random.split(k, 4)
            qpos = _arm.random_arm(physics, data.qpos, arm_key)
            shape = (self.n_boxes,)
            qpos = qpos.at[box_qpos["x"]].set(_arm.uniform(x_key, shape, BOX_X_RANGE))
            qpos = qpos.at[box_qpos["z"]].set(_arm.uniform(z_key, shape, BOX_Z_RANGE))
            angles = _arm.uniform(angle_key, shape, BOX_ANGLE_RANGE)
            return data.replace(qpos=qpos.at[box_qpos["y"]].set(angles))

        data = redraw_while_in_contact(physics, model, draw, pose_key, MAX_POSE_DRAWS)
        return data, sample_target(target_key, self.n_boxes)

    def observe(self, physics, data, task_state):
        joints = [f"{box}_{axis}" for box in self.boxes for axis in ("x", "y", "z")]
        return OrderedDict(
            **_arm.arm_observations(physics, data),
            hand_pos=_arm.body_2d_pose(physics, data, [_arm.HAND])[0],
            box_pos=_arm.body_2d_pose(physics, data, self.boxes),
            box_vel=data.qvel[physics.names.qvel(*joints)],
            target_pos=data.xpos[physics.names.id("body", TARGET), np.array([0, 2])],
        )

    def reward(self, physics, data, task_state):
        target = data.site_xpos[physics.names.id("site", TARGET)]
        box_sites = data.site_xpos[physics.names.ids("site", self.boxes)]
        box_to_target = jnp.min(jnp.linalg.norm(box_sites - target, axis=-1))
        box_close = rewards.tolerance(box_to_target, margin=2 * BOX_HALF_SIZE)
        grasp = data.site_xpos[physics.names.id("site", _arm.GRASP)]
        hand_far = rewards.tolerance(
            jnp.linalg.norm(grasp - target), bounds=(HAND_FAR, float("inf")), margin=_arm.CLOSE
        )
        return box_close * hand_far, {"box_close": box_close, "hand_far": hand_far}


def sample_target(key: jax.Array, n_boxes: int) -> jax.Array:
    """The target centre ``[x, z]`` (m): on the floor or on top of a stack of up to n - 1 boxes."""
    x_key, level_key = jax.random.split(key)
    x = _arm.uniform(x_key, (), TARGET_X_RANGE)
    level = jax.random.randint(level_key, (), 0, n_boxes)
    return jnp.stack([x, BOX_HALF_SIZE * (2 * level + 1)]).astype(jnp.float32)


@register("stack_2", tags=(HARD,))
def stack_2(**overrides) -> Stacker:
    return Stacker(**{"n_boxes": 2, **overrides})


@register("stack_4", tags=(HARD,))
def stack_4(**overrides) -> Stacker:
    return Stacker(**{"n_boxes": 4, **overrides})
