"""The env contract's input checks. They run at trace time (on shapes and dtypes), so a wrong
call fails with one ``ValueError`` that names the fix rather than an error from inside XLA.
``Env.reset`` / ``Env.step`` call them; so do the paths that step an env's pieces themselves
(``AutoReset(fuse_reset=True)``, the test harness's compiled functions)."""

from __future__ import annotations

import jax
import jax.numpy as jnp

from mjxcontrol.types import FLOAT, State


def check_unbatched(env_id: str, *, key=None, state: State | None = None) -> None:
    """Raises a ValueError naming the fix when a batch reaches a single-env function."""
    if state is not None and jnp.ndim(state.step) != 0:
        raise ValueError(
            f"{env_id}: env.step got a batched state (leading axes "
            f"{tuple(jnp.shape(state.step))}); step a batch with jax.vmap(env.step) or use "
            "mjxcontrol.AutoReset / mjxcontrol.rollout, which batch for you"
        )
    if key is not None:
        key = jnp.asarray(key) if not isinstance(key, jax.Array) else key
        typed = jnp.issubdtype(key.dtype, jax.dtypes.prng_key)
        if (typed and key.ndim != 0) or (not typed and key.ndim != 1):
            raise ValueError(
                f"{env_id}: env.reset takes one PRNG key (shape () typed key or uint32[2]), "
                f"got shape {key.shape}; reset a batch with "
                "jax.vmap(env.reset)(jax.random.split(key, n))"
            )


def check_action(env_id: str, nu: int, action) -> jax.Array:
    """``action`` as float32 ``(nu,)``; raises a ValueError for another shape or a non-float
    dtype."""
    try:
        action = jnp.asarray(action)
    except TypeError as e:
        raise ValueError(f"{env_id}: action must be a float array: {e}") from None
    if action.shape != (nu,):
        raise ValueError(
            f"{env_id}: action must have shape ({nu},), got {action.shape}. "
            "Batch with jax.vmap(env.step) rather than passing a batched action."
        )
    if not jnp.issubdtype(action.dtype, jnp.floating):
        raise ValueError(f"{env_id}: action must be a float array, got dtype {action.dtype}")
    return action.astype(FLOAT)
