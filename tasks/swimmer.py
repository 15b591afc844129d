"""Swimmer: a planar chain of links in a dense fluid must bring its nose to a random target.

Observation (``OrderedDict``, float32), with ``N`` links (6 or 15):
  * ``joints`` (N - 1,): the angles of ``joint_0`` ... ``joint_{N-2}`` between the links (rad);
    the root's slides and its heading are left out.
  * ``to_target`` (2,): the target's centre minus the nose's, in the head's frame, ``[x, y]`` (m).
  * ``body_velocities`` (3 N,): for the head then each segment, ``[v_x, v_y, w_z]``: the
    velocimeter's x and y (m/s) and the gyro's z (rad/s) at the link's site, in the site's frame.

Action (N - 1,) in [-1, 1]: the torques of ``motor_0`` ... ``motor_{N-2}`` at the joints between
the links (gear 5e-4, so at most 5e-4 N*m).

Reward: ``tolerance(|to_target|, bounds=(0, r), margin=5 r, sigmoid="long_tail")`` with ``r``
= 0.1 m the target sphere's radius: 1 with the nose inside the target, ``1 / (1 + x^2)`` decay
outside, 0.1 at 5 r beyond its surface.

Termination: never; episodes are truncated after 30 s (1000 steps of 0.03 s, 15 physics steps of
0.002 s each).

Reset: dm_control's shared joint randomiser: ``rootz`` (heading) ~ U(-pi, pi), every joint
between links ~ U(+-360/N degrees) (its range); the root slides stay at 0; zero velocity. The
target's ``[x, y]`` ~ U(+-0.3 m)^2 with probability 0.2 ("close"), else U(+-2 m)^2; its height
stays at 0.05 m.

Target state: dm_control writes the target into the model (``geom_pos`` of the ``target`` geom
and ``light_pos`` of ``target_light``). Here the target ``[x, y]`` is the episode's ``task_state``
(a float32 array of shape (2,)); the observation and reward read it from there, with the target's
compiled height. It cannot be a per-env ``geom_pos`` (``episode_params``): MJX-Warp computes the
world positions of geoms fixed to the world body once, in ``make_data``, and never again, so an
overridden ``geom_pos`` of the target would not move its ``geom_xpos`` (measured with
mujoco-mjx 3.17). The model's ``target`` geom, its light and the ``target_pos`` sensor
(unobserved) therefore stay at the compiled (1, 1, 0.05), so a rendering shows the target there.

MJX: MJX's JAX implementation has no ellipsoid-box collision (the head's ellipsoid against the
inertial boxes), even though contacts are disabled, so the swimmer runs on ``impl="warp"``.

Parity: observations and reward match dm_control 1.0.50 one step after 256 shared states per task,
with dm_control's recorded targets (tests/parity/test_swimmer.py; tolerances there).
"""

from __future__ import annotations

import dataclasses
from collections import OrderedDict
from typing import ClassVar

import jax
import jax.numpy as jnp

from mjxcontrol import randomizers, rewards
from mjxcontrol.observables import to_body_frame
from mjxcontrol.registry import BENCHMARKING, register
from mjxcontrol.task import Task
from mjxcontrol.tasks.models import swimmer as swimmer_model

HEAD = "head"  # the first link's body
NOSE = "nose"  # geom at the head's front
TARGET = "target"  # the target sphere (a world geom)
HEAD_SENSORS = ("head_vel", "head_gyro")

TIME_LIMIT = 30.0
CONTROL_TIMESTEP = 0.03
# Links of the two registered swimmers.
SWIMMER6_LINKS = 6
SWIMMER15_LINKS = 15
# The target is "close" with this probability, then drawn in the smaller box (m, half-widths).
CLOSE_TARGET_PROBABILITY = 0.2
CLOSE_TARGET_BOX = 0.3
FAR_TARGET_BOX = 2.0
# The reward's margin, in target radii.
MARGIN_RADII = 5.0


@dataclasses.dataclass(frozen=True)
class Swimmer(Task):
    """Swimmer reaching a target (dm_control ``swimmer/swimmer6`` and ``swimmer/swimmer15``).

    Runs on ``impl="warp"`` (see the module docstring).

    Attributes:
      n_links: links in the chain, head included (at least 3).
    """

    default_impl: ClassVar[str] = "warp"

    n_links: int = SWIMMER6_LINKS
    time_limit: float = TIME_LIMIT
    control_timestep: float | None = CONTROL_TIMESTEP

    def model(self):
        return swimmer_model.spec(self.n_links)

    def initialize(self, physics, model, data, key):
        joints_key, target_key = jax.random.split(key)
        data = randomizers.randomize_limited_and_rotational_joints(physics, data, joints_key)
        return data, sample_target(target_key)

    def observe(self, physics, data, task_state):
        return OrderedDict(
            joints=data.qpos[physics.names.qpos(*_link_joints(self.n_links))],
            to_target=nose_to_target(physics, data, task_state),
            body_velocities=body_velocities(physics, data, self.n_links),
        )

    def reward(self, physics, data, task_state):
        radius = float(physics.mj_model.geom_size[physics.names.id("geom", TARGET), 0])
        distance = jnp.linalg.norm(nose_to_target(physics, data, task_state))
        reached = rewards.tolerance(
            distance, bounds=(0.0, radius), margin=MARGIN_RADII * radius, sigmoid="long_tail"
        )
        return reached, {"reached": reached, "distance": distance}


def sample_target(key: jax.Array) -> jax.Array:
    """The target's ``[x, y]`` (m): in the close box with probability 0.2, else the far box."""
    close_key, xy_key = jax.random.split(key)
    close = jax.random.uniform(close_key) < CLOSE_TARGET_PROBABILITY
    half_width = jnp.where(close, CLOSE_TARGET_BOX, FAR_TARGET_BOX)
    return half_width * jax.random.uniform(xy_key, (2,), minval=-1.0, maxval=1.0)


def nose_to_target(physics, data, target_xy: jax.Array) -> jax.Array:
    """``(2,)``: target centre minus nose centre, in the head's frame, ``[x, y]`` (m).

    The target's height is the compiled model's (dm_control moves only its x and y).
    """
    height = float(physics.mj_model.geom_pos[physics.names.id("geom", TARGET), 2])
    target = jnp.append(target_xy, height)
    offset = target - data.geom_xpos[physics.names.id("geom", NOSE)]
    return to_body_frame(physics, data, HEAD, offset)[:2]


def body_velocities(physics, data, n_links: int) -> jax.Array:
    """``(3 n_links,)``: each link's local ``[v_x, v_y, w_z]``, head first (see docstring)."""
    rows = []
    for velocimeter, gyro in _link_sensors(n_links):
        linear = data.sensordata[physics.names.sensor(velocimeter)]
        angular = data.sensordata[physics.names.sensor(gyro)]
        rows.append(jnp.stack([linear[0], linear[1], angular[2]]))
    return jnp.concatenate(rows)


def _link_joints(n_links: int) -> tuple[str, ...]:
    return tuple(f"joint_{k}" for k in range(n_links - 1))


def _link_sensors(n_links: int) -> tuple[tuple[str, str], ...]:
    """(velocimeter, gyro) names per link, head first."""
    segments = tuple((f"velocimeter_{k}", f"gyro_{k}") for k in range(n_links - 1))
    return (HEAD_SENSORS, *segments)


@register("swimmer6", tags=(BENCHMARKING,))
def swimmer6(**overrides) -> Swimmer:
    return Swimmer(**{"n_links": SWIMMER6_LINKS, **overrides})


@register("swimmer15", tags=(BENCHMARKING,))
def swimmer15(**overrides) -> Swimmer:
    return Swimmer(**{"n_links": SWIMMER15_LINKS, **overrides})
