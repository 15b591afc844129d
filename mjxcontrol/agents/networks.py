"""Flax (linen) networks of the reference agents: MLPs, a tanh-Gaussian policy, twin Q-functions.

Shapes use ``B`` for any batch prefix, ``D`` for the flat observation size and ``A`` for the
action size. Policies act in the squashed space ``[-1, 1]^A``; :func:`scale_action` maps that box
onto an env's action bounds.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np

# log std of the policy's Gaussian is squashed into this range (SAC's usual bounds): the upper
# bound keeps early exploration sane, the lower keeps log-probabilities finite.
LOG_STD_MIN = -5.0
LOG_STD_MAX = 2.0
LOG_2 = float(np.log(2.0))


class MLP(nn.Module):
    """``Dense -> [LayerNorm] -> relu`` per hidden layer, then a linear output layer.

    Attributes:
      hidden: widths of the hidden layers.
      out: size of the output layer.
      layer_norm: normalise hidden activations (stabilises critics at high update-to-data ratios).
    """

    hidden: Sequence[int]
    out: int
    layer_norm: bool = False

    @nn.compact
    def __call__(self, x: jax.Array) -> jax.Array:
        for width in self.hidden:
            x = nn.Dense(width)(x)
            if self.layer_norm:
                x = nn.LayerNorm()(x)
            x = nn.relu(x)
        return nn.Dense(self.out)(x)


class TanhGaussianPolicy(nn.Module):
    """``obs [B, D] -> (mean [B, A], log_std [B, A])`` of a Gaussian squashed by ``tanh``.

    ``log_std`` is mapped smoothly into ``[LOG_STD_MIN, LOG_STD_MAX]``.
    """

    hidden: Sequence[int]
    action_size: int

    @nn.compact
    def __call__(self, obs: jax.Array) -> tuple[jax.Array, jax.Array]:
        out = MLP(self.hidden, 2 * self.action_size)(obs)
        mean, log_std = jnp.split(out, 2, axis=-1)
        log_std = LOG_STD_MIN + 0.5 * (LOG_STD_MAX - LOG_STD_MIN) * (jnp.tanh(log_std) + 1.0)
        return mean, log_std


class TwinQ(nn.Module):
    """``(obs [B, D], action [B, A]) -> q [n, B]``: ``n`` independent Q-networks (clipped double-Q).

    The ``n`` networks are one vmapped module, so they run as batched matrix products.
    """

    hidden: Sequence[int]
    n: int = 2
    layer_norm: bool = False

    @nn.compact
    def __call__(self, obs: jax.Array, action: jax.Array) -> jax.Array:
        ensemble = nn.vmap(
            MLP,  # type: ignore[arg-type]
            variable_axes={"params": 0},
            split_rngs={"params": True},
            in_axes=None,  # type: ignore[arg-type]  (None: the input is shared)
            out_axes=0,
            axis_size=self.n,
        )
        q = ensemble(self.hidden, 1, self.layer_norm)(jnp.concatenate([obs, action], axis=-1))
        return q[..., 0]


class ValueNet(nn.Module):
    """``obs [B, D] -> v [B]``."""

    hidden: Sequence[int]

    @nn.compact
    def __call__(self, obs: jax.Array) -> jax.Array:
        return MLP(self.hidden, 1)(obs)[..., 0]


# ------------------------------------------------------------------ typed apply helpers
# linen's ``Module.apply`` is typed as returning ``Any | tuple``; these name the real shapes.
def apply_policy(
    policy: TanhGaussianPolicy, params: Any, obs: jax.Array
) -> tuple[jax.Array, jax.Array]:
    """``(mean [B, A], log_std [B, A])`` of the policy at normalised ``obs [B, D]``."""
    return cast(tuple[jax.Array, jax.Array], policy.apply(params, obs))


def apply_q(critic: TwinQ, params: Any, obs: jax.Array, action: jax.Array) -> jax.Array:
    """``q [n, B]`` of the twin critics at ``(obs [B, D], action [B, A])``."""
    return cast(jax.Array, critic.apply(params, obs, action))


def apply_value(value: ValueNet, params: Any, obs: jax.Array) -> jax.Array:
    """``v [B]`` at ``obs [B, D]``."""
    return cast(jax.Array, value.apply(params, obs))


# ------------------------------------------------------------------ tanh-Gaussian distribution
def tanh_log_det(raw: jax.Array) -> jax.Array:
    """``sum_a log(1 - tanh(raw_a)^2)`` over the last axis, computed without cancellation."""
    return jnp.sum(2.0 * (LOG_2 - raw - jax.nn.softplus(-2.0 * raw)), axis=-1)


def gaussian_log_prob(mean: jax.Array, log_std: jax.Array, raw: jax.Array) -> jax.Array:
    """Log-density of ``raw`` under the diagonal Gaussian, summed over the last axis."""
    z = (raw - mean) * jnp.exp(-log_std)
    return jnp.sum(-0.5 * z * z - log_std - 0.5 * np.log(2.0 * np.pi), axis=-1)


def tanh_gaussian_log_prob(mean: jax.Array, log_std: jax.Array, raw: jax.Array) -> jax.Array:
    """Log-density of ``tanh(raw)`` where ``raw ~ N(mean, exp(log_std)^2)``; shape ``[B]``."""
    return gaussian_log_prob(mean, log_std, raw) - tanh_log_det(raw)


def gaussian_entropy(log_std: jax.Array) -> jax.Array:
    """Entropy of the (pre-tanh) diagonal Gaussian, summed over the last axis."""
    return jnp.sum(log_std + 0.5 * (1.0 + np.log(2.0 * np.pi)), axis=-1)


def sample_tanh_gaussian(
    mean: jax.Array, log_std: jax.Array, key: jax.Array
) -> tuple[jax.Array, jax.Array, jax.Array]:
    """Reparameterised sample: ``(raw [B, A], action = tanh(raw) [B, A], log_prob(action) [B])``."""
    raw = mean + jnp.exp(log_std) * jax.random.normal(key, mean.shape, mean.dtype)
    return raw, jnp.tanh(raw), tanh_gaussian_log_prob(mean, log_std, raw)


def scale_action(action: jax.Array, minimum: np.ndarray, maximum: np.ndarray) -> jax.Array:
    """Maps ``action`` in ``[-1, 1]^A`` affinely onto ``[minimum, maximum]``.

    Dimensions with an infinite bound are passed through unchanged (every suite task is bounded
    by ``[-1, 1]``, where this is the identity).
    """
    lo, hi = np.asarray(minimum, np.float32), np.asarray(maximum, np.float32)
    finite = np.isfinite(lo) & np.isfinite(hi)
    lo, hi = np.where(finite, lo, -1.0), np.where(finite, hi, 1.0)
    return jnp.asarray(lo + 0.5 * (action + 1.0) * (hi - lo))
