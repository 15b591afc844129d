"""Ball in cup: swing a ball tied to a cup by a string up and catch it in the cup.

Observation (``OrderedDict``, float32):
  * ``position`` (4,): ``[cup_x, cup_z, ball_x, ball_z]`` slide positions (m; each relative to
    its body's start: the cup at 0.6 m, the ball at 0.2 m up).
  * ``velocity`` (4,): the same joints' velocities (m/s).

Action (2,) in [-1, 1]: forces on the cup along x and z (motors ``x`` and ``z``, gear 5, N).

Reward (sparse): ``prod(tolerance(|target - ball|, bounds=(0, 0.05 - 0.025)))`` over x and z,
i.e. 1 while the ball's centre is within 2.5 cm of the cup's ``target`` box centre in both x and
z (the box's half-size minus the ball's radius: the whole ball inside the box), else 0.
dm_control tests strictly (``<``); the two differ only at exact equality.

Termination: never; episodes are truncated after 20 s (1000 steps of 0.02 s, 10 physics steps of
0.002 s each).

Reset, as dm_control: the cup at rest at its origin; ``ball_x`` ~ U(-0.2, 0.2), ``ball_z`` ~
U(0.2, 0.5) (the ball 0.4 to 0.7 m up), zero velocity, redrawn while the ball touches the cup or
the ground (dm_control's ``ncon > 0`` loop, which has no cap). About 17 % of draws touch; the
in-graph loop makes at most :data:`MAX_RESET_ATTEMPTS` draws (all of them touch with probability
~1e-25; it then keeps the last). The string may start longer than its 0.3 m limit; the tendon
limit then pulls the ball in on the first step, as in dm_control.

Parity: observations and reward match dm_control 1.0.50 one step after 256 shared states, half
of them started with the ball in or near the cup (tests/parity/test_ball_in_cup.py).
"""

from __future__ import annotations

import dataclasses
from collections import OrderedDict

import jax
import jax.numpy as jnp
import numpy as np

from mjxcontrol import rewards
from mjxcontrol.observables import redraw_while_in_contact
from mjxcontrol.registry import BENCHMARKING, EASY, register
from mjxcontrol.task import Task
from mjxcontrol.tasks.models import ball_in_cup as ball_in_cup_model

JOINTS = ("cup_x", "cup_z", "ball_x", "ball_z")
BALL = "ball"  # the body and its geom
TARGET = "target"  # the site
XZ = np.array([0, 2])

TIME_LIMIT = 20.0
CONTROL_TIMESTEP = 0.02
# Ranges of the ball's initial slide positions (m).
BALL_X_RANGE = (-0.2, 0.2)
BALL_Z_RANGE = (0.2, 0.5)
# Collision-free reset draws made at most (dm_control: unbounded).
MAX_RESET_ATTEMPTS = 32


@dataclasses.dataclass(frozen=True)
class BallInCup(Task):
    """Ball in cup (dm_control ``ball_in_cup/catch``)."""

    time_limit: float = TIME_LIMIT
    control_timestep: float | None = CONTROL_TIMESTEP

    def model(self):
        return ball_in_cup_model.spec()

    def initialize(self, physics, model, data, key):
        ball = physics.names.qpos("ball_x", "ball_z")
        low, high = np.array([BALL_X_RANGE, BALL_Z_RANGE]).T

        def draw(k):
            position = jax.random.uniform(k, (2,), minval=low, maxval=high)
            return data.replace(qpos=data.qpos.at[ball].set(position))

        return redraw_while_in_contact(physics, model, draw, key, MAX_RESET_ATTEMPTS), ()

    def observe(self, physics, data, task_state):
        return OrderedDict(
            position=data.qpos[physics.names.qpos(*JOINTS)],
            velocity=data.qvel[physics.names.qvel(*JOINTS)],
        )

    def reward(self, physics, data, task_state):
        offset = jnp.abs(ball_to_target(physics, data))
        inside = [
            rewards.tolerance(offset[i], bounds=(0.0, s)) for i, s in enumerate(_slack(physics))
        ]
        in_target = inside[0] * inside[1]
        return in_target, {"in_target": in_target}


def ball_to_target(physics, data):
    """``[x, z]`` from the ball's centre to the target box's centre (m)."""
    names = physics.names
    target = data.site_xpos[names.id("site", TARGET)]
    return (target - data.xpos[names.id("body", BALL)])[XZ]


def _slack(physics) -> tuple[float, float]:
    """How far (m) the ball's centre may stray from the target's centre in x and z: the box's
    half-sizes minus the ball's radius."""
    m = physics.mj_model
    half_sizes = m.site_size[physics.names.id("site", TARGET)][XZ]
    radius = m.geom_size[physics.names.id("geom", BALL), 0]
    slack_x, slack_z = (float(h - radius) for h in half_sizes)
    return slack_x, slack_z


@register("catch", tags=(BENCHMARKING, EASY))
def catch(**overrides) -> BallInCup:
    return BallInCup(**overrides)
