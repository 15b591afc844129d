"""A jitted ``lax.scan`` rollout over one env or a batch of envs."""

from __future__ import annotations

import functools
from collections.abc import Callable

import jax
import jax.numpy as jnp
from flax import struct

from mjxcontrol.env import Env
from mjxcontrol.types import Observation, State
from mjxcontrol.wrappers import AutoReset

Policy = Callable[[Observation, jax.Array], jax.Array]  # (obs, key) -> action


@struct.dataclass
class Trajectory:
    """Per-step outputs of a rollout, each with a leading time axis ``[T, (B,) ...]``.

    ``obs`` is the observation *after* each step (``final_obs`` where an episode ended).
    """

    obs: Observation
    action: jax.Array
    reward: jax.Array
    discount: jax.Array
    terminated: jax.Array
    truncated: jax.Array


def zero_policy(env: Env) -> Policy:
    """A policy that always outputs zeros."""
    return lambda obs, key: jnp.zeros((env.action_size,), jnp.float32)


def uniform_policy(env: Env) -> Policy:
    """Uniform random actions within the action spec (``[-1, 1]`` where unbounded)."""
    spec = env.action_spec()
    lo = jnp.where(jnp.isfinite(spec.minimum), spec.minimum, -1.0)
    hi = jnp.where(jnp.isfinite(spec.maximum), spec.maximum, 1.0)
    return lambda obs, key: jax.random.uniform(key, lo.shape, minval=lo, maxval=hi)


@functools.partial(jax.jit, static_argnames=("env", "num_steps", "policy", "record", "fuse_reset"))
def rollout(
    env: Env,
    state: State,
    key: jax.Array,
    num_steps: int,
    policy: Policy | None = None,
    record: bool = True,
    fuse_reset: bool | None = None,
) -> tuple[State, Trajectory | None]:
    """Runs ``num_steps`` control steps with automatic resets.

    Args:
      env: the environment (static: each env compiles its own rollout).
      state: a single state or a batch from ``jax.vmap(env.reset)`` (leading env axis).
      key: PRNG key for the policy.
      num_steps: number of control steps.
      policy: ``(obs, key) -> action`` for one env (vmapped over a batch); default zeros.
      record: return the :class:`Trajectory` (False saves memory in benchmarks).
      fuse_reset: :class:`AutoReset`'s ``fuse_reset`` (batches under ``impl="jax"``: less to
        compile; default: the task's, :func:`mjxcontrol.wrappers.default_fuse_reset`).

    Returns:
      ``(final_state, trajectory or None)``.
    """
    policy = policy or zero_policy(env)
    auto = AutoReset(env, fuse_reset)
    batched = state.step.ndim == 1

    def body(state, key):
        if batched:
            keys = jax.random.split(key, state.step.shape[0])
            action = jax.vmap(policy)(state.obs, keys)
        else:
            action = policy(state.obs, key)
        state = auto.step(state, action)
        out = None
        if record:
            out = Trajectory(
                state.final_obs,
                action,
                state.reward,
                state.discount,
                state.terminated,
                state.truncated,
            )
        return state, out

    return jax.lax.scan(body, state, jax.random.split(key, num_steps))
