"""reacher/easy and reacher/hard against dm_control 1.0.50: one-step parity, reset distribution."""

import numpy as np
import pytest

from mjxcontrol.testing import parity, task_states

pytestmark = pytest.mark.parity

TASKS = ("easy", "hard")
# Both links are 12 cm from joint to joint (shoulder -> wrist -> fingertip centre).
LINK = 0.12
WRIST_LIMIT = np.deg2rad(160.0)


def _finger_near_target(env, rng):
    """Moves the arm (inverse kinematics) so the fingertip lands within ~1.5 target radii of it.

    The episode's target stays where dm_control's reset put it; the arm starts at rest.
    """
    radius = env.physics.named.model.geom_size["target", 0]
    goal = task_states.reacher_target(env) + rng.normal(0.0, 0.75 * radius, 2)
    reach = np.clip(np.linalg.norm(goal), 1e-3, 2 * LINK)
    # Equal links: the elbow angle follows from the law of cosines, the shoulder bisects.
    wrist = np.arccos(np.clip(reach**2 / (2 * LINK**2) - 1.0, -1.0, 1.0)) * rng.choice([-1, 1])
    wrist = np.clip(wrist, -WRIST_LIMIT, WRIST_LIMIT)
    shoulder = np.arctan2(goal[1], goal[0]) - wrist / 2
    env.physics.named.data.qpos["shoulder"] = shoulder
    env.physics.named.data.qpos["wrist"] = wrist


@pytest.mark.parametrize("task", TASKS)
def test_one_step_parity(load_env, task):
    samples = parity.record_dm_control(
        "reacher",
        task,
        parity.BATCH,
        task_state_fn=task_states.reacher_target,
        start_fn=_finger_near_target,
        action_scale=1.5,
    )
    assert 0 < samples.reward.mean() < 1, "samples must contain both rewarded and unrewarded steps"
    assert parity.compare(load_env(f"reacher/{task}"), samples) == []


@pytest.mark.parametrize("task", TASKS)
def test_reset_distribution(load_env, task):
    parity.assert_reset_distribution(
        load_env(f"reacher/{task}"), task_state_fn=task_states.reacher_target
    )
