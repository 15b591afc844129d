"""Point mass: push a ball on a tabletop to the target at its centre, with small controls.

Observation (``OrderedDict``, float32):
  * ``position`` (2,): ``[root_x, root_y]`` slide positions (m).
  * ``velocity`` (2,): ``[root_x, root_y]`` slide velocities (m/s).

Action (2,) in [-1, 1]: forces of the motors ``t1`` and ``t2`` (gear 0.1, so at most 0.1 N each).
In ``easy`` they push along x and y. In ``hard`` motor ``i`` pushes along a unit direction ``d_i``
drawn at every reset (dm_control writes these directions into the fixed tendons' coefficients,
``model.wrap_prm``; see "hard variant" below).

Reward: ``near * (4 + small_control) / 5`` with
  * ``near = tolerance(|target - ball|, bounds=(0, 0.015), margin=0.015)`` (gaussian; distance
    between the ``target`` and ``pointmass`` geom centres);
  * ``small_control = mean(tolerance(ctrl, margin=1, sigmoid="quadratic", value_at_margin=0))``
    of the raw (unclamped) control, i.e. ``mean(max(0, 1 - ctrl**2))``.

Termination: never; episodes are truncated after 20 s (1000 steps of 0.02 s, one physics step each).

Reset: ``root_x``, ``root_y`` ~ ``U(-0.29, 0.29)`` (their joint ranges), zero velocity. ``hard``
also draws ``d_1`` uniformly on the unit circle (a normalised ``N(0, I2)`` draw) and redraws ``d_2``
the same way while ``|d_1 . d_2| > 0.9``, in a bounded in-graph loop of at most
:data:`MAX_DIRECTION_DRAWS` draws (each is rejected with probability ~0.29, so the cap is reached
with probability ~1e-35; it then keeps its last draw).

Hard variant: MJX keeps ``wrap_prm`` as a static numpy field (a traced one fails inside
``mjx``'s tendon code), so it cannot vary per environment. ``hard`` therefore drives the ball
through a site transmission instead: both motors act on the site ``actuation`` at the ball's centre,
and motor ``i``'s gear is ``0.1 * [d_i, 0, 0, 0, 0]`` (``actuator_gear``, set per episode by
:meth:`PointMass.episode_params`, into ``state.episode_params``). Its generalised force
``0.1 * clamp(u_i) * d_i`` is exactly what dm_control's tendon transmission with coefficients
``d_i`` gives; tendon lengths (unobserved) keep their compiled coefficients. A user's
``actuator_gear`` in ``env.params`` (domain randomisation) sets each motor's gain: the drawn
direction is scaled by the norm of the first three entries of its gear row. ``easy`` uses
dm_control's model unchanged.

Parity: observations and reward match dm_control 1.0.50 one step after 256 shared states per task,
``hard`` with dm_control's recorded directions (tests/parity/test_point_mass.py).
"""

from __future__ import annotations

import dataclasses
from collections import OrderedDict

import jax
import jax.numpy as jnp
import mujoco
import numpy as np

from mjxcontrol import randomizers, rewards
from mjxcontrol.registry import BENCHMARKING, EASY, register
from mjxcontrol.task import Task
from mjxcontrol.tasks.models import point_mass as point_mass_model

BALL_BODY = "pointmass"
BALL_GEOM = "pointmass"
TARGET_GEOM = "target"
JOINTS = ("root_x", "root_y")
MOTORS = ("t1", "t2")
# Site through which the ``hard`` variant's motors push (added to the model by that variant only).
ACTUATION_SITE = "actuation"
MOTOR_GEAR = point_mass_model.MOTOR_GEAR
# ``hard``: directions whose |cosine| exceeds this are redrawn, at most this many draws in all.
MAX_ALIGNMENT = 0.9
MAX_DIRECTION_DRAWS = 64
TIME_LIMIT = 20.0


@dataclasses.dataclass(frozen=True)
class PointMass(Task):
    """Point mass reaching (dm_control ``point_mass/easy`` and ``point_mass/hard``).

    Attributes:
      randomize_gains: draw each motor's push direction at reset (``hard``) instead of x and y.
    """

    randomize_gains: bool = False
    time_limit: float = TIME_LIMIT

    def model(self):
        spec = point_mass_model.spec()
        if self.randomize_gains:
            _use_site_transmission(spec)
        return spec

    def episode_params(self, physics, params, key):
        if not self.randomize_gains:
            return {}
        motors = physics.names.ids("actuator", MOTORS)
        gear = jnp.asarray(params.get("actuator_gear", physics.model.actuator_gear))
        # Each motor keeps its (possibly user-randomised) gain and takes the drawn direction.
        gain = jnp.linalg.norm(gear[motors, :3], axis=-1, keepdims=True)
        force = jnp.concatenate([gain * actuation_directions(key), jnp.zeros((2, 1))], axis=-1)
        return {"actuator_gear": gear.at[motors, :3].set(force)}

    def initialize(self, physics, model, data, key):
        return randomizers.randomize_limited_and_rotational_joints(physics, data, key), ()

    def observe(self, physics, data, task_state):
        return OrderedDict(
            position=data.qpos[physics.names.qpos(*JOINTS)],
            velocity=data.qvel[physics.names.qvel(*JOINTS)],
        )

    def reward(self, physics, data, task_state):
        names = physics.names
        radius = float(physics.mj_model.geom_size[names.id("geom", TARGET_GEOM), 0])
        target = data.geom_xpos[names.id("geom", TARGET_GEOM)]
        ball = data.geom_xpos[names.id("geom", BALL_GEOM)]
        distance = jnp.linalg.norm(target - ball)
        near = rewards.tolerance(distance, bounds=(0.0, radius), margin=radius)
        ctrl = data.ctrl[names.ids("actuator", MOTORS)]
        small_control = jnp.mean(
            rewards.tolerance(ctrl, margin=1.0, sigmoid="quadratic", value_at_margin=0.0)
        )
        # Maximal control keeps 4/5 of the reward.
        reward = near * (small_control + 4.0) / 5.0
        return reward, {"near": near, "small_control": small_control}


def actuation_directions(key: jax.Array) -> jax.Array:
    """``hard``'s two push directions, ``[2, 2]`` rows of unit length, ``|d_1 . d_2| <= 0.9``.

    ``d_2`` is redrawn while too parallel to ``d_1``, at most :data:`MAX_DIRECTION_DRAWS` times.
    """
    first_key, loop_key = jax.random.split(key)
    first = _unit_normal(first_key)

    def too_parallel(carry):
        draws, _, second = carry
        return (draws < MAX_DIRECTION_DRAWS) & (jnp.abs(first @ second) > MAX_ALIGNMENT)

    def redraw(carry):
        draws, k, _ = carry
        k, sub = jax.random.split(k)
        return draws + 1, k, _unit_normal(sub)

    loop_key, sub = jax.random.split(loop_key)
    _, _, second = jax.lax.while_loop(too_parallel, redraw, (1, loop_key, _unit_normal(sub)))
    return jnp.stack([first, second])


def _unit_normal(key: jax.Array) -> jax.Array:
    v = jax.random.normal(key, (2,))
    return v / jnp.linalg.norm(v)


def _use_site_transmission(spec: mujoco.MjSpec) -> None:
    """Re-targets both motors from their tendons to one site at the ball's centre (``hard``).

    The compiled gears push ``t1`` along x and ``t2`` along y, as the tendons do in ``easy``.
    """
    ball = spec.body(BALL_BODY)
    ball.add_site(name=ACTUATION_SITE)
    for axis, name in enumerate(MOTORS):
        motor = spec.actuator(name)
        motor.trntype = mujoco.mjtTrn.mjTRN_SITE
        motor.target = ACTUATION_SITE
        motor.gear = np.eye(6)[axis] * MOTOR_GEAR


@register("easy", tags=(BENCHMARKING, EASY))
def easy(**overrides) -> PointMass:
    return PointMass(**overrides)


@register("hard")
def hard(**overrides) -> PointMass:
    return PointMass(**{"randomize_gains": True, **overrides})
