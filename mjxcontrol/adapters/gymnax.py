"""gymnax's functional ``Environment`` API over an mjxcontrol env, for JAX trainers such as rejax.

``GymnaxEnv`` implements ``reset_env(key, params)``, ``step_env(key, state, action, params)``,
``observation_space``, ``action_space`` and ``default_params``; gymnax's base class adds the jitted
``reset``/``step`` with its auto-reset. Observations are the flattened float32 vector.

Two generations of gymnax's API exist, and this adapter follows whichever is installed:

* gymnax 0.0.x (0.0.9, what rejax 0.1.3 needs): ``step`` returns ``(obs, state, reward, done,
  info)``; ``step_env`` returns ``done = terminated | truncated``.
* gymnax >= 1.0: ``step`` returns ``(obs, state, reward, terminated, truncated, info)`` with
  ``info["final_observation"]``; ``step_env`` returns ``terminated`` and :meth:`is_truncated`
  gives the time limit.

Truncation is the State's (the task's time limit, or a NaN action), or ``state.time >=
params.max_steps_in_episode``, whichever comes first: ``max_steps_in_episode`` can shorten
episodes, not lengthen them (load the task with a longer ``time_limit`` for that).
``info`` holds ``discount`` and the State's metrics (float32).

Cost note: gymnax's ``step`` computes a reset on every step and selects it where an episode
ended, and trainers ``vmap`` it, so a task's reset cost is paid on every step. That is cheap for
most tasks but not for those whose reset settles the physics (cheetah: 200 physics steps);
``mjxcontrol.AutoReset`` resets batches only when some env finished.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
from flax import struct

from mjxcontrol.adapters import action_bounds, as_env, flat_size, flatten, float_metrics, require
from mjxcontrol.env import Env
from mjxcontrol.types import State

require("gymnax")
from gymnax.environments import environment, spaces  # noqa: E402

# gymnax >= 1.0 splits done into terminated/truncated (is_truncated); 0.0.x returns one done.
SPLIT_DONE_API = hasattr(environment.Environment, "is_truncated")
NO_LIMIT = 2**31 - 1  # max_steps_in_episode for tasks without a time limit


@struct.dataclass
class EnvParams:
    """gymnax's params: the episode cap (physical parameters live in ``state.inner.params``)."""

    max_steps_in_episode: int = NO_LIMIT


@struct.dataclass
class EnvState:
    """gymnax's state: the mjxcontrol ``State`` and gymnax's step counter ``time``."""

    inner: State
    time: jax.Array


class GymnaxEnv(environment.Environment):
    """An mjxcontrol env behind gymnax's ``Environment`` API (see the module docstring).

    Args:
      env: an ``mjxcontrol.Env`` or a ``"domain/task"`` id (``overrides`` go to ``load``).
    """

    def __init__(self, env: Env | str, **overrides):
        super().__init__()
        self.env = as_env(env, **overrides)
        self._size = flat_size(self.env)

    @property
    def default_params(self) -> EnvParams:
        return EnvParams(max_steps_in_episode=self.env.step_limit or NO_LIMIT)

    @property
    def name(self) -> str:
        return self.env.id

    @property
    def num_actions(self) -> int:
        return self.env.action_size

    def reset_env(self, key: jax.Array, params: EnvParams) -> tuple[jax.Array, EnvState]:
        """A new episode: ``(obs [D], state)``."""
        inner = self.env.reset(key)
        return flatten(inner.obs), EnvState(inner=inner, time=jnp.zeros((), jnp.int32))

    def step_env(
        self, key: jax.Array, state: EnvState, action: jax.Array, params: EnvParams
    ) -> tuple[jax.Array, EnvState, jax.Array, jax.Array, dict[str, Any]]:
        """One control step: ``(obs, state, reward, done or terminated, info)``.

        ``key`` is unused: mjxcontrol's steps are deterministic.
        """
        del key
        inner = self.env.step(state.inner, jnp.asarray(action, jnp.float32))
        state = EnvState(inner=inner, time=state.time + 1)
        info = {"discount": inner.discount, **float_metrics(inner.metrics)}
        end = inner.terminated if SPLIT_DONE_API else self._done(state, params)
        return flatten(inner.obs), state, inner.reward, end, info

    def is_truncated(self, state: EnvState, params: EnvParams) -> jax.Array:
        """The State's truncation, or gymnax's ``time >= max_steps_in_episode``."""
        return state.inner.truncated | (state.time >= params.max_steps_in_episode)

    def is_terminated(self, state: EnvState, params: EnvParams) -> jax.Array:
        """A terminal state (discount 0): the task's termination or a diverged simulation."""
        return state.inner.terminated

    def is_terminal(self, state: EnvState, params: EnvParams) -> jax.Array:
        """gymnax 0.0.x's ``done`` (ended for any reason); gymnax 1.x's terminal-only helper."""
        return self.is_terminated(state, params) if SPLIT_DONE_API else self._done(state, params)

    def discount(self, state: EnvState, params: EnvParams) -> jax.Array:
        return state.inner.discount

    def get_obs(self, state: EnvState, params=None, key=None) -> jax.Array:
        return flatten(state.inner.obs)

    def observation_space(self, params: EnvParams) -> spaces.Box:
        """float32 ``Box(-inf, inf, (D,))``: the flattened observation."""
        return spaces.Box(-jnp.inf, jnp.inf, (self._size,), jnp.float32)

    def action_space(self, params: EnvParams) -> spaces.Box:
        """float32 ``Box(low, high, (nu,))`` from the actuators' ctrlrange."""
        low, high = action_bounds(self.env)
        return spaces.Box(jnp.asarray(low), jnp.asarray(high), low.shape, jnp.float32)

    def _done(self, state: EnvState, params: EnvParams) -> jax.Array:
        return self.is_terminated(state, params) | self.is_truncated(state, params)


def make(env: Env | str, **overrides) -> tuple[GymnaxEnv, EnvParams]:
    """gymnax.make's shape: ``(env, default_params)``."""
    gymnax_env = GymnaxEnv(env, **overrides)
    return gymnax_env, gymnax_env.default_params


__all__ = ["SPLIT_DONE_API", "EnvParams", "EnvState", "GymnaxEnv", "make"]
