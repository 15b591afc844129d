"""humanoid_CMU/{stand, walk, run} against dm_control 1.0.50: one-step parity and reset
distribution.

The three tasks share one model and so one compiled physics step (mjxcontrol.testing.compiled).
"""

import numpy as np
import pytest

from mjxcontrol.testing import parity

pytestmark = pytest.mark.parity

TASKS = ("stand", "walk", "run")
# Target horizontal speed (m/s) of each task, used to start some episodes moving.
SPEEDS = {"stand": 1.0, "walk": 1.0, "run": 10.0}
# Root height (m) at which the upright skeleton with straight joints clears the floor (the first
# contact-free height in 5 mm steps, measured in dm_control): its head is then 1.43 m up.
STANDING_ROOT_Z = 0.92
# Head heights (m) that tell the regimes apart: standing (the standing term is 1 above 1.4) and
# lying on the floor.
STANDING_HEAD_Z = 1.3
LYING_HEAD_Z = 0.5
MAX_EPISODE_STEPS = 40
START_FRACTION = 0.6
# MJX-Warp itself departs from C MuJoCo after one control step in a few samples: ours equals raw
# MJX-Warp mjx.step on the same model and states (RAW_ATOL, asserted below), and 95-96 % of the
# samples meet the default tolerances in every entry. Worst over the three tasks' 256 samples
# each (seeds 0-2): joint angles 0.0114 rad, head height 4.2e-4 m, extremities 4.3e-3 m, torso
# vertical 9.3e-4, centre-of-mass velocity 0.0188 m/s, velocity 1.09 rad/s, reward 1.4e-5. The
# tails move with the samples, so the tolerances sit about 2x above them; MOST_SAMPLES keeps the
# bulk sharp.
OBS_ATOL = {
    "joint_angles": 0.02,
    "head_height": 1e-3,
    "extremities": 0.01,
    "torso_vertical": 2e-3,
    "com_velocity": 0.04,
    "velocity": 2.0,
}
MOST_SAMPLES = 0.9
# Ours against raw MJX-Warp on the same states (float32 rounding of two programs).
RAW_ATOL = 1e-5
REWARD_ATOL = parity.REWARD_ATOL


def _standing_start(speed):
    """Starts episodes upright just above the floor with small joint angles and a horizontal push
    in a random direction, so that the standing and upright terms are near 1 and the
    centre-of-mass speed spans the move term's ramp."""

    def start(env, rng):
        physics = env.physics
        named = physics.named.data
        yaw = rng.uniform(0, 2 * np.pi)
        upright = physics.model.qpos0[3:7]  # the y-up root's home orientation
        turn = np.array([np.cos(yaw / 2), 0.0, 0.0, np.sin(yaw / 2)])
        named.qpos["root"][:3] = (0.0, 0.0, STANDING_ROOT_Z)
        named.qpos["root"][3:] = _quat_mul(turn, upright)
        hinges = physics.model.jnt_type == 3
        lo, hi = physics.model.jnt_range[hinges].T
        physics.data.qpos[7:] = np.clip(rng.normal(0.0, 0.05, hinges.sum()), lo, hi)
        heading = rng.uniform(0, 2 * np.pi)
        named.qvel["root"][:2] = rng.uniform(0, 1.5 * speed) * np.array(
            [np.cos(heading), np.sin(heading)]
        )

    return start


def _quat_mul(a, b):
    w1, x1, y1, z1 = a
    w2, x2, y2, z2 = b
    return np.array(
        [
            w1 * w2 - x1 * x2 - y1 * y2 - z1 * z2,
            w1 * x2 + x1 * w2 + y1 * z2 - z1 * y2,
            w1 * y2 - x1 * z2 + y1 * w2 + z1 * x2,
            w1 * z2 + x1 * y2 - y1 * x2 + z1 * w2,
        ]
    )


@pytest.mark.parametrize("task", TASKS)
def test_one_step_parity(load_env, task):
    env = load_env(f"humanoid_CMU/{task}")
    samples = parity.record_dm_control(
        "humanoid_CMU",
        task,
        parity.batch_size(env),
        start_fn=_standing_start(SPEEDS[task]),
        start_fraction=START_FRACTION,
        max_episode_steps=MAX_EPISODE_STEPS,
        action_scale=1.5,
        seed=TASKS.index(task),  # stand and walk would otherwise record the same states
    )
    head = samples.obs["head_height"][:, 0]
    assert (head > STANDING_HEAD_Z).mean() > 0.1, "samples must contain standing states"
    assert (head < LYING_HEAD_Z).mean() > 0.1, "samples must contain states lying on the floor"
    assert np.ptp(samples.reward) > 0.3, "samples must span low and high rewards"
    problems = parity.compare(
        env, samples, obs_atol=OBS_ATOL, reward_atol=REWARD_ATOL, most_samples=MOST_SAMPLES
    )
    assert problems == []
    # The departures are MJX-Warp's own: raw mjx.step on the same model and states is ours.
    ours = parity.step_ours_state(env, samples)
    raw = parity.raw_warp_qvel(env, samples)
    np.testing.assert_allclose(np.asarray(ours.data.qvel), raw, atol=RAW_ATOL)


@pytest.mark.parametrize("task", TASKS)
def test_reset_distribution(load_env, task):
    parity.assert_reset_distribution(load_env(f"humanoid_CMU/{task}"))
