"""humanoid/{stand, walk, run, run_pure_state} against dm_control 1.0.50: one-step parity and
reset distribution.

Every check of a task runs on the task's shared compiled functions (mjxcontrol.testing.compiled):
compiling the humanoid is the cost of these tests on a CPU.
"""

import numpy as np
import pytest

from mjxcontrol.testing import parity

pytestmark = pytest.mark.parity

TASKS = ("stand", "walk", "run", "run_pure_state")
# Target horizontal speed (m/s) of each task, used to start some episodes moving.
SPEEDS = {"stand": 1.0, "walk": 1.0, "run": 10.0, "run_pure_state": 10.0}
# Root height (m) at which the upright humanoid with straight joints stands on its feet.
STANDING_ROOT_Z = 1.28
# Head heights (m) that tell the regimes apart: standing (the standing term is 1 above 1.4) and
# lying on the floor (body geoms in contact with it).
STANDING_HEAD_Z = 1.4
LYING_HEAD_Z = 0.5
HEAD_ABOVE_ROOT = 0.19
# The humanoid falls within about a second of random actions, so episodes are kept short and most
# start standing: with dm_control's recorder this gives 27-35 % standing and 20-23 % lying samples
# (stand and run_pure_state; 200-step episodes half from dm_control's reset gave 4-7 % standing).
MAX_EPISODE_STEPS = 40
START_FRACTION = 0.6
# One step after states where contacts (frictionless and pyramidal) meet joint limits, MJX itself
# differs from C MuJoCo: raw mjx.step in float64 on dm_control's own model, from these tests'
# samples, gives joint velocities up to 6.69 rad/s (stand) and 5.34 rad/s (run) away from C, in 30
# of 256 samples above 1e-4 (benchmarks/mjx_vs_c.py, command in docs/status.md). Ours has the same
# worst samples and values (6.69, 5.34), so the port adds nothing measurable. The tolerances below
# sit ~1.5x above those floors (float32 worst: joint angles 0.114, extremities 0.0101, torso
# vertical 0.0071, centre-of-mass velocity 0.166, head height 4.1e-4), and MOST_SAMPLES keeps the
# check sharp: they may only be used by the few samples where MJX itself departs.
OBS_ATOL = {
    "joint_angles": 0.2,
    "position": 0.2,
    "head_height": 1e-3,
    "extremities": 0.02,
    "torso_vertical": 0.015,
    "com_velocity": 0.25,
    "velocity": 10.0,
}
# Fraction of samples that must meet the default tolerances (parity.OBS_ATOL/OBS_RTOL) in every
# observation entry; MJX itself misses them in 12 % (float64).
MOST_SAMPLES = 0.8
REWARD_ATOL = parity.REWARD_ATOL


def _standing_start(speed):
    """Starts episodes upright on the floor with small joint angles and a horizontal push in a
    random direction, so that the standing and upright terms are near 1 and the centre-of-mass
    speed spans the move term's ramp."""

    def start(env, rng):
        physics = env.physics
        named = physics.named.data
        yaw = rng.uniform(0, 2 * np.pi)
        named.qpos["root"][:3] = (0.0, 0.0, STANDING_ROOT_Z)
        named.qpos["root"][3:] = (np.cos(yaw / 2), 0.0, 0.0, np.sin(yaw / 2))
        hinges = physics.model.jnt_type == 3
        lo, hi = physics.model.jnt_range[hinges].T
        physics.data.qpos[7:] = np.clip(rng.normal(0.0, 0.05, 21), lo, hi)
        heading = rng.uniform(0, 2 * np.pi)
        named.qvel["root"][:2] = rng.uniform(0, 1.5 * speed) * np.array(
            [np.cos(heading), np.sin(heading)]
        )

    return start


def _head_height(task, samples):
    if task == "run_pure_state":  # the root's height, plus the head's offset when upright
        return samples.obs["position"][:, 2] + HEAD_ABOVE_ROOT
    return samples.obs["head_height"][:, 0]


@pytest.mark.parametrize("task", TASKS)
def test_one_step_parity(load_env, task):
    samples = parity.record_dm_control(
        "humanoid",
        task,
        parity.BATCH,
        start_fn=_standing_start(SPEEDS[task]),
        start_fraction=START_FRACTION,
        max_episode_steps=MAX_EPISODE_STEPS,
        action_scale=1.5,
    )
    head = _head_height(task, samples)
    assert (head > STANDING_HEAD_Z).mean() > 0.1, "samples must contain standing states"
    assert (head < LYING_HEAD_Z).mean() > 0.1, "samples must contain states lying on the floor"
    assert np.ptp(samples.reward) > 0.3, "samples must span low and high rewards"
    env = load_env(f"humanoid/{task}")
    problems = parity.compare(
        env, samples, obs_atol=OBS_ATOL, reward_atol=REWARD_ATOL, most_samples=MOST_SAMPLES
    )
    assert problems == []
    # The loose tolerances are needed: not every sample meets the default (MJX departs in some).
    strict = parity.compare(env, samples, obs_atol=OBS_ATOL, most_samples=1.0, record=False)
    assert any("within the default" in p for p in strict)


@pytest.mark.parametrize("task", TASKS)
def test_reset_distribution(load_env, task):
    parity.assert_reset_distribution(load_env(f"humanoid/{task}"))
