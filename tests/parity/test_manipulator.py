"""manipulator/{bring_ball, bring_peg, insert_ball, insert_peg} against dm_control 1.0.50:
one-step parity, reset distribution.

dm_control writes each episode's target pose (and, for insert, the receptacle's) into the model;
ours draws it into ``task_state`` ``[x, z, angle]`` and moves the same bodies through per-env
model overrides (tasks/manipulator.py). The parity check records dm_control's pose with every
state; the reset check compares the poses' distributions too.
"""

import pytest

from mjxcontrol.testing import parity, task_states

pytestmark = pytest.mark.parity

TASKS = ("bring_ball", "bring_peg", "insert_ball", "insert_peg")
# Near-goal starts: the object within this (m, per axis) and this (rad) of the target's pose.
NEAR_SPREAD = 0.02
NEAR_TILT = 0.2
# Share of the moved starts that put the object in the hand instead.
IN_HAND = 0.6
# Episode length cap of the recordings (steps): most samples stay near their start.
EPISODE_STEPS = 10
# Share of recorded episodes that start from a moved state (the rest: dm_control's reset).
START_FRACTION = 0.8
# One step after states where the hand or the floor touches the object (elliptic cones), MJX
# itself differs from C MuJoCo: raw mjx.step in float64 on dm_control's own model, from these
# tests' samples (same seed), is up to 0.0342 rad/s or m/s away from C in qvel for bring_ball (17
# of 64 samples above 1e-4) and 0.00215 for bring_peg (3 of 64); touch readings up to 0.0061
# (benchmarks/mjx_vs_c.py, command in docs/status.md). Ours, float32, has the same worst samples
# and values: object_vel 0.034 and 0.0024, arm_vel 3.7e-4, touch (log1p) 4.3e-4, object_pos
# 9.3e-5 (insert_ball 4.5e-4). The tolerances sit ~1.5x above those; MOST_SAMPLES keeps the check
# sharp elsewhere. (mjx_vs_c cannot floor insert_*: their receptacle moves with every episode's
# target, while the tool steps one fixed model.)
OBS_ATOL = {"arm_vel": 1e-3, "touch": 1e-3, "object_pos": 1e-3, "object_vel": 0.05}
# insert_peg: the peg meets the slot (box-capsule contacts), where MJX's box collisions depart
# from C's the most (stacker's box contacts: 9.58 rad/s in float64). Ours, worst of 64: peg
# position 0.013 m, velocity 3.0, reward 0.29, in the samples where the peg hits the slot.
INSERT_PEG_OBS_ATOL = {**OBS_ATOL, "object_pos": 0.02, "object_vel": 4.5}
TASK_OBS_ATOL = {task: OBS_ATOL for task in TASKS} | {"insert_peg": INSERT_PEG_OBS_ATOL}
REWARD_ATOL = {task: parity.REWARD_ATOL for task in TASKS} | {"insert_peg": 0.4}
# Share of samples that must meet the default tolerances in every entry (MJX itself: 73 % for
# bring_ball in float64). The insert tasks' receptacle adds contacts (ours: 55 % for insert_ball).
MOST_SAMPLES = {"bring_ball": 0.6, "bring_peg": 0.6, "insert_ball": 0.5, "insert_peg": 0.5}


def _object(task):
    return "peg" if "peg" in task else "ball"


def _start(task):
    """Puts the object next to the target's pose (half the time) so that the reward's terms are
    exercised, or between the fingers so that the touch sensors are."""

    def start(env, rng):
        joints = [f"{_object(task)}_{axis}" for axis in ("x", "z", "y")]
        if rng.uniform() < IN_HAND:
            parity.put_at_site(env, joints, "grasp")
            return
        x, z, angle = task_states.manipulator_target_pose(env)
        env.physics.named.data.qpos[joints] = (
            x + rng.uniform(-NEAR_SPREAD, NEAR_SPREAD),
            z + rng.uniform(-NEAR_SPREAD, NEAR_SPREAD),
            angle + rng.uniform(-NEAR_TILT, NEAR_TILT),
        )
        env.physics.named.data.qvel[joints] = 0.0

    return start


def _record(task):
    return parity.record_dm_control(
        "manipulator",
        task,
        parity.batch_size(f"manipulator/{task}"),
        start_fn=_start(task),
        task_state_fn=task_states.manipulator_target_pose,
        action_scale=1.2,
        max_episode_steps=EPISODE_STEPS,
        start_fraction=START_FRACTION,
    )


@pytest.mark.parametrize("task", TASKS)
def test_one_step_parity(load_env, task):
    samples = _record(task)
    assert (samples.reward > 0.5).mean() > 0.05, "samples must contain highly rewarded steps"
    assert (samples.reward < 0.1).mean() > 0.3, "samples must contain poorly rewarded steps"
    touching = (samples.obs["touch"] > 0).any(axis=1)
    assert touching.mean() > 0.05, "samples must contain touching hands"
    env = load_env(f"manipulator/{task}")
    problems = parity.compare(
        env,
        samples,
        obs_atol=TASK_OBS_ATOL[task],
        reward_atol=REWARD_ATOL[task],
        most_samples=MOST_SAMPLES[task],
    )
    assert problems == []


@pytest.mark.parametrize("task", TASKS)
def test_reset_distribution(load_env, task):
    parity.assert_reset_distribution(
        load_env(f"manipulator/{task}"), task_state_fn=task_states.manipulator_target_pose
    )
