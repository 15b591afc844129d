"""acrobot/swingup and swingup_sparse vs dm_control 1.0.50: one-step parity, reset distribution."""

import numpy as np
import pytest

from mjxcontrol.testing import parity

pytestmark = pytest.mark.parity

TASKS = ("swingup", "swingup_sparse")


def _near_upright(env, rng):
    """Starts episodes with both arms close to upright (qpos 0), so the tip is near the target."""
    env.physics.named.data.qpos[["shoulder", "elbow"]] = rng.normal(0.0, 0.15, 2)
    env.physics.named.data.qvel[["shoulder", "elbow"]] = rng.normal(0.0, 0.3, 2)


@pytest.mark.parametrize("task", TASKS)
def test_one_step_parity(load_env, task):
    samples = parity.record_dm_control(
        "acrobot", task, parity.BATCH, start_fn=_near_upright, action_scale=1.5
    )
    assert np.ptp(samples.reward) > 0, "samples must contain different rewards"
    if task == "swingup_sparse":
        assert 0 < samples.reward.mean() < 1, "samples must contain rewarded and unrewarded steps"
    assert parity.compare(load_env(f"acrobot/{task}"), samples) == []


@pytest.mark.parametrize("task", TASKS)
def test_reset_distribution(load_env, task):
    parity.assert_reset_distribution(load_env(f"acrobot/{task}"))
