"""fish/upright and fish/swim against dm_control 1.0.50: one-step parity, reset distribution.

swim: dm_control writes each episode's target into the model (``geom_pos`` of ``target``); ours
keeps it in ``task_state`` (tasks/fish.py says why). The parity check records dm_control's target
with every state and steps ours with it; the reset check compares the targets' distributions too.
Both tasks run on ``impl="warp"``.
"""

import pytest

from mjxcontrol.testing import parity, task_states

pytestmark = pytest.mark.parity

TASKS = ("upright", "swim")
TARGET = "target"
# swim starts put the target up to this far (m, per axis) from the mouth: inside the reward's
# bounds (0.045 m) or in its margin.
NEAR_TARGET_SPREAD = 0.08


def _target_near_mouth(env, rng):
    """Moves the target next to the mouth, so that in_target is exercised between 0 and 1."""
    physics = env.physics
    physics.forward()
    mouth = physics.named.data.geom_xpos["mouth"]
    physics.named.model.geom_pos[TARGET] = mouth + rng.uniform(
        -NEAR_TARGET_SPREAD, NEAR_TARGET_SPREAD, 3
    )


@pytest.mark.parametrize("task", TASKS)
def test_one_step_parity(load_env, task):
    swim = task == "swim"
    samples = parity.record_dm_control(
        "fish",
        task,
        parity.BATCH,
        start_fn=_target_near_mouth if swim else None,
        action_scale=1.5,
        task_state_fn=task_states.fish_target if swim else None,
    )
    upright = samples.obs["upright"][:, 0]
    assert upright.min() < -0.5 and upright.max() > 0.5, "orientations upside down and upright"
    if swim:
        in_target = (8 * samples.reward - (upright + 1) / 2) / 7
        assert (in_target > 0.99).mean() > 0.02, "samples must have the mouth in the target"
        assert ((in_target > 0.1) & (in_target < 0.99)).mean() > 0.05, "and in the margin"
    env = load_env(f"fish/{task}")
    assert env.physics.impl == "warp"
    assert parity.compare(env, samples) == []


@pytest.mark.parametrize("task", TASKS)
def test_reset_distribution(load_env, task):
    env = load_env(f"fish/{task}")
    parity.assert_reset_distribution(
        env, task_state_fn=task_states.fish_target if task == "swim" else None
    )
