"""LQR: drive a chain of spring-loaded sliding masses to rest at the origin (a linear system).

``lqr_2_1`` has 2 bodies of which the first is pushed by a motor; ``lqr_6_2`` has 6 bodies of which
the first 2 are. Each body slides along y on a spring to zero (no damping, no constraints), so the
dynamics are exactly linear: ``M qacc = -K qpos + u`` (Euler, 0.03 s).

Observation (``OrderedDict``, float32), with ``n`` bodies:
  * ``position`` (n,): the full ``qpos``, each body's slide displacement (m).
  * ``velocity`` (n,): the full ``qvel`` (m/s).

Action (n_actuators,), unbounded (the spec is +-inf; dm_control reports +-1e10): motor forces in N
(gear 1). Large actions diverge the simulation; such a step ends the episode with discount 0
(docs/api.md, "A diverged simulation").

Reward: ``1 - (0.5 * |qpos|^2 + 0.1 * 0.5 * |ctrl|^2)``, a quadratic cost on the positions and
the raw control, mapped so that the origin at rest with zero force scores 1. It is bounded above
by 1 and unbounded below (the only suite reward outside [0, 1]; ``reward_range`` says so).

Termination: the step after which the state norm ``|(qpos, qvel, act)|`` is below 1e-6 is
terminal, with **discount 0** (dm_control's ``get_termination``). There is **no time limit**
(``time_limit=inf``): episodes end only by termination (or a diverged step).

Reset: ``qpos = sqrt(2) * v / |v|`` with ``v ~ N(0, I_n)`` (uniform on the sphere of radius
sqrt(2)), ``qvel = 0``.

Springs: each joint's stiffness is drawn from U(15, 25) N/m when the model is *built* (damping
U(0, 0), i.e. none). dm_control draws them from the task's seed as it constructs the environment,
so they are fixed for the life of that environment instance, across all of its episodes, and only
its later reset draws come from the rest of the same stream. We build the model once per config,
so the springs come from the config's ``model_seed``: the default 0 gives exactly the model of
``suite.load("lqr", task, task_kwargs={"random": 0})`` (tests/test_suite_models_swimmer_lqr.py).
They are not resampled per episode (no ``episode_params``). For a batch whose envs, like separate
dm_control instances, each have their own springs, pass per-env ``jnt_stiffness`` as ``params``
(:func:`random_stiffness` draws them as dm_control does); ``params`` stay fixed across auto-resets,
as an instance's springs do.

Parity: observations and reward match dm_control 1.0.50 one step after 256 shared states per task,
and termination (discount 0) fires on the same states (tests/parity/test_lqr.py).
"""

from __future__ import annotations

import dataclasses
from collections import OrderedDict
from typing import ClassVar

import jax
import jax.numpy as jnp
import numpy as np

from mjxcontrol.registry import register
from mjxcontrol.task import Task
from mjxcontrol.tasks.models import lqr as lqr_model

# dm_control's default seed for our compiled model (see "Springs" above).
MODEL_SEED = 0
CONTROL_COST_COEF = 0.1
# Radius of the sphere on which the initial positions lie.
INITIAL_RADIUS = float(np.sqrt(2.0))
# The episode terminates once the state norm falls below this.
TERMINAL_TOLERANCE = 1e-6


@dataclasses.dataclass(frozen=True)
class LQR(Task):
    """Linear-quadratic regulation of a spring chain (dm_control ``lqr/*``).

    Attributes:
      n_bodies: sliding bodies in the chain.
      n_actuators: how many of the first bodies are pushed by a motor.
      model_seed: seed of the springs' stiffness draw (dm_control's ``random`` at construction).
      control_cost_coef: weight of the control cost in the reward (positive).
    """

    reward_range: ClassVar[tuple[float, float]] = (-float("inf"), 1.0)

    n_bodies: int = 2
    n_actuators: int = 1
    model_seed: int = MODEL_SEED
    control_cost_coef: float = CONTROL_COST_COEF

    def __post_init__(self):
        super().__post_init__()
        if not self.control_cost_coef > 0:
            raise ValueError(f"control_cost_coef must be positive, got {self.control_cost_coef!r}")

    def model(self):
        return lqr_model.spec(self.n_bodies, self.n_actuators, self.model_seed)

    def initialize(self, physics, model, data, key):
        unit = jax.random.normal(key, (physics.mj_model.nq,))
        return data.replace(qpos=INITIAL_RADIUS * unit / jnp.linalg.norm(unit)), ()

    def observe(self, physics, data, task_state):
        return OrderedDict(position=data.qpos, velocity=data.qvel)

    def reward(self, physics, data, task_state):
        state_cost = 0.5 * jnp.dot(data.qpos, data.qpos)
        control_cost = 0.5 * jnp.dot(data.ctrl, data.ctrl)
        reward = 1.0 - (state_cost + self.control_cost_coef * control_cost)
        return reward, {"state_cost": state_cost, "control_cost": control_cost}

    def terminated(self, physics, data, task_state):
        return state_norm(data) < TERMINAL_TOLERANCE


def state_norm(data) -> jax.Array:
    """Euclidean norm of the physics state ``(qpos, qvel, act)`` (dm_control's ``state_norm``)."""
    return jnp.linalg.norm(jnp.concatenate([data.qpos, data.qvel, data.act]))


def random_stiffness(env, key: jax.Array) -> dict[str, jax.Array]:
    """Per-env ``params`` with springs drawn as dm_control draws them for a new instance.

    Each joint's stiffness ~ U(15, 25) N/m (:data:`lqr_model.STIFFNESS_RANGE`); damping stays 0.
    ``jax.vmap`` it over keys and pass the result to ``env.reset`` so that every env of a batch
    has its own chain, kept across auto-resets::

        params = jax.vmap(lambda k: lqr.random_stiffness(env, k))(keys)
        state = jax.vmap(env.reset)(reset_keys, params)
    """
    low, high = lqr_model.STIFFNESS_RANGE
    joints = env.physics.names.ids("joint", env.physics.names.all("joint"))
    stiffness = jnp.asarray(env.physics.model.jnt_stiffness)
    draw = jax.random.uniform(key, (len(joints),), stiffness.dtype, low, high)
    return env.params(jnt_stiffness=stiffness.at[joints].set(draw))


@register("lqr_2_1")
def lqr_2_1(**overrides) -> LQR:
    return LQR(**{"n_bodies": 2, "n_actuators": 1, **overrides})


@register("lqr_6_2")
def lqr_6_2(**overrides) -> LQR:
    return LQR(**{"n_bodies": 6, "n_actuators": 2, **overrides})
