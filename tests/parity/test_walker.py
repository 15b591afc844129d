"""walker/{stand, walk, run} against dm_control 1.0.50: one-step parity and reset distribution."""

import numpy as np
import pytest

from mjxcontrol.testing import parity

pytestmark = pytest.mark.parity

TASKS = ("stand", "walk", "run")
# Target speed (m/s) of each task, used to start some episodes moving forwards.
SPEEDS = {"stand": 1.0, "walk": 1.0, "run": 8.0}
LEG_JOINTS = tuple(
    f"{side}_{joint}" for side in ("right", "left") for joint in ("hip", "knee", "ankle")
)
# Joint velocities one step after a foot touches down or lifts off carry float32 rounding amplified
# by the stiff floor contact (light feet, ankle gear 20): on the fixed samples below the worst
# |ours - dm_control| is 3.4e-3 (left ankle, -11.25 rad/s; 4 of 256 samples exceed the default
# 1e-4 + 1e-4 rel), and 6.6e-3 over 2304 samples from 9 seeds. The same states stepped by our
# pipeline with jax_enable_x64 agree with dm_control to 5e-13, so the pipeline is exact and the
# spread is float32 rounding. Orientations, height and reward keep the default tolerances
# (worst 2.3e-5, 4.3e-6 and 6.6e-5 here).
VELOCITY_ATOL = 1e-2


def _standing_start(speed):
    """Starts episodes upright on the floor with a forward push, so that the standing term is
    near 1 and the centre-of-mass speed spans the move term's whole ramp (0 to above the target)."""

    def start(env, rng):
        named = env.physics.named.data
        named.qpos["rooty"] = rng.normal(0.0, 0.1)
        for joint in LEG_JOINTS:
            named.qpos[joint] = rng.normal(0.0, 0.05)
        named.qpos["right_knee"] = -abs(named.qpos["right_knee"])
        named.qpos["left_knee"] = -abs(named.qpos["left_knee"])
        named.qvel["rootx"] = rng.uniform(0.0, 1.5 * speed)

    return start


@pytest.mark.parametrize("task", TASKS)
def test_one_step_parity(load_env, task):
    samples = parity.record_dm_control(
        "walker", task, parity.BATCH, start_fn=_standing_start(SPEEDS[task]), action_scale=1.5
    )
    assert np.ptp(samples.reward) > 0.3, "samples must span low and high rewards"
    env = load_env(f"walker/{task}")
    assert parity.compare(env, samples, obs_atol={"velocity": VELOCITY_ATOL}) == []


@pytest.mark.parametrize("task", TASKS)
def test_reset_distribution(load_env, task):
    parity.assert_reset_distribution(load_env(f"walker/{task}"))
