"""Quadruped: a four-legged walker that walks, runs, fetches a ball or escapes a bowl.

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
z = 0 in 1 cm steps until nothing touches (at most 10,000 steps), here in closed form with the
same answer (``tasks/_quadruped_drop.py``). fetch then puts the ball at x, y ~
``U(-13.5, 13.5)``, 2 m up, moving at ``5 N(0, I2)`` m/s.

escape (``Escape``): the quadruped starts at the centre of a bumpy bowl (the ``terrain`` height
field) and must get out. Observations add ``origin`` (3,): the world origin relative to the
torso, in the torso frame (m); ``rangefinder`` (20,): ``tanh`` of the distance (m) each rangefinder
reads, and 1 where it meets nothing. Reward: ``upright(20 deg) * tolerance(|workspace|, bounds=(30,
inf), margin=30, sigmoid="linear", value_at_margin=0)``, the upright term as above with bounds
``(cos 20 deg, inf)`` and margin ``1 + cos 20 deg``, ``|workspace|`` the workspace site's distance
(m) from the bowl's centre, 30 m its rim. Reset: as walk's, dropped onto the terrain.
**Distribution change:** dm_control draws a new terrain every episode; MJX-Warp (escape's default
impl: its JAX impl has no height-field collisions with the torso's ellipsoid or the eyes'
cylinders) keeps height-field samples in the model shared by the batch, so each episode draws one
terrain uniformly from a pool of ``num_terrains`` (default 32) independent draws of dm_control's
distribution made when the env is built (``terrain_seed``); see ``models.quadruped_terrain``.

Parity: observations and reward match dm_control 1.0.50 one step after 256 shared states per task
(tests/parity/test_quadruped.py); see the tolerances there.
"""

from __future__ import annotations

import dataclasses
import functools
from collections import OrderedDict
from typing import ClassVar

import jax
import jax.numpy as jnp
import numpy as np

from mjxcontrol import rewards
from mjxcontrol.observables import to_body_frame
from mjxcontrol.registry import register
from mjxcontrol.task import Task
from mjxcontrol.tasks._quadruped_drop import ROOT, TORSO, drop_to_ground, terrain_height
from mjxcontrol.tasks.models import quadruped as quadruped_model
from mjxcontrol.tasks.models import quadruped_terrain as terrain_model

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
ESCAPE_UPRIGHT_DEGREES = 20.0  # escape's upright term is 1 within this tilt
# fetch: spawn square (fraction of the floor's half-size), ball height (m) and speed scale (m/s).
SPAWN_FRACTION = 0.9
BALL_START_HEIGHT = 2.0
BALL_SPEED_SCALE = 5.0


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


@dataclasses.dataclass(frozen=True)
class Escape(Quadruped):
    """Quadruped escape (dm_control ``quadruped/escape``): climb out of a bumpy bowl.

    Attributes:
      num_terrains: terrains in the model's pool (each episode draws one; module docstring).
      terrain_seed: seed of the pool's draws.
    """

    default_impl: ClassVar[str] = "warp"
    num_terrains: int = terrain_model.DEFAULT_POOL_SIZE
    terrain_seed: int = terrain_model.DEFAULT_POOL_SEED

    def __post_init__(self):
        super().__post_init__()
        for name, low in (("num_terrains", 1), ("terrain_seed", 0)):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < low:
                raise ValueError(f"{name} must be an integer >= {low}, got {value!r}")

    def model(self):
        return terrain_model.model(
            terrain_model.draw_terrains(self.num_terrains, self.terrain_seed)
        )

    def initialize(self, physics, model, data, key):
        terrain_key, rotation_key = jax.random.split(key)
        terrain = jax.random.randint(terrain_key, (), 0, self.num_terrains)
        ground = functools.partial(terrain_height, physics, model, terrain)
        data = drop_to_ground(physics, model, data, _random_rotation(rotation_key), ground=ground)
        return data, terrain

    def state_params(self, physics, params, task_state):
        """``geom_pos`` with the episode's terrain (``task_state``) at home, the others parked."""
        geoms = physics.names.ids("geom", quadruped_model.terrain_names(self.num_terrains))
        home = (jnp.arange(self.num_terrains) == task_state)[:, None]
        rows = jnp.where(home, terrain_model.home_pos(), terrain_model.parked_pos())
        pos = jnp.asarray(params.get("geom_pos", physics.model.geom_pos))
        return {"geom_pos": pos.at[geoms].set(rows.astype(pos.dtype))}

    def observe(self, physics, data, task_state):
        names = physics.names
        ranges = jnp.concatenate(
            [data.sensordata[names.sensor(n)] for n in quadruped_model.RANGEFINDERS]
        )
        return OrderedDict(
            **super().observe(physics, data, task_state),
            origin=to_body_frame(physics, data, TORSO, -data.xpos[names.id("body", TORSO)]),
            rangefinder=jnp.where(ranges == -1.0, 1.0, jnp.tanh(ranges)),
        )

    def reward(self, physics, data, task_state):
        rim = float(quadruped_model.TERRAIN_SIZE[0])
        workspace = data.site_xpos[physics.names.id("site", WORKSPACE)]
        escape = rewards.tolerance(
            jnp.linalg.norm(workspace),
            bounds=(rim, float("inf")),
            margin=rim,
            sigmoid="linear",
            value_at_margin=0.0,
        )
        upright = upright_reward(physics, data, ESCAPE_UPRIGHT_DEGREES)
        return upright * escape, {"upright": upright, "escape": escape}


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


@register("escape")
def escape(**overrides) -> Escape:
    return Escape(**overrides)


@register("fetch")
def fetch(**overrides) -> Fetch:
    return Fetch(**overrides)
