"""Soft "is this quantity inside its target interval?" rewards, written in JAX.

The Control Suite builds almost every task reward from one primitive, :func:`tolerance`. Given a
value ``x`` and a target interval ``bounds = (lower, upper)`` it returns, element by element:

* ``1`` where ``lower <= x <= upper``;
* where ``x`` lies outside the interval, ``f(distance / margin)``, in which ``distance`` is how far
  ``x`` is from the nearer bound and ``f`` is one of the shapes named in :data:`SIGMOIDS`. Every
  shape equals 1 at zero distance, decays as the distance grows, and is scaled so that it equals
  ``value_at_margin`` when ``distance == margin``;
* with ``margin == 0``, a hard indicator: ``0`` everywhere outside the interval.

``x`` may be a Python number or an array of any shape (the result has the same shape, always in
JAX's default float dtype: float32, or float64 when x64 is enabled; comparisons against the bounds
are made in that dtype). The shape parameters (``bounds``, ``margin``, ``sigmoid``,
``value_at_margin``) are configuration, not data: they must be concrete numbers when the function
is traced, and they are checked eagerly in Python. The function is safe inside ``jax.jit`` and
``jax.vmap`` with ``x`` traced.

The results match ``dm_control.utils.rewards.tolerance`` to float32 rounding (``x`` equal to
``nan`` gives the same ``nan`` or ``0`` that dm_control gives), and the argument checks are the
same ones dm_control makes, tightened in two deliberate ways: dm_control only checks ``sigmoid``
and ``value_at_margin`` when ``margin > 0`` (they are unused otherwise), whereas this module checks
them on every call, so a typo cannot lurk behind a configuration whose margin happens to be 0; and
NaN bounds or margins, which dm_control silently turns into meaningless rewards, are rejected.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import Any, TypeAlias

import jax
import jax.numpy as jnp
import numpy as np
from jax.core import Tracer

__all__ = ["SIGMOIDS", "tolerance"]

# A concrete real number: a Python or NumPy scalar, or a single-element (non-traced) array.
RealScalar: TypeAlias = "float | np.number | np.ndarray | jax.Array"

SIGMOIDS: tuple[str, ...] = (
    "gaussian",
    "hyperbolic",
    "long_tail",
    "reciprocal",
    "cosine",
    "linear",
    "quadratic",
    "tanh_squared",
)
"""Names accepted by the ``sigmoid`` argument of :func:`tolerance`."""

# Shapes that reach exactly 0 at a finite distance, so asking for 0 at the margin is meaningful.
# The others only approach 0 asymptotically and need 0 < value_at_margin < 1.
_COMPACT_SIGMOIDS = frozenset({"cosine", "linear", "quadratic"})

_DEFAULT_VALUE_AT_MARGIN = 0.1


# --------------------------------------------------------------------------------------------------
# Argument checking.


def _concrete_scalar(name: str, value: Any) -> float:
    """Converts a configuration argument to a Python float, rejecting traced or non-scalar values.

    Args:
        name: Argument name, used in error messages.
        value: A Python number, a NumPy scalar, or a concrete single-element array.

    Returns:
        The value as a Python float.

    Raises:
        TypeError: If ``value`` is a JAX tracer, is not a real number, or has more than one element.
    """
    if isinstance(value, Tracer):
        raise TypeError(
            f"`{name}` must be a concrete number, but got a traced JAX value ({value!r}). "
            f"tolerance() needs its shape parameters when it is traced; pass `{name}` as a Python "
            "number (e.g. close over it, or mark it static with jax.jit's static_argnames)."
        )
    try:
        array = np.asarray(value)
    except (TypeError, ValueError) as err:
        raise TypeError(f"`{name}` must be a real number, got {value!r}.") from err
    if array.dtype.kind not in "biuf":
        raise TypeError(f"`{name}` must be a real number, got {value!r}.")
    if array.size != 1:
        raise TypeError(
            f"`{name}` must be a single number, got an array of shape {array.shape}: {value!r}."
        )
    return float(array.reshape(()))


def _check_arguments(
    bounds: Any, margin: Any, sigmoid: Any, value_at_margin: Any
) -> tuple[float, float, float, float]:
    """Validates the shape parameters of :func:`tolerance` and returns them as Python floats.

    Args:
        bounds: The ``(lower, upper)`` pair.
        margin: The distance at which the output equals ``value_at_margin``.
        sigmoid: One of :data:`SIGMOIDS`.
        value_at_margin: The output at distance ``margin`` from the interval.

    Returns:
        ``(lower, upper, margin, value_at_margin)`` as Python floats.

    Raises:
        TypeError: If an argument is traced, not a number, or (for ``bounds``) not a pair.
        ValueError: If an argument is out of its allowed range.
    """
    if isinstance(bounds, Tracer):
        # Unpacking a tracer would "work" and then fail deep inside; name the problem instead.
        raise TypeError(
            f"`bounds` must be a pair of concrete numbers, but got a traced JAX value ({bounds!r})."
        )
    try:
        lower, upper = bounds
    except TypeError as err:
        raise TypeError(f"`bounds` must be a (lower, upper) pair, got {bounds!r}.") from err
    except ValueError as err:
        raise ValueError(f"`bounds` must be a (lower, upper) pair, got {bounds!r}.") from err
    lower = _concrete_scalar("bounds[0]", lower)
    upper = _concrete_scalar("bounds[1]", upper)
    if math.isnan(lower) or math.isnan(upper):
        raise ValueError(f"`bounds` must not contain NaN, got bounds={(lower, upper)}.")
    if lower > upper:
        raise ValueError(
            f"`bounds` must satisfy lower <= upper, got bounds={(lower, upper)} "
            "(lower bound > upper bound)."
        )

    margin = _concrete_scalar("margin", margin)
    if not margin >= 0:  # Also catches NaN.
        raise ValueError(f"`margin` must be non-negative, got margin={margin}.")

    if not isinstance(sigmoid, str) or sigmoid not in SIGMOIDS:
        raise ValueError(
            f"Unknown sigmoid {sigmoid!r}; `sigmoid` must be one of: {', '.join(SIGMOIDS)}."
        )

    value_at_margin = _concrete_scalar("value_at_margin", value_at_margin)
    if sigmoid in _COMPACT_SIGMOIDS:
        if not 0 <= value_at_margin < 1:
            raise ValueError(
                f"`value_at_margin` must be in [0, 1) for sigmoid={sigmoid!r}, "
                f"got value_at_margin={value_at_margin}."
            )
    elif not 0 < value_at_margin < 1:
        raise ValueError(
            f"`value_at_margin` must be strictly between 0 and 1 for sigmoid={sigmoid!r} "
            f"(only cosine, linear and quadratic accept 0), got value_at_margin={value_at_margin}."
        )
    return lower, upper, margin, value_at_margin


# --------------------------------------------------------------------------------------------------
# The shapes. Each maker takes the (validated) output wanted at unit distance and returns a
# function of the normalised distance d = distance / margin, which is >= 0 or NaN. The scale
# constants are computed once, in float64, on the host.


def _stable_sech(y: jax.Array) -> jax.Array:
    """Returns 1 / cosh(y) without overflowing (and so with finite gradients) for large |y|."""
    e = jnp.exp(-jnp.abs(y))
    # Rounding can put 2e / (1 + e^2) one ulp above 1 for tiny |y|; sech never exceeds 1.
    return jnp.minimum(2.0 * e / (1.0 + e * e), 1.0)


def _scaled(d: jax.Array, scale: float) -> jax.Array:
    """Returns ``d * scale``; for an infinite scale, avoids forming ``0 * inf``.

    An infinite scale arises when ``value_at_margin`` is so close to 0 that the float64 scale
    overflows; the shape is then a step (1 at d == 0, 0 beyond), which is what this produces.
    """
    if math.isinf(scale):
        return jnp.where(d > 0, jnp.inf, d)
    return d * scale


def _host_scale(fn: Callable[[np.float64], Any], value_at_1: float) -> float:
    """Evaluates a scale formula in float64; an overflow becomes ``inf`` rather than an error."""
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        return float(fn(np.float64(value_at_1)))


def _gaussian(v: float) -> Callable[[jax.Array], jax.Array]:
    scale = _host_scale(lambda v: np.sqrt(-2.0 * np.log(v)), v)
    return lambda d: jnp.exp(-0.5 * jnp.square(_scaled(d, scale)))


def _hyperbolic(v: float) -> Callable[[jax.Array], jax.Array]:
    scale = _host_scale(lambda v: np.arccosh(1.0 / v), v)
    return lambda d: _stable_sech(_scaled(d, scale))


def _long_tail(v: float) -> Callable[[jax.Array], jax.Array]:
    scale = _host_scale(lambda v: np.sqrt(1.0 / v - 1.0), v)
    return lambda d: 1.0 / (jnp.square(_scaled(d, scale)) + 1.0)


def _reciprocal(v: float) -> Callable[[jax.Array], jax.Array]:
    scale = _host_scale(lambda v: 1.0 / v - 1.0, v)
    return lambda d: 1.0 / (_scaled(jnp.abs(d), scale) + 1.0)


def _cosine(v: float) -> Callable[[jax.Array], jax.Array]:
    # Half a cosine period, reaching 0 at scaled distance 1 and staying there.
    scale = _host_scale(lambda v: np.arccos(2.0 * v - 1.0) / np.pi, v)

    def f(d: jax.Array) -> jax.Array:
        s = d * scale
        # Clamp the argument so the unused branch never sees cos(inf) (a NaN gradient).
        inside = 0.5 * (1.0 + jnp.cos(jnp.pi * jnp.minimum(s, 1.0)))
        return jnp.where(jnp.abs(s) < 1.0, inside, 0.0)

    return f


def _linear(v: float) -> Callable[[jax.Array], jax.Array]:
    scale = 1.0 - v

    def f(d: jax.Array) -> jax.Array:
        s = d * scale
        return jnp.where(jnp.abs(s) < 1.0, 1.0 - s, 0.0)

    return f


def _quadratic(v: float) -> Callable[[jax.Array], jax.Array]:
    scale = math.sqrt(1.0 - v)

    def f(d: jax.Array) -> jax.Array:
        s = d * scale
        return jnp.where(jnp.abs(s) < 1.0, 1.0 - jnp.square(s), 0.0)

    return f


def _tanh_squared(v: float) -> Callable[[jax.Array], jax.Array]:
    # 1 - tanh(y)**2 == sech(y)**2, evaluated in the form that keeps precision for large y.
    scale = _host_scale(lambda v: np.arctanh(np.sqrt(1.0 - v)), v)
    return lambda d: jnp.square(_stable_sech(_scaled(d, scale)))


_SIGMOID_MAKERS: dict[str, Callable[[float], Callable[[jax.Array], jax.Array]]] = {
    "gaussian": _gaussian,
    "hyperbolic": _hyperbolic,
    "long_tail": _long_tail,
    "reciprocal": _reciprocal,
    "cosine": _cosine,
    "linear": _linear,
    "quadratic": _quadratic,
    "tanh_squared": _tanh_squared,
}
assert tuple(_SIGMOID_MAKERS) == SIGMOIDS


# Jitted so that an eager call compiles once per configuration and shape instead of dispatching
# op by op; inside an outer jit/vmap it simply inlines. The static arguments are validated floats
# (never NaN, so they hash and compare consistently).
@functools.partial(
    jax.jit, static_argnames=("lower", "upper", "margin", "sigmoid", "value_at_margin")
)
def _tolerance(
    x: jax.Array,
    *,
    lower: float,
    upper: float,
    margin: float,
    sigmoid: str,
    value_at_margin: float,
) -> jax.Array:
    """:func:`tolerance` on an array already in the default float dtype, arguments validated."""
    dtype = x.dtype
    in_bounds = (lower <= x) & (x <= upper)
    if margin == 0:
        return jnp.where(in_bounds, 1.0, 0.0).astype(dtype)

    # Distance to the nearer bound: 0 inside (so an infinite bound never leaks inf - inf into the
    # computation), NaN for a NaN x (so it propagates exactly as it does in dm_control).
    distance = jnp.where(x < lower, lower - x, jnp.where(in_bounds, 0.0, x - upper))
    # Guard a margin so small that it underflows to 0 in `dtype` (0 / 0 would be NaN).
    safe_margin = max(margin, float(jnp.finfo(dtype).tiny))
    value = _SIGMOID_MAKERS[sigmoid](value_at_margin)(distance / safe_margin)
    return jnp.where(in_bounds, 1.0, value).astype(dtype)


# --------------------------------------------------------------------------------------------------
# Public API.


def tolerance(
    x: Any,
    bounds: tuple[RealScalar, RealScalar] | np.ndarray = (0.0, 0.0),
    margin: RealScalar = 0.0,
    sigmoid: str = "gaussian",
    value_at_margin: RealScalar = _DEFAULT_VALUE_AT_MARGIN,
) -> jax.Array:
    """Scores how close ``x`` is to the interval ``bounds``: 1 inside, decaying outside.

    Args:
        x: A number or an array of any shape, possibly traced. Evaluated element by element.
        bounds: ``(lower, upper)``, the inclusive target interval. Either end may be infinite, and
            the two may be equal to reward one exact value.
        margin: How far outside the interval the output has fallen to ``value_at_margin``; it sets
            how quickly the reward decays. ``0`` makes the reward a hard 0/1 indicator of
            ``lower <= x <= upper``. May be ``inf`` (then the reward is 1 for every finite ``x``).
        sigmoid: The decay shape, one of :data:`SIGMOIDS`. ``gaussian``, ``hyperbolic``,
            ``long_tail``, ``reciprocal`` and ``tanh_squared`` approach 0 only asymptotically;
            ``cosine``, ``linear`` and ``quadratic`` reach exactly 0 at a finite distance.
        value_at_margin: The output when ``x`` is exactly ``margin`` away from the nearer bound.
            Must lie in ``(0, 1)``; ``cosine``, ``linear`` and ``quadratic`` also accept ``0``
            (the reward then reaches 0 at the margin and stays 0 beyond it).

    Returns:
        An array shaped like ``x``, in JAX's default float dtype, with values in ``[0, 1]`` for any
        non-NaN ``x``.

    Raises:
        ValueError: If ``bounds`` is not a pair, contains NaN, or has lower > upper; if ``margin``
            is negative or NaN; if ``sigmoid`` is not one of :data:`SIGMOIDS`; or if
            ``value_at_margin`` is outside the range allowed for ``sigmoid``.
        TypeError: If ``bounds``, ``margin`` or ``value_at_margin`` is a traced JAX value, is not a
            real number, or holds more than one number; or if ``x`` is complex.
    """
    lower, upper, margin, value_at_margin = _check_arguments(
        bounds, margin, sigmoid, value_at_margin
    )

    if jnp.iscomplexobj(x):
        raise TypeError(f"`x` must be real-valued, got dtype {jnp.result_type(x)}.")
    dtype = jax.dtypes.canonicalize_dtype(jnp.float64)  # float32 unless x64 is enabled.
    x = jnp.asarray(x, dtype=dtype)

    return _tolerance(
        x,
        lower=lower,
        upper=upper,
        margin=margin,
        sigmoid=sigmoid,
        value_at_margin=value_at_margin,
    )
