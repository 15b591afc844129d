"""cheetah/run against dm_control 1.0.50: one-step parity and reset distribution."""

import numpy as np
import pytest

from mjxcontrol.testing import parity

pytestmark = pytest.mark.parity

TASK = "cheetah/run"
LEG_JOINTS = ("bthigh", "bshin", "bfoot", "fthigh", "fshin", "ffoot")


def _running(env, rng):
    """Gives half the episodes a forward run-up so the speed reward spans its whole (0, 1) ramp.

    Random actions alone barely move the cheetah, so without this the reward would be ~0 throughout.
    ``reset_context`` has put the cheetah back at its zero pose; the legs get random angles within
    their ranges and the body a forward speed of up to 15 m/s.
    """
    model, data = env.physics.named.model, env.physics.named.data
    for joint in LEG_JOINTS:
        data.qpos[joint] = rng.uniform(*model.jnt_range[joint])
    data.qvel["rootx"] = rng.uniform(0.0, 15.0)
    data.qvel["rooty"] = rng.normal(0.0, 1.0)


def test_one_step_parity(load_env):
    samples = parity.record_dm_control(
        "cheetah", "run", parity.BATCH, start_fn=_running, action_scale=1.5
    )
    assert np.ptp(samples.reward) > 0.5, "rewards must span much of the linear ramp"
    assert parity.compare(load_env(TASK), samples) == []


def test_reset_distribution(load_env):
    parity.assert_reset_distribution(load_env(TASK))
