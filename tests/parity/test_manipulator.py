"""manipulator/{bring_ball, bring_peg, insert_ball, insert_peg} against dm_control 1.0.50:
one-step parity, reset distribution.

dm_control writes each episode's target pose (and, for insert, the receptacle's) into the model;
ours draws it into ``task_state`` ``[x, z, angle]`` and moves the same bodies through per-env
model overrides (tasks/manipulator.py). The parity check records dm_control's pose with every
state; the reset check compares the poses' distributions too.
"""

import numpy as np
import pytest

from mjxcontrol.testing import parity

pytestmark = pytest.mark.parity

TASKS = ("bring_ball", "bring_peg", "insert_ball", "insert_peg")
# Near-goal starts: the object within this (m, per axis) and this (rad) of the target's pose.
NEAR_SPREAD = 0.02
NEAR_TILT = 0.2
# TOLERANCES-TBD
OBS_ATOL: dict = {}
REWARD_ATOL = {task: parity.REWARD_ATOL for task in TASKS}
MOST_SAMPLES = {task: None for task in TASKS}


def _object(task):
    return "peg" if "peg" in task else "ball"


def _target_pose(env):
    """dm_control's target pose ``[x, z, angle]`` (m, m, rad), as written into the model: our
    ``task_state``."""
    task = env.task
    name = "target_peg" if task._use_peg else "target_ball"  # noqa: SLF001
    model = env.physics.named.model
    x, z = model.body_pos[name][[0, 2]]
    qw, qy = model.body_quat[name][[0, 2]]
    return np.array([x, z, 2 * np.arctan2(qy, qw)], np.float32)


def _near_goal(task):
    """Puts the object next to the target's pose, so that the reward's terms are exercised."""

    def start(env, rng):
        x, z, angle = _target_pose(env)
        joints = [f"{_object(task)}_{axis}" for axis in ("x", "z", "y")]
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
        start_fn=_near_goal(task),
        task_state_fn=_target_pose,
        action_scale=1.2,
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
        obs_atol=OBS_ATOL,
        reward_atol=REWARD_ATOL[task],
        most_samples=MOST_SAMPLES[task],
    )
    assert problems == []


@pytest.mark.parametrize("task", TASKS)
def test_reset_distribution(load_env, task):
    parity.assert_reset_distribution(load_env(f"manipulator/{task}"), task_state_fn=_target_pose)
