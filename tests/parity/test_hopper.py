"""hopper/{stand, hop} against dm_control 1.0.50: one-step parity and reset distribution.

dm_control's hopper starts without a contact check, so some recorded states fold the leg through
the torso. Where two capsules' axes cross, the contact normal is undefined and MJX and C MuJoCo
pick different ones (same contact points and depths, different Jacobians): one step later the
joint velocities differ by O(1) rad/s in float64 as well as in float32. Those states (about 1 in
256) are left out of the comparison, and the test asserts that they are rare.
"""

import jax
import mujoco
import numpy as np
import pytest

from mjxcontrol.testing import parity

pytestmark = pytest.mark.parity

TASKS = ("stand", "hop")
LIMB_JOINTS = ("waist", "hip", "knee", "ankle")
# Smallest knee angle (its joint range starts at 5 degrees).
KNEE_MIN = np.deg2rad(5.0)
# Episodes are cut short so that most samples are taken before the hopper falls (the standing
# indicator is then 1 and the control / speed terms decide the reward).
MAX_EPISODE_STEPS = 30
# Highest forward push (m/s) at the start: spans the hop term's whole ramp (0 to 2 m/s) and above.
MAX_START_SPEED = 4.0
# Extra samples recorded so that BATCH remain once degenerate ones are left out.
SPARE_SAMPLES = 16
# Capsule axes closer than this (m) in a contact make its normal ill-defined (module docstring).
DEGENERATE_AXIS_DISTANCE = 1e-4
# touch is log1p of a contact force. One step after a hard impact float32 rounding of the stiff
# contact shows in it: worst |ours - dm_control| 3.2e-4 at 1.06 (a 1.9 N force) on the fixed
# samples below; the same states stepped by our pipeline in float64 agree to 4e-6, so the spread
# is float32 rounding. Positions, velocities and reward keep the default tolerances (worst 1.6e-6,
# 1.1e-4 at 1.4 rad/s, 3.4e-7).
TOUCH_ATOL = 2e-3


def _upright_start(env, rng):
    """Starts episodes upright near the floor, legs nearly straight, pushed forwards."""
    named = env.physics.named.data
    named.qpos["rooty"] = rng.normal(0.0, 0.15)
    for joint in LIMB_JOINTS:
        named.qpos[joint] = rng.normal(0.0, 0.1)
    named.qpos["knee"] = KNEE_MIN + abs(rng.normal(0.0, 0.2))
    named.qpos["rootz"] = rng.uniform(-0.1, 0.1)
    named.qvel["rootx"] = rng.uniform(0.0, MAX_START_SPEED)


def _degenerate(model, samples, n_substeps) -> np.ndarray:
    """Per sample: whether C MuJoCo meets a contact of two capsules with crossing axes during
    the step (module docstring)."""
    capsule = int(mujoco.mjtGeom.mjGEOM_CAPSULE)
    data = mujoco.MjData(model)
    out = []
    for qpos, qvel, action in zip(samples.qpos, samples.qvel, samples.action, strict=True):
        data.qpos[:], data.qvel[:], data.ctrl[:] = qpos, qvel, action
        mujoco.mj_forward(model, data)
        found = False
        for _ in range(n_substeps):
            for c in data.contact[: data.ncon]:
                g1, g2 = c.geom
                if model.geom_type[g1] == capsule == model.geom_type[g2]:
                    radii = model.geom_size[g1, 0] + model.geom_size[g2, 0]
                    found |= c.dist + radii < DEGENERATE_AXIS_DISTANCE
            mujoco.mj_step(model, data)
        out.append(found)
    return np.asarray(out)


def _take(samples, index):
    """The recorded samples at ``index`` (an int array)."""
    return parity.Samples(
        qpos=samples.qpos[index],
        qvel=samples.qvel[index],
        act=samples.act[index],
        task_state=jax.tree.map(lambda x: x[index], samples.task_state),
        action=samples.action[index],
        obs={k: v[index] for k, v in samples.obs.items()},
        reward=samples.reward[index],
    )


@pytest.mark.parametrize("task", TASKS)
def test_one_step_parity(load_env, task):
    env = load_env(f"hopper/{task}")
    samples = parity.record_dm_control(
        "hopper",
        task,
        parity.BATCH + SPARE_SAMPLES,
        start_fn=_upright_start,
        start_fraction=0.8,
        max_episode_steps=MAX_EPISODE_STEPS,
        action_scale=1.5,
    )
    degenerate = _degenerate(env.physics.mj_model, samples, env.n_substeps)
    assert degenerate.sum() <= SPARE_SAMPLES // 4, "crossing capsule axes must stay rare"
    samples = _take(samples, np.flatnonzero(~degenerate)[: parity.BATCH])
    # Both sides of the hard standing indicator, and the second factor's whole range.
    assert (samples.reward == 0).mean() > 0.2
    assert ((samples.reward > 0.05) & (samples.reward < 0.95)).mean() > 0.1
    # Foot contacts (non-zero touch sensors).
    assert (samples.obs["touch"] > 0).any(axis=1).mean() > 0.1
    if task == "hop":
        assert (samples.reward > 0.99).mean() > 0.05, "some samples must hop at full speed"
    assert parity.compare(env, samples, obs_atol={"touch": TOUCH_ATOL}) == []


@pytest.mark.parametrize("task", TASKS)
def test_reset_distribution(load_env, task):
    parity.assert_reset_distribution(load_env(f"hopper/{task}"))
