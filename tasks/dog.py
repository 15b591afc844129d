"""dog: a 73-hinge dog skeleton must stand, walk, trot, run or fetch a thrown ball.

Observation (``OrderedDict``, float32), in dm_control's order and with its key names:
  * ``joint_angles`` (73,): the hinge angles in model order (rad), ``qpos[7:80]``.
  * ``joint_velocites`` (73,): their velocities (rad/s). dm_control misspells the key; so do we.
  * ``torso_pelvis_height`` (2,): world z of the ``torso`` and ``pelvis`` body origins (m).
  * ``z_projection`` (9,): the z rows (zx, zy, zz) of the skull's, torso's and pelvis' rotation
    matrices: each body's axes projected on the world z axis.
  * ``torso_com_velocity`` (3,): the torso subtree's centre-of-mass velocity in the torso frame
    (m/s).
  * ``inertial_sensors`` (9,): accelerometer (m/s^2), velocimeter (m/s) and gyro (rad/s) at the
    ``head`` site, in its frame.
  * ``foot_forces`` (12,): the force sensors at the foot and hand anchors, L then R (N).
  * ``touch_sensors`` (4,): palm and sole touch readings, palm_L, palm_R, sole_L, sole_R (N).
  * ``actuator_state`` (38,): the actuators' filtered controls ``act``.
  * fetch adds ``ball_state`` (6,): the ball's position and velocity relative to the ``head``
    site, in its frame (m, m/s), and ``target_position`` (3,): the target's, likewise (m).

Action (38,) in [-1, 1]: the 8 spine and tail tendon actuators, then the 30 joint actuators
(``tasks/models/dog.py``: ``ACTUATORS``); each drives its ``act`` with a 0.05 s filter.

Reward, in [0, 1], the product of factors (``rewards.tolerance``):
  * torso and pelvis height: 1 at or above 0.9x their heights in the model's default pose, a
    gaussian margin of that height below;
  * upright: for each of skull, torso and pelvis, its zz at or above cos 30 deg, falling
    linearly to 0 over a margin of 1 + cos 30 deg (three factors);
  * touch: the summed touch readings at or above the body weight (9.81 m/s^2 x the torso subtree's
    mass), falling linearly to 0.9 at 0;
  * walk, trot, run (speed s = 1, 3, 9 m/s): (4 f + 1) / 5 with f the torso-frame forward
    centre-of-mass velocity within [s, 2 s], linear to 0 over a margin of max(1, s);
  * fetch: reach = (6 g + 1) / 7, g the mean distance of the ball to the two bite sites within
    [0, 5 mm] with a reciprocal margin of 2 m (1 once the ball is within 0.2 m of the target), and
    fetch = (h + 1) / 2, h the ball-to-target distance within [0, 0.1 m], reciprocal margin 10 m.

Termination: never; episodes are truncated after 15 s (1000 steps of 0.015 s, 3 physics steps of
0.005 s each).

Reset (dm_control's distribution, not its random stream): the default pose with the root turned
to a yaw ~ U(0, 2 pi); horizontal root velocities and the yaw rate ~ 2 N(0, 1) (m/s, rad/s); every
``act`` ~ U(-1, 1). Fetch throws the ball from 7.5 m out at a random azimuth, 5 cm up, towards the
centre (direction noise 0.05 N(0, 1) per axis) at a horizontal speed ~ U(0, 5) m/s and an upward
speed sqrt(2 g h), h ~ U(0, 3) m.

Implementation: MJX-Warp by default (``impl="warp"``): MJX's JAX impl has no ellipsoid-box or
cylinder-box collisions (the torso and teeth against the skull, jaw and paws) and no noslip
solver, which the model uses; MJX-Warp has both.

Parity: observations and reward match dm_control 1.0.50 one step after shared states
(tests/parity/test_dog.py; see the tolerances there).
"""

from __future__ import annotations

import dataclasses
from collections import OrderedDict
from typing import ClassVar

import jax
import jax.numpy as jnp
import mujoco
import numpy as np

from mjxcontrol import rewards
from mjxcontrol.observables import point_velocity, rotation_entries, to_body_frame
from mjxcontrol.registry import HARD, register
from mjxcontrol.task import Task
from mjxcontrol.tasks.models import dog as dog_model

TIME_LIMIT = 15.0
CONTROL_TIMESTEP = 0.015
# Heights (fraction of the default pose's) at and above which the height factors are 1.
STAND_HEIGHT_FRACTION = 0.9
MIN_UPRIGHT_COSINE = float(np.cos(np.deg2rad(30)))
WALK_SPEED, TROT_SPEED, RUN_SPEED = 1.0, 3.0, 9.0
# Reset: scale (m/s, rad/s) of the normal draws of the root's horizontal and yaw velocities.
ROOT_SPEED_SCALE = 2.0
# Fetch's throw: spawn radius (fraction of the floor's half-width), height (m), apex range (m),
# horizontal speed range (m/s) and direction noise.
BALL_SPAWN_FRACTION, BALL_SPAWN_HEIGHT = 0.75, 0.05
BALL_MAX_APEX, BALL_MAX_SPEED, BALL_DIRECTION_NOISE = 3.0, 5.0, 0.05
BITE_MARGIN = 2.0  # m
# MJX-Warp's buffers per env (contact slots, constraint rows). dm_control's dog under random
# actions (6 episodes x 300 steps each of walk and fetch, C MuJoCo) peaked at 35 contacts and 201
# rows (fetch), so these leave ~3x room; a step that fills one is flagged as a physics error.
WARP_BUFFERS = (128, 640)

ROOT, TORSO, PELVIS, SKULL, HEAD = "root", "torso", "pelvis", "skull", "head"
BALL, BALL_ROOT, TARGET, FLOOR = "ball", "ball_root", "target", "floor"
TOUCH = ("palm_L", "palm_R", "sole_L", "sole_R")
FORCES = ("foot_L", "foot_R", "hand_L", "hand_R")
INERTIAL = ("accelerometer", "velocimeter", "gyro")


@dataclasses.dataclass(frozen=True)
class Dog(Task):
    """dog stand / walk / trot / run / fetch (dm_control ``dog/*``).

    Attributes:
      move_speed: target forward speed (m/s); ``None`` for stand and fetch (no forward factor).
      fetch: throw a ball that must be brought to the central target.
    """

    move_speed: float | None = None
    fetch: bool = False
    time_limit: float = TIME_LIMIT
    control_timestep: float | None = CONTROL_TIMESTEP

    default_impl: ClassVar[str] = "warp"
    warp_buffers: ClassVar[tuple[int, int]] = WARP_BUFFERS

    @property
    def floor_size(self) -> float:
        """Floor half-width (m): fetch's arena, or 15 s at the task's speed (at least 1 m/s)."""
        if self.fetch:
            return dog_model.FETCH_FLOOR_SIZE
        return max(self.move_speed or WALK_SPEED, WALK_SPEED) * TIME_LIMIT

    def model(self):
        return dog_model.spec(self.floor_size, ball=self.fetch)

    def initialize(self, physics, model, data, key):
        names = physics.names
        yaw_key, speed_key, act_key, ball_key = jax.random.split(key, 4)
        yaw = jax.random.uniform(yaw_key, minval=0.0, maxval=2 * jnp.pi)
        root_qpos, root_qvel = names.qpos(ROOT), names.qvel(ROOT)
        qpos = data.qpos.at[root_qpos[3:]].set(
            jnp.stack([jnp.cos(yaw / 2), 0.0, 0.0, jnp.sin(yaw / 2)])
        )
        speeds = ROOT_SPEED_SCALE * jax.random.normal(speed_key, (3,))
        qvel = data.qvel.at[root_qvel[np.array([0, 1, 5])]].set(speeds)
        lo, hi = physics.mj_model.actuator_ctrlrange.T
        act = jax.random.uniform(act_key, lo.shape, minval=lo, maxval=hi)
        if self.fetch:
            qpos, qvel = _throw_ball(physics, qpos, qvel, ball_key)
        return data.replace(qpos=qpos, qvel=qvel, act=act), ()

    def observe(self, physics, data, task_state):
        names = physics.names
        hinges = names.qpos(*dog_model.hinge_names())
        hinge_dofs = names.qvel(*dog_model.hinge_names())
        obs = OrderedDict(
            joint_angles=data.qpos[hinges],
            joint_velocites=data.qvel[hinge_dofs],
            torso_pelvis_height=_heights(physics, data),
            z_projection=rotation_entries(
                physics, data, (SKULL, TORSO, PELVIS), ("zx", "zy", "zz")
            ).reshape(-1),
            torso_com_velocity=_torso_com_velocity(physics, data),
            inertial_sensors=_sensors(physics, data, INERTIAL),
            foot_forces=_sensors(physics, data, FORCES),
            touch_sensors=_sensors(physics, data, TOUCH),
            actuator_state=data.act,
        )
        if self.fetch:
            head = names.id("site", HEAD)
            head_pos, head_frame = data.site_xpos[head], data.site_xmat[head]
            ball = data.geom_xpos[names.id("geom", BALL)] - head_pos
            ball_vel = data.qvel[names.qvel(BALL_ROOT)[:3]] - point_velocity(
                physics, data, SKULL, head_pos
            )
            target = data.geom_xpos[names.id("geom", TARGET)] - head_pos
            obs["ball_state"] = jnp.concatenate([ball @ head_frame, ball_vel @ head_frame])
            obs["target_position"] = target @ head_frame
        return obs

    def reward(self, physics, data, task_state):
        terms = _standing_terms(physics, data)
        if self.move_speed is not None:
            speed = self.move_speed
            forward = rewards.tolerance(
                _torso_com_velocity(physics, data)[0],
                bounds=(speed, 2 * speed),
                margin=max(1.0, speed),
                value_at_margin=0.0,
                sigmoid="linear",
            )
            terms["forward"] = (4 * forward + 1) / 5
        if self.fetch:
            terms.update(_fetch_terms(physics, data))
        reward = jnp.prod(jnp.stack(list(terms.values())))
        return reward, terms


def stand_heights(physics) -> np.ndarray:
    """``STAND_HEIGHT_FRACTION`` of the torso's and pelvis' heights in the default pose (m)."""
    m = physics.mj_model
    d = mujoco.MjData(m)
    mujoco.mj_kinematics(m, d)
    ids = [physics.names.id("body", name) for name in (TORSO, PELVIS)]
    return STAND_HEIGHT_FRACTION * d.xpos[ids, 2]


def body_weight(physics) -> float:
    """Weight of the dog (N): gravity times the torso subtree's mass."""
    m = physics.mj_model
    return float(-m.opt.gravity[2] * m.body_subtreemass[physics.names.id("body", TORSO)])


def _standing_terms(physics, data) -> dict:
    targets = stand_heights(physics)
    heights = _heights(physics, data)
    terms = {
        part: rewards.tolerance(heights[i], bounds=(float(target), float("inf")),
                                margin=float(target))
        for i, (part, target) in enumerate(zip((TORSO, PELVIS), targets, strict=True))
    }  # fmt: skip
    upright = rewards.tolerance(
        rotation_entries(physics, data, (SKULL, TORSO, PELVIS), ("zz",))[:, 0],
        bounds=(MIN_UPRIGHT_COSINE, float("inf")),
        sigmoid="linear",
        margin=MIN_UPRIGHT_COSINE + 1,
        value_at_margin=0.0,
    )
    terms.update({f"upright_{part}": upright[i] for i, part in enumerate((SKULL, TORSO, PELVIS))})
    weight = body_weight(physics)
    terms["touch"] = rewards.tolerance(
        _sensors(physics, data, TOUCH).sum(),
        bounds=(weight, float("inf")),
        margin=weight,
        sigmoid="linear",
        value_at_margin=0.9,
    )
    return terms


def _fetch_terms(physics, data) -> dict:
    names, m = physics.names, physics.mj_model
    ball = data.geom_xpos[names.id("geom", BALL)]
    bites = data.site_xpos[names.ids("site", ("upper_bite", "lower_bite"))]
    to_mouth = jnp.linalg.norm(ball - bites, axis=-1).mean()
    bite_radius = float(m.site_size[names.id("site", "upper_bite"), 0])
    reach = rewards.tolerance(
        to_mouth, bounds=(0.0, bite_radius), sigmoid="reciprocal", margin=BITE_MARGIN
    )
    target_radius = float(m.geom_size[names.id("geom", TARGET), 0])
    to_target = jnp.linalg.norm(ball - data.geom_xpos[names.id("geom", TARGET)])
    near = rewards.tolerance(
        to_target,
        bounds=(0.0, target_radius),
        sigmoid="reciprocal",
        margin=float(m.geom_size[names.id("geom", FLOOR), 0]),
    )
    reach = jnp.where(to_target < 2 * target_radius, 1.0, (6 * reach + 1) / 7)
    return {"reach": reach, "fetch": (near + 1) / 2}


def _throw_ball(physics, qpos, qvel, key):
    names, m = physics.names, physics.mj_model
    azimuth_key, apex_key, speed_key, noise_key = jax.random.split(key, 4)
    radius = BALL_SPAWN_FRACTION * float(m.geom_size[names.id("geom", FLOOR), 0])
    azimuth = jax.random.uniform(azimuth_key, minval=0.0, maxval=2 * jnp.pi)
    sin, cos = jnp.sin(azimuth), jnp.cos(azimuth)
    position = jnp.stack([radius * sin, radius * cos, BALL_SPAWN_HEIGHT])
    apex = jax.random.uniform(apex_key, minval=0.0, maxval=BALL_MAX_APEX)
    vertical = jnp.sqrt(2 * float(-m.opt.gravity[2]) * apex)
    speed = jax.random.uniform(speed_key, minval=0.0, maxval=BALL_MAX_SPEED)
    noise = BALL_DIRECTION_NOISE * jax.random.normal(noise_key, (2,))
    horizontal = speed * (jnp.stack([-sin, -cos]) + noise)
    qpos = qpos.at[names.qpos(BALL_ROOT)[:3]].set(position)
    qvel = qvel.at[names.qvel(BALL_ROOT)[:3]].set(jnp.append(horizontal, vertical))
    return qpos, qvel


def _heights(physics, data):
    return data.xpos[physics.names.ids("body", (TORSO, PELVIS)), 2]


def _torso_com_velocity(physics, data):
    velocity = data.sensordata[physics.names.sensor("torso_linvel")]
    return to_body_frame(physics, data, TORSO, velocity)


def _sensors(physics, data, sensors) -> jax.Array:
    return jnp.concatenate([data.sensordata[physics.names.sensor(name)] for name in sensors])


@register("stand")
def stand(**overrides) -> Dog:
    return Dog(**overrides)


@register("walk")
def walk(**overrides) -> Dog:
    return Dog(**{"move_speed": WALK_SPEED, **overrides})


@register("trot")
def trot(**overrides) -> Dog:
    return Dog(**{"move_speed": TROT_SPEED, **overrides})


@register("run")
def run(**overrides) -> Dog:
    return Dog(**{"move_speed": RUN_SPEED, **overrides})


@register("fetch", tags=(HARD,))
def fetch(**overrides) -> Dog:
    return Dog(**{"fetch": True, **overrides})
