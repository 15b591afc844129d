"""A ``brax.envs.base.Env`` over an mjxcontrol env, for brax-style training loops.

brax's conventions, and how this adapter meets them:

* ``obs``: the flattened float32 observation ``[D]`` (``observation_size = D``).
* ``done``: the State's ``terminated`` only (a terminal failure or a diverged simulation). In
  brax, time limits are ``EpisodeWrapper``'s job: it sets ``done`` and ``info["truncation"] =
  1 - done`` at ``episode_length``, which is only right when the env itself never reports a
  time-limit end as ``done``. Wrap with ``episode_length=env.step_limit`` (:attr:`episode_length`)
  to end episodes exactly where dm_control does.
* ``info["truncation"]``: the State's ``truncated`` (float32), so that an unwrapped env still
  tells time-limit ends apart; ``EpisodeWrapper`` overwrites it with the same value at its limit.
  ``info["discount"]``: the State's discount.
* ``pipeline_state``: the whole mjxcontrol ``State`` (``data``, ``step``, ``key``, ``task_state``).
  It lives there rather than in ``info`` because brax's ``AutoResetWrapper`` restores exactly
  ``pipeline_state`` and ``obs``: a State kept in ``info`` would survive the reset and carry the
  old episode's step count and targets into the new one. Read it with :func:`mjx_state`.
* ``metrics``: the State's metrics as float32 (``reward/<term>``, ``invalid_action``,
  ``physics_error``), which ``EpisodeWrapper`` sums per episode.

brax's ``AutoResetWrapper`` restarts a finished env from the first state it was reset to (brax's
design: every episode of that env starts alike); ``jax.vmap`` over many keys gives the variety.
Pass legacy ``uint32[2]`` keys (``jax.random.PRNGKey``): brax's wrappers index ``rng.shape[:-1]``.
See docs/adapters.md for which brax 0.14.2 pieces run on jax 0.10 (its trainers do not).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

from mjxcontrol.adapters import as_env, flat_size, flatten, float_metrics, require
from mjxcontrol.env import Env
from mjxcontrol.types import State

require("brax")
from brax.envs import base  # noqa: E402


class BraxEnv(base.Env):
    """An mjxcontrol env as a brax ``Env`` (see the module docstring).

    Args:
      env: an ``mjxcontrol.Env`` or a ``"domain/task"`` id (``overrides`` go to ``load``).
    """

    def __init__(self, env: Env | str, **overrides):
        self.env = as_env(env, **overrides)
        self._size = flat_size(self.env)

    def reset(self, rng: jax.Array) -> base.State:
        """A new episode of one env (``jax.vmap`` or brax's ``VmapWrapper`` for a batch)."""
        state = self.env.reset(rng)
        info = {"truncation": jnp.zeros((), jnp.float32), "discount": state.discount}
        return base.State(
            pipeline_state=state,  # pyright: ignore[reportArgumentType]
            obs=flatten(state.obs),
            reward=state.reward,
            done=jnp.zeros((), jnp.float32),
            metrics=float_metrics(state.metrics),
            info=info,
        )

    def step(self, state: base.State, action: jax.Array) -> base.State:
        """One control step; keeps the ``info`` and ``metrics`` entries that wrappers added."""
        inner = self.env.step(mjx_state(state), action)
        info = {
            **state.info,
            "truncation": inner.truncated.astype(jnp.float32),
            "discount": inner.discount,
        }
        return state.replace(
            pipeline_state=inner,
            obs=flatten(inner.obs),
            reward=inner.reward,
            done=inner.terminated.astype(jnp.float32),
            metrics={**state.metrics, **float_metrics(inner.metrics)},  # wrappers add keys
            info=info,
        )

    @property
    def observation_size(self) -> int:
        return self._size

    @property
    def action_size(self) -> int:
        return self.env.action_size

    @property
    def backend(self) -> str:
        return "mjx"

    @property
    def episode_length(self) -> int | None:
        """The task's step limit: the ``episode_length`` to give brax's ``EpisodeWrapper``."""
        return self.env.step_limit

    @property
    def dt(self) -> float:
        """Seconds per step (the control timestep)."""
        return self.env.control_timestep


def mjx_state(state: base.State) -> State:
    """The mjxcontrol ``State`` inside a brax state (its ``pipeline_state``)."""
    inner = state.pipeline_state
    if not isinstance(inner, State):
        raise ValueError(
            f"expected a brax State made by BraxEnv (pipeline_state an mjxcontrol State), got "
            f"pipeline_state of type {type(inner).__name__}"
        )
    return inner
