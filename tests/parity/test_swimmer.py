"""swimmer/swimmer6 and swimmer15 against dm_control 1.0.50: one-step parity, reset distribution.

dm_control writes each episode's target into the model (``geom_pos`` of ``target``); ours keeps
it in ``task_state`` (tasks/swimmer.py says why). The parity check records dm_control's target
with every state and steps ours with it; the reset check compares the targets' distributions too.
Both tasks run on ``impl="warp"``.
"""

import numpy as np
import pytest

from mjxcontrol.testing import parity, task_states

pytestmark = pytest.mark.parity

TASKS = ("swimmer6", "swimmer15")
TARGET = "target"
# Starts put the target up to this far (m, per axis) from the nose: inside it (radius 0.1 m) or in
# the reward's margin.
NEAR_TARGET_SPREAD = 0.15
# body_velocities, absolute: MJX-Warp (float32) vs C MuJoCo (float64) differ by up to 1.2e-3 rad/s
# in the gyros' z entries on swimmer15 (its linear entries: 1.7e-5; swimmer6 and every other key
# stay within the default 1e-4). Not the inputs' rounding: C MuJoCo stepped from the same states
# rounded to float32 moves by 1.6e-5 at most. Suspected, not yet proven (MJX-Warp has no float64
# mode): float32 rounding grown over 15 Euler substeps of a stiff chain (0.01 kg links, armature
# 1e-6, most states pressing a soft joint limit); a link's spin sums the rates of all joints before
# it, which is where the error shows.
BODY_VELOCITIES_ATOL = 2e-3


def _target_near_nose(env, rng):
    """Moves the target next to the nose, so rewards of 1 and in the margin are exercised."""
    physics = env.physics
    physics.forward()
    xy = physics.named.data.geom_xpos["nose", :2] + rng.uniform(
        -NEAR_TARGET_SPREAD, NEAR_TARGET_SPREAD, 2
    )
    physics.named.model.geom_pos[TARGET, :2] = xy
    physics.named.model.light_pos["target_light", :2] = xy


@pytest.mark.parametrize("task", TASKS)
def test_one_step_parity(load_env, task):
    samples = parity.record_dm_control(
        "swimmer",
        task,
        parity.BATCH,
        start_fn=_target_near_nose,
        start_fraction=0.5,
        action_scale=1.5,
        task_state_fn=task_states.swimmer_target,
    )
    assert (samples.reward == 1.0).mean() > 0.05, "samples must have the nose inside the target"
    assert ((samples.reward > 0.1) & (samples.reward < 1.0)).mean() > 0.05, "and in the margin"
    assert (samples.reward < 0.05).mean() > 0.05, "and far from it"
    assert len(np.unique(samples.task_state[:, 0])) > 10, "several episodes' targets"
    env = load_env(f"swimmer/{task}")
    assert env.physics.impl == "warp"
    assert parity.compare(env, samples, obs_atol={"body_velocities": BODY_VELOCITIES_ATOL}) == []


@pytest.mark.parametrize("task", TASKS)
def test_reset_distribution(load_env, task):
    parity.assert_reset_distribution(
        load_env(f"swimmer/{task}"), task_state_fn=task_states.swimmer_target
    )
