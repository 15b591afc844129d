"""Quadruped: a four-legged walker that must run forwards or fetch a ball (walk, run, fetch).

Observation (``OrderedDict``, float32), common to every task:
  * ``egocentric_state`` (44,): the 16 hinge angles (rad), then their velocities (rad/s), in model
    order (per leg: yaw, pitch, knee, ankle; legs front_left, front_right, back_right,
    back_left), then the 12 actuator activations (the servos' filtered commands).
  * ``torso_velocity`` (3,): ``velocimeter`` at the torso, in the torso frame (m/s).
  * ``torso_upright`` (): ``zz`` of the torso's world rotation.
  * ``imu`` (6,): accelerometer (m/s^2) then gyro (rad/s) at the torso, in the torso frame.
  * ``force_torque`` (24,): ``arcsinh`` of the four toe force sensors (N) then the four toe
    torque sensors (N*m), each in its toe site's frame.

``fetch`` adds ``ball_state`` (9,): the ball's position and linear velocity relative to the
torso's, and its angular velocity (the ball joint's ``qvel[3:]``), each rotated into the torso
frame; and ``target_position`` (3,): the ``target`` site relative to the torso, in the torso
frame (m).

Action (12,): per leg (front_left, front_right, back_right, back_left) the set points of the
``yaw`` servo (joint angle, rad, in [-1, 1]), the ``lift`` servo ([-1, 1.1]) and the ``extend``
servo ([-0.8, 0.8]) (tendon lengths); each servo follows its command through a 0.1 s filter.

Reward, with ``upright = tolerance(torso_zz, bounds=(1, inf), margin=2, sigmoid="linear",
value_at_margin=0)``:
  * walk (s = 0.5 m/s) and run (s = 5 m/s): ``upright * tolerance(v_x, bounds=(s, inf),
    margin=s, sigmoid="linear", value_at_margin=0.5)``, ``v_x`` the torso velocimeter's x;
  * fetch: ``upright * reach * (0.5 + 0.5 * fetch)`` with ``reach = tolerance(d_xy(workspace,
    ball), bounds=(0, 0.45), margin=15 sqrt 2, sigmoid="linear", value_at_margin=0)`` and
    ``fetch = tolerance(d_xy(ball, target), bounds=(0, 0.4), ...)`` alike (horizontal distances;
    0.45 m = workspace radius + ball radius, 0.4 m = target radius, 15 sqrt 2 m the arena's
    diagonal).

Termination: never; episodes are truncated after 20 s (1000 steps of 0.02 s, 4 physics steps of
0.005 s each).

Reset: legs at zero angles, zero velocity and activation; the torso in a uniformly random
orientation (normalised ``N(0, I4)`` quaternion; fetch: a heading ``U(0, 2 pi)`` about z) at
x = y = 0 (fetch: x, y ~ ``U(-13.5, 13.5)``), dropped onto the ground: dm_control raises it from
z = 0 in 1 cm steps until nothing touches (at most 10,000 steps). That search is closed-form here:
lifting the body by z lifts each geom's lowest point (support point along -z) by z, so the answer
is the first 1 cm step at or above (within ``DROP_TIE``) the deepest penetration of those points
below the floor at z = 0, dm_control's answer. fetch then puts the ball at x, y ~
``U(-13.5, 13.5)``, 2 m up, moving at ``5 N(0, I2)`` m/s.

escape (a bowl-shaped height field drawn anew each episode) is not ported yet: MJX cannot vary a
height field per env, and its JAX implementation has no height-field collisions with the torso's
ellipsoid or the eyes' cylinders (docs/status.md has the plan). Its model,
``models.quadruped.spec(terrain=True, rangefinders=True)``, is built and checked already.

Parity: observations and reward match dm_control 1.0.50 one step after 256 shared states per task
(tests/parity/test_quadruped.py); see the tolerances there.
"""

from __future__ import annotations

import dataclasses
from collections import OrderedDict

import jax
import jax.numpy as jnp
import mujoco
import numpy as np

from mjxcontrol import rewards
from mjxcontrol._mjx import mjx
from mjxcontrol.observables import to_body_frame
from mjxcontrol.registry import register
from mjxcontrol.task import Task
from mjxcontrol.tasks.models import quadruped as quadruped_model

TORSO = "torso"
ROOT = "root"
BALL = "ball"
BALL_ROOT = "ball_root"
WORKSPACE = "workspace"
TARGET = "target"
FLOOR = "floor"
VELOCIMETER = "velocimeter"
IMU_SENSORS = ("imu_accel", "imu_gyro")
FORCE_TORQUE_SENSORS = tuple(
    f"{kind}_toe_{leg}" for kind in ("force", "torque") for leg in quadruped_model.LEGS
)

TIME_LIMIT = 20.0
CONTROL_TIMESTEP = 0.02
WALK_SPEED = 0.5
RUN_SPEED = 5.0
# Drop search: dm_control's height step (m) and its number of tries before giving up.
DROP_STEP = 0.01
MAX_DROP_STEPS = 10_000
# A lowest point within this fraction of a drop step above a step counts as clear of the ground at
# that step. dm_control's heights are sums of 0.01 in float64 (0.52 is 0.5200000000000002), so an
# exact tie clears: fetch's upright quadruped with straight legs reaches exactly 0.52 m below its
# torso and stands at 0.52, not 0.53. Float32 puts our tie ~1e-6 steps either side.
DROP_TIE = 1e-4
# fetch: spawn square (fraction of the floor's half-size), ball height (m) and speed scale (m/s).
SPAWN_FRACTION = 0.9
BALL_START_HEIGHT = 2.0
BALL_SPEED_SCALE = 5.0

_SPHERE, _CAPSULE, _ELLIPSOID, _CYLINDER = (
    int(mujoco.mjtGeom.mjGEOM_SPHERE),
    int(mujoco.mjtGeom.mjGEOM_CAPSULE),
    int(mujoco.mjtGeom.mjGEOM_ELLIPSOID),
    int(mujoco.mjtGeom.mjGEOM_CYLINDER),
)


@dataclasses.dataclass(frozen=True)
class Quadruped(Task):
    """Observations, upright term and drop-to-ground reset shared by the quadruped tasks."""

    time_limit: float = TIME_LIMIT
    control_timestep: float | None = CONTROL_TIMESTEP

    def observe(self, physics, data, task_state):
        names = physics.names
        hinges = _hinges(physics)
        return OrderedDict(
            egocentric_state=jnp.concatenate(
                [data.qpos[names.qpos(*hinges)], data.qvel[names.qvel(*hinges)], data.act]
            ),
            torso_velocity=_sensor(physics, data, VELOCIMETER),
            torso_upright=_torso_upright(physics, data),
            imu=jnp.concatenate([_sensor(physics, data, s) for s in IMU_SENSORS]),
            force_torque=jnp.arcsinh(
                jnp.concatenate([_sensor(physics, data, s) for s in FORCE_TORQUE_SENSORS])
            ),
        )


@dataclasses.dataclass(frozen=True)
class Move(Quadruped):
    """Quadruped walk / run (dm_control ``quadruped/walk`` and ``run``).

    Attributes:
      desired_speed: forward speed (m/s) at and above which the move term is 1.
    """

    desired_speed: float = WALK_SPEED

    def model(self):
        return quadruped_model.spec(floor_size=TIME_LIMIT * self.desired_speed)

    def initialize(self, physics, model, data, key):
        return drop_to_ground(physics, model, data, _random_rotation(key)), ()

    def reward(self, physics, data, task_state):
        upright = upright_reward(physics, data)
        move = rewards.tolerance(
            _sensor(physics, data, VELOCIMETER)[0],
            bounds=(self.desired_speed, float("inf")),
            margin=self.desired_speed,
            sigmoid="linear",
            value_at_margin=0.5,
        )
        return upright * move, {"upright": upright, "move": move}


@dataclasses.dataclass(frozen=True)
class Fetch(Quadruped):
    """Quadruped fetch (dm_control ``quadruped/fetch``): bring the ball to the central target."""

    def model(self):
        return quadruped_model.spec(walls_and_ball=True)

    def initialize(self, physics, model, data, key):
        heading_key, position_key, ball_key, speed_key = jax.random.split(key, 4)
        heading = jax.random.uniform(heading_key, minval=0.0, maxval=2 * jnp.pi)
        orientation = jnp.array([jnp.cos(heading / 2), 0.0, 0.0, jnp.sin(heading / 2)])
        radius = _spawn_radius(physics)
        xy = jax.random.uniform(position_key, (2,), minval=-radius, maxval=radius)
        data = drop_to_ground(physics, model, data, orientation, xy)
        ball_qpos = physics.names.qpos(BALL_ROOT)
        ball_qvel = physics.names.qvel(BALL_ROOT)
        ball_xy = jax.random.uniform(ball_key, (2,), minval=-radius, maxval=radius)
        qpos = data.qpos.at[ball_qpos[:3]].set(jnp.append(ball_xy, BALL_START_HEIGHT))
        qvel = data.qvel.at[ball_qvel[:2]].set(
            BALL_SPEED_SCALE * jax.random.normal(speed_key, (2,))
        )
        return data.replace(qpos=qpos, qvel=qvel), ()

    def observe(self, physics, data, task_state):
        names = physics.names
        torso = data.xpos[names.id("body", TORSO)]
        ball_qvel, root_qvel = data.qvel[names.qvel(BALL_ROOT)], data.qvel[names.qvel(ROOT)]
        ball = jnp.stack(
            [
                data.xpos[names.id("body", BALL)] - torso,
                ball_qvel[:3] - root_qvel[:3],
                ball_qvel[3:],
            ]
        )
        target = data.site_xpos[names.id("site", TARGET)] - torso
        return OrderedDict(
            **super().observe(physics, data, task_state),
            ball_state=to_body_frame(physics, data, TORSO, ball).reshape(-1),
            target_position=to_body_frame(physics, data, TORSO, target),
        )

    def reward(self, physics, data, task_state):
        names, m = physics.names, physics.mj_model
        arena_radius = float(m.geom_size[names.id("geom", FLOOR), 0]) * np.sqrt(2)
        workspace_radius = float(m.site_size[names.id("site", WORKSPACE), 0])
        ball_radius = float(m.geom_size[names.id("geom", BALL), 0])
        target_radius = float(m.site_size[names.id("site", TARGET), 0])
        ball = data.xpos[names.id("body", BALL)]
        workspace = data.site_xpos[names.id("site", WORKSPACE)]
        target = data.site_xpos[names.id("site", TARGET)]

        def near(distance, radius):
            return rewards.tolerance(
                distance,
                bounds=(0.0, radius),
                margin=arena_radius,
                sigmoid="linear",
                value_at_margin=0.0,
            )

        reach = near(jnp.linalg.norm((workspace - ball)[:2]), workspace_radius + ball_radius)
        fetch = near(jnp.linalg.norm((target - ball)[:2]), target_radius)
        upright = upright_reward(physics, data)
        reward = upright * reach * (0.5 + 0.5 * fetch)
        return reward, {"upright": upright, "reach": reach, "fetch": fetch}


def upright_reward(physics, data, deviation_degrees: float = 0.0):
    """1 while the torso's z axis is within ``deviation_degrees`` of vertical, falling linearly
    to 0 when upside down."""
    deviation = float(np.cos(np.deg2rad(deviation_degrees)))
    return rewards.tolerance(
        _torso_upright(physics, data),
        bounds=(deviation, float("inf")),
        margin=1.0 + deviation,
        sigmoid="linear",
        value_at_margin=0.0,
    )


def drop_to_ground(physics, model, data, orientation, xy=(0.0, 0.0)):
    """``data`` with the torso at ``(x, y)`` in ``orientation``, dropped onto the ground.

    Returns dm_control's answer: the lowest height ``k * 1 cm`` (``0 <= k <= 10,000``) at which no
    body geom reaches below the ground (see the module docstring).
    """
    root = physics.names.qpos(ROOT)
    qpos = data.qpos.at[root].set(jnp.concatenate([jnp.asarray(xy), jnp.zeros(1), orientation]))
    kinematics = mjx.kinematics(model, data.replace(qpos=qpos))
    geoms = _body_geoms(physics)
    lowest = _lowest_points(physics, model, kinematics, geoms)
    clearance = jnp.min(lowest[:, 2])  # the floor is the plane z = 0
    steps = jnp.clip(jnp.ceil(-clearance / DROP_STEP - DROP_TIE), 0, MAX_DROP_STEPS)
    return data.replace(qpos=qpos.at[root[2]].set(steps * DROP_STEP))


def _lowest_points(physics, model, data, geoms) -> jax.Array:
    """``[len(geoms), 3]``: each geom's lowest point in the world (its support point along -z)."""
    points = []
    for g in geoms:
        kind = int(physics.mj_model.geom_type[g])
        centre, rot, size = data.geom_xpos[g], data.geom_xmat[g], model.geom_size[g]
        axis = rot[:, 2]
        down = jnp.array([0.0, 0.0, -1.0])
        if kind == _SPHERE:
            point = centre + size[0] * down
        elif kind == _CAPSULE:
            point = centre - size[1] * jnp.sign(axis[2]) * axis + size[0] * down
        elif kind == _ELLIPSOID:
            local = rot.T @ down  # support of {R diag(a) u : |u| <= 1} along ``down``
            point = centre + rot @ (size**2 * local / jnp.linalg.norm(size * local))
        elif kind == _CYLINDER:
            radial = down + axis[2] * axis  # ``down`` without its component along the axis
            radial = radial / jnp.maximum(jnp.linalg.norm(radial), 1e-12)
            point = centre - size[1] * jnp.sign(axis[2]) * axis + size[0] * radial
        else:
            raise NotImplementedError(f"no lowest point for geom type {kind} (geom {g})")
        points.append(point)
    return jnp.stack(points)


def _body_geoms(physics) -> list[int]:
    """Ids of the quadruped's geoms (those of the torso's subtree)."""
    m, torso = physics.mj_model, physics.names.id("body", TORSO)
    return [g for g in range(m.ngeom) if m.body_rootid[m.geom_bodyid[g]] == torso]


def _random_rotation(key):
    quat = jax.random.normal(key, (4,))
    return quat / jnp.linalg.norm(quat)


def _spawn_radius(physics) -> float:
    m = physics.mj_model
    return SPAWN_FRACTION * float(m.geom_size[physics.names.id("geom", FLOOR), 0])


def _hinges(physics) -> tuple[str, ...]:
    """Names of the leg hinges in model order (every joint but the free ones)."""
    return tuple(j for j in physics.names.all("joint") if j not in (ROOT, BALL_ROOT))


def _torso_upright(physics, data):
    return data.xmat[physics.names.id("body", TORSO), 2, 2]


def _sensor(physics, data, name):
    return data.sensordata[physics.names.sensor(name)]


@register("walk")
def walk(**overrides) -> Move:
    return Move(**{"desired_speed": WALK_SPEED, **overrides})


@register("run")
def run(**overrides) -> Move:
    return Move(**{"desired_speed": RUN_SPEED, **overrides})


@register("fetch")
def fetch(**overrides) -> Fetch:
    return Fetch(**overrides)
