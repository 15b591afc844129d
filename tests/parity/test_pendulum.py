"""pendulum/swingup against dm_control 1.0.50: one-step parity and reset distribution."""

import pytest

from mjxcontrol.testing import parity

pytestmark = pytest.mark.parity

TASK = "pendulum/swingup"


def _near_upright(env, rng):
    """Starts half the episodes within ~10 degrees of upright so the sparse reward is exercised."""
    env.physics.named.data.qpos["hinge"] = rng.normal(0.0, 0.1)
    env.physics.named.data.qvel["hinge"] = rng.normal(0.0, 0.2)


def test_one_step_parity(load_env):
    samples = parity.record_dm_control(
        "pendulum", "swingup", parity.BATCH, start_fn=_near_upright, action_scale=1.5
    )
    assert 0 < samples.reward.mean() < 1, "samples must contain both rewarded and unrewarded steps"
    assert parity.compare(load_env(TASK), samples) == []


def test_reset_distribution(load_env):
    parity.assert_reset_distribution(load_env(TASK))
