"""Finger: a planar two-link finger must spin a hinged body fast, or turn it to a target angle.

Observation (``OrderedDict``, float32), read from the model's sensors:
  * ``position`` (4,): ``proximal`` and ``distal`` hinge angles (rad), then the spinner's ``tip``
    site relative to the spinner body's origin, ``[x, z]`` (m).
  * ``velocity`` (3,): ``proximal``, ``distal`` and spinner ``hinge`` angular velocities (rad/s).
  * ``touch`` (2,): ``log1p`` of the ``touchtop`` and ``touchbottom`` sensors (normal contact force
    in N on the fingertip's two sides; values of the control step's last substep).
  * turn_easy / turn_hard only, after those:
    * ``target_position`` (2,): the ``target`` site relative to the spinner body's origin,
      ``[x, z]`` (m);
    * ``dist_to_target`` (): distance from the tip to the target centre minus the target radius
      (m; negative inside the target).

Action (2,) in [-1, 1]: proximal and distal motor torques (gears 30 and 15, N*m).

Reward (sparse, 0 or 1):
  * spin: ``tolerance(hinge_velocity, bounds=(-inf, -15))``, i.e. 1 while the spinner turns at
    15 rad/s or faster in the negative sense;
  * turn: ``tolerance(dist_to_target, bounds=(-inf, 0))``, i.e. 1 while the tip is inside the
    target sphere (radius 0.07 m for turn_easy, 0.03 m for turn_hard).

Termination: never; episodes are truncated after 20 s (1000 steps of 0.02 s, 2 physics steps of
0.01 s each).

Reset, as dm_control:
  * spin: the spinner hinge's damping is 0.03 N*m*s/rad instead of the model's 0.5 (dm_control
    writes it into the model at every reset; it is the same every episode, so here it is part of
    the compiled model), and the ``target`` and ``tip`` sites are invisible.
  * turn: a target angle ``a ~ U(-pi, pi)`` places the target site at the spinner's hinge plus
    ``0.13 * (sin a, cos a)`` in x and z (0.13 m is the cap1 capsule's radius plus half-length),
    i.e. on the circle the tip can reach. dm_control writes it into ``model.site_pos``; here it
    goes into ``episode_params["site_pos"]`` (a per-env ``mjx.Model`` field, resampled by
    ``AutoReset``), so the ``target`` sensor, the observation and renderings all see it. The
    target's radius is fixed per task, so it is part of the compiled model.
  * both: the shared joint randomiser (``proximal``, ``distal`` ~ U(-110, 110) degrees, ``hinge`` ~
    U(-pi, pi)), zero velocity, redrawn while any geoms touch (dm_control's ``ncon > 0`` loop).
    About 9 % of draws touch; the in-graph loop makes at most :data:`MAX_RESET_ATTEMPTS` draws
    (all of them touch with probability ~1e-33; it then keeps the last, where dm_control would
    raise after 1000).

Parity: observations and reward match dm_control 1.0.50 one step after 256 shared states per task
(tests/parity/test_finger.py). The one-step divergence once measured between raw MJX and
dm_control on finger/spin (0.41 relative) came from stepping the XML's spinner damping (0.5)
against dm_control's reset model (0.03), not from MJX: benchmarks/finger_divergence.py.
"""

from __future__ import annotations

import dataclasses
from collections import OrderedDict

import jax
import jax.numpy as jnp
import numpy as np

from mjxcontrol import randomizers, rewards
from mjxcontrol.observables import redraw_while_in_contact
from mjxcontrol.registry import BENCHMARKING, register
from mjxcontrol.task import Task
from mjxcontrol.tasks.models import finger as finger_model

SPINNER = "spinner"  # the body, and the sensor at its origin
HINGE = "hinge"
CAP = "cap1"  # the spinner capsule whose radius + half-length sets the target circle
TARGET = "target"  # the site, and the sensor at it
TIP = "tip"
ANGLE_SENSORS = ("proximal", "distal")
VELOCITY_SENSORS = ("proximal_velocity", "distal_velocity", "hinge_velocity")
TOUCH_SENSORS = ("touchtop", "touchbottom")
XZ = np.array([0, 2])

TIME_LIMIT = 20.0
CONTROL_TIMESTEP = 0.02
# Spinner hinge damping (N*m*s/rad) that spin's reset writes into the model.
SPIN_DAMPING = 0.03
# spin: hinge velocity (rad/s) at or below which the reward is 1.
SPIN_VELOCITY = -15.0
# Target radii (m) of the two turn tasks.
EASY_TARGET_SIZE = 0.07
HARD_TARGET_SIZE = 0.03
# Collision-free reset draws made at most (dm_control: 1000, then an error).
MAX_RESET_ATTEMPTS = 32


@dataclasses.dataclass(frozen=True)
class Finger(Task):
    """Finger spin / turn (dm_control ``finger/*``).

    Attributes:
      target_radius: turn's target radius (m); ``None`` for spin (no target).
    """

    target_radius: float | None = None
    time_limit: float = TIME_LIMIT
    control_timestep: float | None = CONTROL_TIMESTEP

    def model(self):
        spec = finger_model.spec()
        if self.target_radius is None:  # spin
            spec.joint(HINGE).damping[0] = SPIN_DAMPING
            for site in (TARGET, TIP):
                spec.site(site).rgba[3] = 0.0
        else:
            spec.site(TARGET).size[0] = self.target_radius
        return spec

    def episode_params(self, physics, params, key):
        if self.target_radius is None:
            return {}
        site_pos = jnp.asarray(params.get("site_pos", physics.model.site_pos))
        target = physics.names.id("site", TARGET)
        xz = _target_on_circle(
            physics, params, jax.random.uniform(key, minval=-np.pi, maxval=np.pi)
        )
        return {"site_pos": site_pos.at[target, XZ].set(xz)}

    def initialize(self, physics, model, data, key):
        return collision_free_joints(physics, model, data, key), ()

    def observe(self, physics, data, task_state):
        obs = OrderedDict(
            position=jnp.concatenate(
                [_sensors(physics, data, ANGLE_SENSORS), _relative_xz(physics, data, TIP)]
            ),
            velocity=_sensors(physics, data, VELOCITY_SENSORS),
            touch=jnp.log1p(_sensors(physics, data, TOUCH_SENSORS)),
        )
        if self.target_radius is not None:
            obs["target_position"] = _relative_xz(physics, data, TARGET)
            obs["dist_to_target"] = self._dist_to_target(physics, data)
        return obs

    def reward(self, physics, data, task_state):
        if self.target_radius is None:
            hinge_velocity = _sensors(physics, data, ("hinge_velocity",))[0]
            spinning = rewards.tolerance(hinge_velocity, bounds=(-float("inf"), SPIN_VELOCITY))
            return spinning, {"spinning": spinning}
        on_target = rewards.tolerance(
            self._dist_to_target(physics, data), bounds=(-float("inf"), 0.0)
        )
        return on_target, {"on_target": on_target}

    def _dist_to_target(self, physics, data):
        to_target = _relative_xz(physics, data, TARGET) - _relative_xz(physics, data, TIP)
        return jnp.linalg.norm(to_target) - self.target_radius


def collision_free_joints(physics, model, data, key):
    """The shared joint randomiser, redrawn while any geoms touch (at most
    :data:`MAX_RESET_ATTEMPTS` draws)."""

    def draw(k):
        return randomizers.randomize_limited_and_rotational_joints(physics, data, k)

    return redraw_while_in_contact(physics, model, draw, key, MAX_RESET_ATTEMPTS)


def _target_on_circle(physics, params, angle):
    """``[x, z]`` of the point at ``angle`` (from +z towards +x) on the tip's circle (m)."""
    names = physics.names
    model = physics.model
    spinner, hinge, cap = names.id("body", SPINNER), names.id("joint", HINGE), names.id("geom", CAP)
    # The spinner hangs from the world unrotated, so its hinge anchor is body_pos + jnt_pos.
    anchor = (
        params.get("body_pos", model.body_pos)[spinner]
        + params.get("jnt_pos", model.jnt_pos)[hinge]
    )
    radius = jnp.sum(params.get("geom_size", model.geom_size)[cap])
    return anchor[XZ] + radius * jnp.stack([jnp.sin(angle), jnp.cos(angle)])


def _sensors(physics, data, names):
    return data.sensordata[np.concatenate([physics.names.sensor(n) for n in names])]


def _relative_xz(physics, data, sensor):
    """``[x, z]`` of a position sensor's reading minus the spinner's origin (m)."""
    return (_sensors(physics, data, (sensor,)) - _sensors(physics, data, (SPINNER,)))[XZ]


@register("spin", tags=(BENCHMARKING,))
def spin(**overrides) -> Finger:
    return Finger(**overrides)


@register("turn_easy", tags=(BENCHMARKING,))
def turn_easy(**overrides) -> Finger:
    return Finger(**{"target_radius": EASY_TARGET_SIZE, **overrides})


@register("turn_hard", tags=(BENCHMARKING,))
def turn_hard(**overrides) -> Finger:
    return Finger(**{"target_radius": HARD_TARGET_SIZE, **overrides})
