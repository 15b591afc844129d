"""docs/builder.md's example runs as written, and the composed task it builds keeps the contract:
initializers, observation noise and delays behave as documented."""

from __future__ import annotations

import contextlib
import functools
import io
import pathlib
import re

import jax.numpy as jnp
import numpy as np
import pytest

from mjxcontrol.testing import contract
from mjxcontrol.testing.compiled import BATCH, compiled, reset_batch

DOC = pathlib.Path(__file__).resolve().parents[1] / "docs" / "builder.md"
# The example's observation noise (pusher/velocity) and how far its sample std may stray.
NOISE_STD = 0.01
NOISE_STD_RTOL = 0.35

pytestmark = pytest.mark.xdist_group("builder-docs")


def _code_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", DOC.read_text(), flags=re.S)


@pytest.fixture(scope="module")
def example():
    """The namespace left by running the doc's first code block (compiles the env once)."""
    namespace: dict = {}
    exec(compile(_code_blocks()[0], str(DOC), "exec"), namespace)  # noqa: S102
    return namespace


def test_example_runs_and_is_mjx_clean(example):
    assert example["problems"] == []
    trajectory = example["trajectory"]
    assert trajectory.reward.shape == (example["num_steps"], example["num_envs"])
    assert np.isfinite(np.asarray(trajectory.reward)).all()
    spec = example["env"].observation_spec()
    assert list(spec) == ["pusher/position", "pusher/velocity", "crate/position"]
    assert [s.shape for s in spec.values()] == [(3,), (2,), (3,)]


@pytest.mark.parametrize("check", contract.CHECKS, ids=lambda c: c.__name__.removeprefix("check_"))
def test_composed_task_keeps_the_env_contract(example, check):
    check(example["env"])


@functools.cache
def _two_steps(env):
    """Reset and two steps of a batch, with the contract checks' compiled functions."""
    fns = compiled(env)
    action = jnp.full((BATCH, env.action_size), 0.5, jnp.float32)
    s0 = reset_batch(env, seed=3)
    s1 = fns["step"](s0, action)
    return s0, s1, fns["step"](s1, action)


def test_initializers_sample_within_their_bounds(example):
    env = example["env"]
    s0, _, _ = _two_steps(env)
    names = env.physics.names
    slides = np.asarray(s0.data.qpos[:, names.qpos("pusher/slide_x", "pusher/slide_y")])
    assert (np.abs(slides) <= 0.3).all() and slides.std() > 0.1
    crate = np.asarray(s0.data.qpos[:, names.qpos("crate/free")])
    assert ((crate[:, 0] >= 0.3) & (crate[:, 0] <= 0.6)).all()
    assert ((crate[:, 1] >= -0.2) & (crate[:, 1] <= 0.2)).all()
    np.testing.assert_allclose(np.linalg.norm(crate[:, 3:], axis=1), 1, rtol=1e-6)
    np.testing.assert_allclose(crate[:, 4:6], 0, atol=1e-7)  # a rotation about z only
    assert np.unique(np.round(crate[:, 6], 4)).size > 10  # random yaw


def test_delayed_observable_lags_by_its_delay(example):
    env = example["env"]
    crate = env.physics.names.id("body", "crate/crate")
    s0, s1, s2 = _two_steps(env)
    np.testing.assert_allclose(s0.obs["crate/position"], s0.data.xpos[:, crate], atol=1e-6)
    np.testing.assert_allclose(s1.obs["crate/position"], s0.data.xpos[:, crate], atol=1e-6)
    np.testing.assert_allclose(s2.obs["crate/position"], s1.data.xpos[:, crate], atol=1e-6)
    assert not np.allclose(s2.data.xpos[:, crate], s1.data.xpos[:, crate])  # it did move


def test_noisy_observable_has_the_declared_noise(example):
    env = example["env"]
    names = env.physics.names
    for state in _two_steps(env):
        true = state.data.qvel[:, names.qvel("pusher/slide_x", "pusher/slide_y")]
        noise = np.asarray(state.obs["pusher/velocity"] - true)
        assert abs(noise.mean()) < 3 * NOISE_STD / np.sqrt(noise.size)
        np.testing.assert_allclose(noise.std(), NOISE_STD, rtol=NOISE_STD_RTOL)
    # Undelayed, noise-free observables are exact.
    sensor = names.sensor("pusher/base_pos")
    np.testing.assert_allclose(state.obs["pusher/position"], state.data.sensordata[:, sensor])


def test_check_mjx_block_prints_the_unsupported_pair():
    output = io.StringIO()
    with contextlib.redirect_stdout(output):
        exec(compile(_code_blocks()[1], str(DOC), "exec"), {})  # noqa: S102
    assert "error: collision (ELLIPSOID, BOX) in geom 'egg', geom 'crate'" in output.getvalue()
