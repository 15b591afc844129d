"""Parity and validation tests: mjxcontrol.rewards.tolerance vs dm_control's tolerance."""

from __future__ import annotations

import functools
import math
import re
import warnings
from typing import Any

import chex
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from dm_control.utils import rewards as dm_rewards

from mjxcontrol.rewards import SIGMOIDS, tolerance

# We compute in float32 and dm_control in float64; outputs lie in [0, 1], so a few float32 ulps
# of 1.0 (6e-8 each) is the expected gap and 1e-6 leaves headroom without hiding real errors.
ATOL = 1e-6

COMPACT_SIGMOIDS = ("cosine", "linear", "quadratic")  # the ones that accept value_at_margin == 0
INF = math.inf
ZERO_IF_ALLOWED = "zero-if-allowed"  # placeholder: 0 for compact sigmoids, 0.1 otherwise

# (bounds, margin, value_at_margin). Every case is run for every sigmoid.
CASES = (
    ((0.0, 0.0), 1.0, 0.1),  # exact target, default value_at_margin
    ((-1.0, 2.0), 0.5, 0.3),
    ((1.2, INF), 1.2, ZERO_IF_ALLOWED),  # one-sided, as in the quadruped/dog upright rewards
    ((-INF, 0.5), 2.0, 0.9),
    ((0.25, 0.75), 0.0, 0.1),  # margin 0: hard indicator
    ((1.2, INF), 0.0, 0.1),
    ((-INF, INF), 1.0, 0.5),  # everything is in bounds
    ((-0.3, -0.3), 0.05, 1e-3),  # narrow margin, steep decay
    ((0.0, 1.0), 3.0, 1e-17),  # scale overflows to inf in float64 for tanh_squared
)


def _value_at_margin(value: float | str, sigmoid: str) -> float:
    if value == ZERO_IF_ALLOWED:
        return 0.0 if sigmoid in COMPACT_SIGMOIDS else 0.1
    return float(value)


def _grid() -> np.ndarray:
    """~1000 float32 inputs: a dense sweep plus every bound, its neighbours and bound +- margin."""
    points = [np.linspace(-6.0, 6.0, 901), [INF, -INF, np.nan, 1e30, -1e30, 0.0, -0.0]]
    for (lower, upper), margin, _ in CASES:
        for bound in (lower, upper):
            if not math.isfinite(bound):
                continue
            b = np.float32(bound)
            points.append([b, np.nextafter(b, np.float32(INF)), np.nextafter(b, np.float32(-INF))])
            for k in (-1.0, -0.5, 0.5, 1.0, 2.0):
                points.append([b + k * np.float32(margin)])
    return np.unique(np.concatenate([np.asarray(p, np.float32) for p in points]))


GRID = _grid()
FINITE = np.isfinite(GRID)


def _dm_tolerance(x, **kwargs):
    """dm_control's tolerance with its harmless numpy overflow/invalid warnings silenced."""
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return dm_rewards.tolerance(x, **kwargs)


@functools.cache
def _compiled(sigmoid: str):
    """One jit per sigmoid: values for every case, and d/dx for every case with a margin."""

    def run(x):
        values, grads = [], []
        for bounds, margin, value in CASES:
            fn = functools.partial(
                tolerance,
                bounds=bounds,
                margin=margin,
                sigmoid=sigmoid,
                value_at_margin=_value_at_margin(value, sigmoid),
            )
            values.append(fn(x))
            # fn is elementwise, so the gradient of the sum is the elementwise derivative.
            grads.append(jax.grad(lambda x, fn=fn: fn(x).sum())(x))
        return jnp.stack(values), jnp.stack(grads)

    return jax.jit(run)


# --------------------------------------------------------------------------------------------------
# Numerical parity.


def test_grid_covers_bounds_and_margins():
    assert 900 <= GRID.size <= 1100
    for bound in (1.2, 0.5, 0.25, 0.75, -0.3, 2.0, -1.0):
        assert np.float32(bound) in GRID
    assert np.float32(1.2) - np.float32(1.2) in GRID  # lower - margin for (1.2, inf)
    assert np.float32(0.5) + np.float32(2.0) in GRID


@pytest.mark.parametrize("sigmoid", SIGMOIDS)
def test_matches_dm_control(sigmoid):
    values, _ = _compiled(sigmoid)(jnp.asarray(GRID))
    values = np.asarray(values)
    assert values.dtype == np.float32
    for row, (bounds, margin, value) in zip(values, CASES, strict=True):
        vam = _value_at_margin(value, sigmoid)
        expected = _dm_tolerance(
            GRID, bounds=bounds, margin=margin, sigmoid=sigmoid, value_at_margin=vam
        )
        # With value_at_margin=1e-17 dm_control's tanh_squared scale is inf, and for x one
        # subnormal away from a bound its distance underflows to 0, so it returns tanh(0 * inf) =
        # NaN. We return the limit at zero distance, 1; that is the only sanctioned difference.
        artefact = np.isnan(expected) & ~np.isnan(GRID)
        if artefact.any():
            assert sigmoid == "tanh_squared" and vam < 1e-16, GRID[artefact]
            assert np.all(np.abs(GRID[artefact]) < np.finfo(np.float32).tiny), GRID[artefact]
            expected = np.where(artefact, 1.0, expected)
        np.testing.assert_allclose(
            row,
            expected,
            rtol=0,
            atol=ATOL,
            equal_nan=True,
            err_msg=f"sigmoid={sigmoid} bounds={bounds} margin={margin} value_at_margin={vam}",
        )


@pytest.mark.parametrize("sigmoid", SIGMOIDS)
def test_value_at_margin_is_hit_exactly(sigmoid):
    vams = (0.1, 0.5, 0.9) + ((0.0,) if sigmoid in COMPACT_SIGMOIDS else ())
    x = jnp.array(
        [-1.0, 1.5, 3.5, 4.0, 6.5]
    )  # lower - margin, lower, inside, upper, upper + margin

    @jax.jit
    def run(x):
        return jnp.stack(
            [tolerance(x, (1.5, 4.0), 2.5, sigmoid=sigmoid, value_at_margin=v) for v in vams]
        )

    expected = np.array([[v, 1.0, 1.0, 1.0, v] for v in vams])
    np.testing.assert_allclose(run(x), expected, rtol=0, atol=ATOL)


@pytest.mark.parametrize("sigmoid", SIGMOIDS)
def test_no_nan_values_or_gradients(sigmoid):
    values, grads = (np.asarray(a) for a in _compiled(sigmoid)(jnp.asarray(GRID)))
    not_nan = ~np.isnan(GRID)
    assert np.all(np.isfinite(values[:, not_nan]))
    assert np.all((values[:, not_nan] >= 0) & (values[:, not_nan] <= 1))
    # Gradients are finite at every finite x, including with infinite bounds (where the distance
    # to the missing bound is never formed) and for the compact sigmoids past their support.
    assert np.all(np.isfinite(grads[:, FINITE])), np.argwhere(~np.isfinite(grads[:, FINITE]))


def test_hard_indicator_when_margin_is_zero():
    x = jnp.array([0.0, np.nextafter(np.float32(1.2), np.float32(0)), 1.2, 5.0, INF])
    out = tolerance(x, bounds=(1.2, INF))
    chex.assert_trees_all_equal(out, jnp.array([0.0, 0.0, 1.0, 1.0, 1.0], jnp.float32))


# --------------------------------------------------------------------------------------------------
# Shapes, dtypes and transformations.


def test_scalar_input_matches_dm_control():
    out = tolerance(0.5, margin=1.0)
    chex.assert_shape(out, ())
    assert out.dtype == jnp.float32
    assert abs(float(out) - dm_rewards.tolerance(0.5, margin=1.0)) <= ATOL
    assert float(tolerance(3, bounds=(3, 4))) == 1.0  # Python ints are fine


@pytest.mark.parametrize("shape", [(0,), (7,), (2, 3, 4)])
def test_elementwise_on_any_shape(shape):
    x = np.random.default_rng(0).normal(size=shape).astype(np.float32)
    out = tolerance(x, bounds=(-0.5, 0.5), margin=1.0, sigmoid="long_tail")
    chex.assert_shape(out, shape)
    expected = _dm_tolerance(x, bounds=(-0.5, 0.5), margin=1.0, sigmoid="long_tail")
    np.testing.assert_allclose(out, expected, rtol=0, atol=ATOL)


def test_integer_and_float64_inputs_give_default_float():
    assert tolerance(np.arange(4), bounds=(1, 2), margin=1.0).dtype == jnp.float32
    assert tolerance(np.arange(4, dtype=np.float64), margin=1.0).dtype == jnp.float32
    with jax.enable_x64(True):
        out = tolerance(np.arange(4, dtype=np.float32), bounds=(1, 2), margin=1.0)
        assert out.dtype == jnp.float64


def test_vmap_matches_batched_call():
    x = jnp.linspace(-3.0, 3.0, 24).reshape(4, 6)
    fn = functools.partial(tolerance, bounds=(-1.0, 0.5), margin=0.7, sigmoid="tanh_squared")
    batched, nested, direct = jax.jit(
        lambda x: (jax.vmap(fn)(x), jax.vmap(jax.vmap(fn))(x), fn(x))
    )(x)
    chex.assert_trees_all_close(batched, direct, atol=ATOL, rtol=0)
    chex.assert_trees_all_close(nested, direct, atol=ATOL, rtol=0)


def test_jit_with_traced_x_and_static_parameters():
    jitted = jax.jit(tolerance, static_argnames=("bounds", "margin", "sigmoid", "value_at_margin"))
    x = jnp.linspace(-3.0, 3.0, 13)
    out = jitted(x, bounds=(-1.0, 0.5), margin=0.7, sigmoid="hyperbolic", value_at_margin=0.2)
    expected = _dm_tolerance(
        np.asarray(x), bounds=(-1.0, 0.5), margin=0.7, sigmoid="hyperbolic", value_at_margin=0.2
    )
    np.testing.assert_allclose(out, expected, rtol=0, atol=ATOL)


def test_concrete_numpy_and_jax_scalars_are_accepted():
    # e.g. dm_control's quadruped passes margin=model.hfield_size[...] (a NumPy scalar).
    out = tolerance(
        3.0, bounds=np.array([0.0, 1.0]), margin=np.float64(2.0), value_at_margin=jnp.array(0.5)
    )
    np.testing.assert_allclose(out, 0.5, rtol=0, atol=ATOL)


# --------------------------------------------------------------------------------------------------
# Validation: the same inputs are rejected by us (with a message naming the cause) and dm_control.

_NAMES = re.escape(", ".join(SIGMOIDS))

# (kwargs, regex our ValueError must match). margin > 0 so dm_control checks everything too.
REJECTED_BY_BOTH = [
    (dict(bounds=(2.0, 1.0), margin=1.0), r"`bounds` must satisfy lower <= upper.*\(2\.0, 1\.0\)"),
    (dict(bounds=(1.0, -INF), margin=1.0), r"`bounds` must satisfy lower <= upper"),
    (dict(bounds=(0.0, 1.0, 2.0)), r"`bounds` must be a \(lower, upper\) pair"),
    (dict(bounds=(0.0,)), r"`bounds` must be a \(lower, upper\) pair"),
    (dict(margin=-1.0), r"`margin` must be non-negative, got margin=-1\.0"),
    (dict(margin=-1e-12), r"`margin` must be non-negative"),
    (dict(margin=-INF), r"`margin` must be non-negative"),
    (dict(margin=1.0, sigmoid="bogus"), rf"Unknown sigmoid 'bogus'.*{_NAMES}"),
    (dict(margin=1.0, sigmoid="Gaussian"), r"Unknown sigmoid 'Gaussian'"),
]
for _s in SIGMOIDS:
    for _v in (1.0, 1.5, -0.1, math.nan) + (() if _s in COMPACT_SIGMOIDS else (0.0, -0.0)):
        REJECTED_BY_BOTH.append(
            (
                dict(margin=1.0, sigmoid=_s, value_at_margin=_v),
                rf"`value_at_margin` must be .* for sigmoid='{_s}'.*got value_at_margin={_v}",
            )
        )


@pytest.mark.parametrize(("kwargs", "match"), REJECTED_BY_BOTH)
def test_rejected_by_both(kwargs, match):
    with pytest.raises(ValueError, match=match):
        tolerance(0.5, **kwargs)
    with pytest.raises(ValueError):
        _dm_tolerance(0.5, **kwargs)


def test_value_at_margin_messages_state_the_allowed_range():
    with pytest.raises(ValueError, match=r"strictly between 0 and 1 .*only cosine, linear"):
        tolerance(0.5, margin=1.0, sigmoid="gaussian", value_at_margin=0.0)
    with pytest.raises(ValueError, match=r"must be in \[0, 1\) for sigmoid='linear'"):
        tolerance(0.5, margin=1.0, sigmoid="linear", value_at_margin=1.0)


# Boundary inputs both implementations accept: the rules agree on both sides of each edge.
ACCEPTED_BY_BOTH = [
    dict(bounds=(1.0, 1.0), margin=0.0),
    dict(bounds=(-INF, INF), margin=1.0),
    dict(bounds=(INF, INF), margin=1.0),
    dict(bounds=(-INF, -INF), margin=1.0),
    dict(margin=INF),
    dict(margin=1e-30),
    *(dict(margin=1.0, sigmoid=s, value_at_margin=0.0) for s in COMPACT_SIGMOIDS),
    *(dict(margin=1.0, sigmoid=s, value_at_margin=1 - 1e-9) for s in SIGMOIDS),
    *(dict(margin=1.0, sigmoid=s, value_at_margin=5e-324) for s in SIGMOIDS),
]


@pytest.mark.parametrize("kwargs", ACCEPTED_BY_BOTH)
def test_accepted_by_both(kwargs):
    x = np.array([-2.0, 0.5, 1.0, 3.0], np.float32)
    out = np.asarray(tolerance(x, **kwargs))
    expected = _dm_tolerance(x, **kwargs)
    assert np.all(np.isfinite(out))
    np.testing.assert_allclose(out, expected, rtol=0, atol=ATOL)


# Not numbers, or several numbers where one is expected: dm_control fails too (with TypeError or
# an "ambiguous truth value" ValueError); we raise a TypeError that names the argument.
MALFORMED = [
    (dict(bounds=1.0), r"`bounds` must be a \(lower, upper\) pair"),
    (dict(bounds=(np.zeros(2), np.ones(2))), r"`bounds\[0\]` must be a single number.*\(2,\)"),
    (dict(margin=np.array([1.0, 2.0])), r"`margin` must be a single number"),
    (dict(margin="1"), r"`margin` must be a real number, got '1'"),
    (dict(margin=None), r"`margin` must be a real number, got None"),
    (dict(margin=1.0, value_at_margin=np.array([0.1, 0.2])), r"`value_at_margin` must be a single"),
]


@pytest.mark.parametrize(("kwargs", "match"), MALFORMED)
def test_malformed_arguments(kwargs, match):
    with pytest.raises(TypeError, match=match):
        tolerance(0.5, **kwargs)
    with pytest.raises((TypeError, ValueError)):
        _dm_tolerance(0.5, **kwargs)


# Deliberately stricter than dm_control: it ignores `sigmoid` and `value_at_margin` when
# margin == 0 and lets NaN bounds/margins through (yielding meaningless rewards). We reject these so
# a bad configuration fails at once rather than when its margin later becomes non-zero.
STRICTER_THAN_DM_CONTROL = [
    (dict(margin=0.0, sigmoid="bogus"), rf"Unknown sigmoid 'bogus'.*{_NAMES}"),
    (dict(margin=0.0, value_at_margin=0.0), r"`value_at_margin` must be strictly between 0 and 1"),
    (dict(margin=0.0, sigmoid="linear", value_at_margin=2.0), r"`value_at_margin` must be in"),
    (dict(bounds=(math.nan, 1.0), margin=1.0), r"`bounds` must not contain NaN"),
    (dict(bounds=(0.0, math.nan)), r"`bounds` must not contain NaN"),
    (dict(margin=math.nan), r"`margin` must be non-negative, got margin=nan"),
]


@pytest.mark.parametrize(("kwargs", "match"), STRICTER_THAN_DM_CONTROL)
def test_stricter_than_dm_control(kwargs, match):
    with pytest.raises(ValueError, match=match):
        tolerance(0.5, **kwargs)
    _dm_tolerance(0.5, **kwargs)  # dm_control accepts these silently.


def test_sigmoids_constant_matches_dm_control():
    assert len(set(SIGMOIDS)) == len(SIGMOIDS) == 8
    for name in SIGMOIDS:  # each is a name dm_control knows
        _dm_tolerance(2.0, margin=1.0, sigmoid=name)


@pytest.mark.parametrize("argument", ["margin", "value_at_margin", "bounds", "bounds[1]"])
def test_traced_parameters_raise_type_error(argument):
    def f(p):
        kwargs: dict[str, Any] = dict(bounds=(0.0, 1.0), margin=1.0, value_at_margin=0.1)
        if argument == "bounds":
            kwargs["bounds"] = p
        elif argument == "bounds[1]":
            kwargs["bounds"] = (0.0, p)
        else:
            kwargs[argument] = p
        return tolerance(2.0, **kwargs)

    pattern = rf"`{re.escape(argument)}` must be (a pair of|a) concrete number.*traced"
    p = jnp.array([0.0, 1.0]) if argument == "bounds" else jnp.array(0.5)
    with pytest.raises(TypeError, match=pattern):
        jax.jit(f)(p)
    with pytest.raises(TypeError, match=pattern):
        jax.vmap(f)(p[None])


def test_complex_x_is_rejected():
    with pytest.raises(TypeError, match="`x` must be real-valued"):
        tolerance(np.array([1 + 2j]), margin=1.0)
