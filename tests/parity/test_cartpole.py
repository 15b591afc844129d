"""cartpole (all 6 tasks) against dm_control 1.0.50: one-step parity and reset distribution."""

import numpy as np
import pytest

from mjxcontrol.testing import parity

pytestmark = pytest.mark.parity

DOMAIN = "cartpole"
TASKS = ("balance", "balance_sparse", "swingup", "swingup_sparse", "two_poles", "three_poles")
SPARSE = ("balance_sparse", "swingup_sparse")
# The slider's joint limit is at +-1.8 m; a recorded state this close to it exercises the limit.
NEAR_SLIDER_LIMIT = 1.7


def _start(env, rng):
    """Moves a fresh episode to a state the default resets rarely reach.

    Half of these start every pole within a few degrees of upright with the cart near the centre,
    so the sparse rewards (and the upright/centered terms) are exercised; the other half push the
    cart at speed towards an end of the rail, so the slider's joint limit is exercised.
    """
    named = env.physics.named.data
    hinges = [n for n in named.qpos.axes.row.names if n.startswith("hinge")]
    if rng.uniform() < 0.5:
        named.qpos["slider"] = rng.normal(0.0, 0.1)
        named.qvel["slider"] = rng.normal(0.0, 0.1)
        for hinge in hinges:
            named.qpos[hinge] = rng.normal(0.0, 0.03)
            named.qvel[hinge] = rng.normal(0.0, 0.1)
    else:
        side = rng.choice([-1.0, 1.0])
        named.qpos["slider"] = side * rng.uniform(1.4, 1.8)
        named.qvel["slider"] = side * rng.uniform(0.5, 3.0)


@pytest.mark.parametrize("task", TASKS)
def test_one_step_parity(load_env, task):
    samples = parity.record_dm_control(
        DOMAIN, task, parity.BATCH, start_fn=_start, action_scale=1.5
    )
    assert np.ptp(samples.reward) > 0, "recorded rewards must not all be equal"
    if task in SPARSE:
        assert 0 < samples.reward.mean() < 1, "need both rewarded and unrewarded steps"
    assert (np.abs(samples.qpos[:, 0]) > NEAR_SLIDER_LIMIT).any(), "slider limit not exercised"
    assert (np.abs(samples.action) > 1).any(), "actuator clamping not exercised"
    assert parity.compare(load_env(f"{DOMAIN}/{task}"), samples) == []


@pytest.mark.parametrize("task", TASKS)
def test_reset_distribution(load_env, task):
    parity.assert_reset_distribution(load_env(f"{DOMAIN}/{task}"))
