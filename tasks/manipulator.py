"""Manipulator: a planar arm must bring a ball or a peg to a target, or insert it into a receptacle.

Observation (``OrderedDict``, float32):
  * ``arm_pos`` (8, 2): [sin, cos] of the arm's hinges ``arm_root``, ``arm_shoulder``,
    ``arm_elbow``, ``arm_wrist``, ``finger``, ``fingertip``, ``thumb``, ``thumbtip``.
  * ``arm_vel`` (8,): their angular velocities (rad/s).
  * ``touch`` (5,): ``log1p`` of the palm, finger, thumb, fingertip and thumbtip touch sensors (N).
  * ``hand_pos`` (4,): the hand's world [x, z, qw, qy] (m; quaternion entries).
  * ``object_pos`` (4,): the same for the object (``ball`` or ``peg``).
  * ``object_vel`` (3,): the object's ``x`` slide (m/s), ``z`` slide (m/s) and ``y`` hinge (rad/s)
    velocities.
  * ``target_pos`` (4,): the target's [x, z, qw, qy].

Action (5,) in [-1, 1]: torques of the root (gear 12), shoulder (8), elbow (4) and wrist (2)
motors and of the ``grasp`` tendon (2), which closes the two digits together.

Reward, with ``close(d) = tolerance(d, bounds=(0, 0.01), margin=0.02)`` (gaussian) of distances
between sites (m):
  * ball tasks: ``close(|ball - target_ball|)``;
  * peg tasks: ``max(bringing, grasping / 3)`` with ``bringing`` the mean of ``close(|peg -
    target_peg|)`` and ``close(|peg_tip - target_peg_tip|)`` and ``grasping`` the mean of
    ``close(|peg_grasp - grasp|)`` and ``close(|peg_pinch - pinch|)``.
  insert_* reward exactly as bring_*: only the receptacle and the target's angle range differ.

Termination: never; episodes are truncated after 10 s (1000 steps of 0.01 s, 10 physics steps of
0.001 s each).

Reset (dm_control's distribution, all of it redrawn while any two geoms touch):
  * the arm's hinges ~ U(range) (``arm_root`` ~ U(-pi, pi)), the finger at the thumb's angle;
  * the target at x ~ U(-0.4, 0.4) m, z ~ U(0.1, 0.4) m, angle ~ U(-pi, pi) (bring) or
    U(-pi/3, pi/3) (insert, which places the receptacle at the same pose);
  * the object: with probability 0.1 in the hand (at the ``grasp`` site, along its direction), 0.1
    in the target (same pose), else x ~ U(-0.5, 0.5) m, z ~ U(0, 0.7) m, angle ~ U(0, 2 pi) and
    x-velocity ~ U(-5, 5) m/s. As in dm_control that velocity is kept by later draws that do not
    set one.
  The loop is bounded here: at most :data:`MAX_POSE_DRAWS` draws (``observables.redraw_while``).

Target state: ``task_state`` is the target's pose ``[x, z, angle]`` (float32, shape (3,); m, m,
rad). dm_control writes it into the model inside its rejection loop; here :meth:`state_params`
turns it into per-env ``body_pos`` / ``body_quat`` overrides (``state.episode_params``) of the
target and, for insert, the receptacle, which collides. So observations, reward, contacts and
renderings read the pose from the model as in dm_control.

Parity: observations and reward match dm_control 1.0.50 one step after shared states
(tests/parity/test_manipulator.py; tolerances there).
"""

from __future__ import annotations

import dataclasses
from collections import OrderedDict

import jax
import jax.numpy as jnp
import numpy as np

from mjxcontrol import rewards
from mjxcontrol._mjx import mjx
from mjxcontrol.observables import in_contact, redraw_while
from mjxcontrol.physics import model_with
from mjxcontrol.registry import BENCHMARKING, HARD, register
from mjxcontrol.task import Task
from mjxcontrol.tasks import _arm
from mjxcontrol.tasks.models import manipulator as manipulator_model

# Reset: target ranges (m, rad), object placements and their probabilities.
TARGET_X_RANGE = (-0.4, 0.4)
TARGET_Z_RANGE = (0.1, 0.4)
BRING_ANGLE = np.pi
INSERT_ANGLE = np.pi / 3
P_IN_HAND = 0.1
P_IN_TARGET = 0.1
OBJECT_X_RANGE = (-0.5, 0.5)
OBJECT_Z_RANGE = (0.0, 0.7)
OBJECT_ANGLE_RANGE = (0.0, 2 * np.pi)
OBJECT_SPEED = 5.0  # uniform placements get an x velocity ~ U(-this, this) (m/s)
# Reset: draws before giving up on a contact-free one. dm_control accepts a draw with probability
# 0.41 (bring_ball), 0.35 (bring_peg), 0.32 (insert_ball) and 0.30 (insert_peg), measured over 400
# of its resets each, so all 100 fail with probability below 1e-15; the last draw is then kept.
MAX_POSE_DRAWS = 100
# peg: weight of grasping relative to bringing.
GRASP_WEIGHT = 1 / 3


@dataclasses.dataclass(frozen=True)
class Manipulator(Task):
    """Manipulator bring_ball / bring_peg / insert_ball / insert_peg (fully observable).

    Attributes:
      use_peg: carry the peg (True) or the ball (False).
      insert: add the receptacle (slot for the peg, cup for the ball) at the target.
    """

    use_peg: bool = False
    insert: bool = False
    time_limit: float = _arm.TIME_LIMIT
    control_timestep: float | None = _arm.CONTROL_TIMESTEP

    def model(self):
        return manipulator_model.spec(self.use_peg, self.insert)

    @property
    def object(self) -> str:
        return "peg" if self.use_peg else "ball"

    @property
    def target(self) -> str:
        return f"target_{self.object}"

    @property
    def moved_bodies(self) -> tuple[str, ...]:
        """Bodies placed at the target's pose each episode."""
        return (self.target, "slot" if self.use_peg else "cup") if self.insert else (self.target,)

    def state_params(self, physics, params, task_state):
        ids = physics.names.ids("body", self.moved_bodies)
        body_pos = jnp.asarray(params.get("body_pos", physics.model.body_pos))
        body_quat = jnp.asarray(params.get("body_quat", physics.model.body_quat))
        x, z, angle = task_state[0], task_state[1], task_state[2]
        body_pos = body_pos.at[ids[:, None], np.array([0, 2])].set(jnp.stack([x, z]))
        half = angle / 2
        body_quat = body_quat.at[ids[:, None], np.array([0, 2])].set(
            jnp.stack([jnp.cos(half), jnp.sin(half)])
        )
        return {"body_pos": body_pos, "body_quat": body_quat}

    def initialize(self, physics, model, data, key):
        names = physics.names
        object_qpos = names.qpos(*(f"{self.object}_{axis}" for axis in ("x", "z", "y")))
        object_vx = names.qvel(f"{self.object}_x")
        grasp = names.id("site", _arm.GRASP)
        max_angle = INSERT_ANGLE if self.insert else BRING_ANGLE

        # The loop carries (target, qpos, qvel), not the whole ``mjx.Data``: under impl="warp"
        # the data holds contact buffers the batch shares, which a vmapped loop cannot carry.
        def draw(k, previous):
            keys = jax.random.split(k, 8)
            _, _, qvel = previous
            qpos = _arm.random_arm(physics, data.qpos, keys[0])
            target = jnp.stack(
                [
                    _arm.uniform(keys[1], (), TARGET_X_RANGE),
                    _arm.uniform(keys[2], (), TARGET_Z_RANGE),
                    _arm.uniform(keys[3], (), (-max_angle, max_angle)),
                ]
            )
            # in the hand: the grasp site's position and direction with the arm just drawn
            arm = mjx.kinematics(model, data.replace(qpos=qpos))
            direction = arm.site_xmat[grasp]
            in_hand = jnp.stack(
                [
                    arm.site_xpos[grasp, 0],
                    arm.site_xpos[grasp, 2],
                    np.pi - jnp.arctan2(direction[2, 0], direction[0, 0]),
                ]
            )
            uniform = jnp.stack(
                [
                    _arm.uniform(keys[4], (), OBJECT_X_RANGE),
                    _arm.uniform(keys[5], (), OBJECT_Z_RANGE),
                    _arm.uniform(keys[6], (), OBJECT_ANGLE_RANGE),
                ]
            )
            kind = jax.random.choice(
                keys[7], 3, p=jnp.array([P_IN_HAND, P_IN_TARGET, 1 - P_IN_HAND - P_IN_TARGET])
            )
            pose = jnp.select([kind == 0, kind == 1], [in_hand, target], uniform)
            speed = _arm.uniform(jax.random.fold_in(keys[7], 1), (), (-OBJECT_SPEED, OBJECT_SPEED))
            qvel = jnp.where(kind == 2, qvel.at[object_vx].set(speed), qvel)
            return target, qpos.at[object_qpos].set(pose), qvel

        def rejected(sample):
            target, qpos, qvel = sample
            moved = model_with(model, self.state_params(physics, {}, target))
            return in_contact(physics, moved, data.replace(qpos=qpos, qvel=qvel))

        start = (jnp.zeros(3, jnp.float32), data.qpos, data.qvel)
        target, qpos, qvel = redraw_while(draw, rejected, key, MAX_POSE_DRAWS, start)
        return data.replace(qpos=qpos, qvel=qvel), target.astype(jnp.float32)

    def observe(self, physics, data, task_state):
        joints = [f"{self.object}_{axis}" for axis in ("x", "z", "y")]
        return OrderedDict(
            **_arm.arm_observations(physics, data),
            hand_pos=_arm.body_2d_pose(physics, data, [_arm.HAND])[0],
            object_pos=_arm.body_2d_pose(physics, data, [self.object])[0],
            object_vel=data.qvel[physics.names.qvel(*joints)],
            target_pos=_arm.body_2d_pose(physics, data, [self.target])[0],
        )

    def reward(self, physics, data, task_state):
        def close(site1, site2):
            distance = _arm.site_distance(physics, data, site1, site2)
            return rewards.tolerance(distance, bounds=(0.0, _arm.CLOSE), margin=2 * _arm.CLOSE)

        if not self.use_peg:
            near = close("ball", "target_ball")
            return near, {"bring": near}
        grasping = (close("peg_grasp", "grasp") + close("peg_pinch", "pinch")) / 2
        bringing = (close("peg", "target_peg") + close("target_peg_tip", "peg_tip")) / 2
        reward = jnp.maximum(bringing, GRASP_WEIGHT * grasping)
        return reward, {"bringing": bringing, "grasping": grasping}


@register("bring_ball", tags=(BENCHMARKING, HARD))
def bring_ball(**overrides) -> Manipulator:
    return Manipulator(**overrides)


@register("bring_peg", tags=(HARD,))
def bring_peg(**overrides) -> Manipulator:
    return Manipulator(**{"use_peg": True, **overrides})


@register("insert_ball", tags=(HARD,))
def insert_ball(**overrides) -> Manipulator:
    return Manipulator(**{"insert": True, **overrides})


@register("insert_peg", tags=(HARD,))
def insert_peg(**overrides) -> Manipulator:
    return Manipulator(**{"use_peg": True, "insert": True, **overrides})
