"""Observation preprocessing: flattening dm_control's observation dict and a running normaliser."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import jax
import jax.numpy as jnp
from flax import struct
from jax.typing import ArrayLike

# Normalised observations are clipped to +-CLIP standard deviations (outliers early in training).
CLIP = 10.0
# Added to the variance before the square root (constant observation entries).
EPS = 1e-6


def flatten_obs(
    obs: Mapping[str, ArrayLike], batch_dims: int = 0, keys: Sequence[str] | None = None
) -> jax.Array:
    """Concatenates an observation dict into one float32 vector, in dm_control's key order.

    Args:
      obs: ``name -> array``; with ``batch_dims`` leading batch axes shared by every entry.
      batch_dims: number of leading batch axes (0 for one env, 1 for ``[B]``, 2 for ``[T, B]``).
      keys: the key order; default ``obs``'s own order (an env's ``OrderedDict`` is in
        dm_control's order; pass ``keys`` for a plain ``dict``, whose order a ``jit`` boundary
        does not keep).

    Returns:
      ``[*batch, D]`` float32, ``D`` the total number of observation entries.

    Raises:
      ValueError: if ``keys`` names an entry that ``obs`` lacks.
    """
    names = list(obs.keys()) if keys is None else list(keys)
    missing = [k for k in names if k not in obs]
    if missing:
        raise ValueError(f"observation lacks {missing}; it has {list(obs.keys())}")
    flat = lambda o: jnp.concatenate(  # noqa: E731
        [jnp.ravel(jnp.asarray(o[k], jnp.float32)) for k in names]
    )
    for _ in range(batch_dims):
        flat = jax.vmap(flat)
    return flat(obs)


def bootstrap_obs(
    final_obs: Mapping[str, jax.Array], discount: jax.Array
) -> tuple[jax.Array, jax.Array]:
    """What to bootstrap from after ``N`` auto-reset steps: ``(next_obs [N, D], discount [N])``.

    ``final_obs`` is the observation the step produced (the episode's last one where it ended),
    so truncated episodes bootstrap from where they stopped with the env's discount of 1, and
    terminated ones get the env's discount of 0. Where ``final_obs`` is not finite the
    discount becomes 0 and the observation is zeroed: never bootstrap from a broken state.
    """
    next_obs = flatten_obs(final_obs, 1)
    finite = jnp.all(jnp.isfinite(next_obs), axis=-1)
    return jnp.where(finite[:, None], next_obs, 0.0), jnp.where(finite, discount, 0.0)


@struct.dataclass
class RunningNorm:
    """Running mean and variance of observations (a pytree; update it inside jit).

    Attributes:
      count: float32 scalar, number of observations seen.
      mean: ``[D]`` float32 mean.
      var: ``[D]`` float32 population variance (1 before any data).
    """

    count: jax.Array
    mean: jax.Array
    var: jax.Array


def init_norm(size: int) -> RunningNorm:
    """A normaliser for ``size``-vectors that is the identity until it sees data."""
    return RunningNorm(
        count=jnp.zeros((), jnp.float32),
        mean=jnp.zeros((size,), jnp.float32),
        var=jnp.ones((size,), jnp.float32),
    )


def update_norm(norm: RunningNorm, batch: jax.Array) -> RunningNorm:
    """Merges a batch ``[N, D]`` into the statistics (Chan et al.'s parallel update).

    Non-finite rows are skipped, so one bad observation cannot poison the statistics.
    """
    ok = jnp.all(jnp.isfinite(batch), axis=-1)
    batch = jnp.where(ok[:, None], batch, 0.0)
    n = jnp.sum(ok).astype(jnp.float32)
    batch_mean = jnp.sum(batch, axis=0) / jnp.maximum(n, 1.0)
    batch_var = jnp.sum(jnp.where(ok[:, None], (batch - batch_mean) ** 2, 0.0), axis=0)
    batch_var = batch_var / jnp.maximum(n, 1.0)
    total = norm.count + n
    delta = batch_mean - norm.mean
    frac = n / jnp.maximum(total, 1.0)
    mean = norm.mean + delta * frac
    # The prior var is a placeholder 1 while count == 0: weight it by count, not by 1 - frac.
    m2 = norm.var * norm.count + batch_var * n + delta**2 * norm.count * frac
    var = jnp.where(total > 0, m2 / jnp.maximum(total, 1.0), norm.var)
    return RunningNorm(count=total, mean=mean, var=var)


def normalize(norm: RunningNorm, x: jax.Array) -> jax.Array:
    """``(x - mean) / std`` clipped to ``[-CLIP, CLIP]``; ``x`` is ``[..., D]``."""
    return jnp.clip((x - norm.mean) * jax.lax.rsqrt(norm.var + EPS), -CLIP, CLIP)
