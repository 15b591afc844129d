"""ball_in_cup/catch against dm_control 1.0.50: one-step parity and reset distribution."""

import mujoco
import numpy as np
import pytest

from mjxcontrol.testing import parity

pytestmark = pytest.mark.parity

# The ball's slide origin is this far (m) below the cup's.
BALL_BELOW_CUP = 0.4
# Ball-centre height (m) above the cup's origin when it rests on the cup's bottom: the bottom
# capsule's axis is 0.1 m down, its radius 8 mm, the ball's radius 2.5 cm.
RESTING_IN_CUP = -0.1 + 0.008 + 0.025
# Short episodes: most samples are taken before the shaken cup loses the ball.
MAX_EPISODE_STEPS = 30
# Range (m) of the cup's start offset from its origin, per axis.
CUP_OFFSET = 0.1
# The string is taut (at its 0.3 m limit) within this much (m).
TAUT = 1e-3
# Velocities (m/s) one step after a ball-cup contact: MJX itself, not the port, differs from C
# MuJoCo there. Stepping dm_control's own compiled model with raw mjx.step in float64 from the
# samples below gives up to 4.6e-4 from C MuJoCo (18 of 256 samples above 1e-4, every one with
# pyramidal contact rows, none of the contact-free ones); our pipeline in float64 shows the same
# worst sample and value (ours -0.327189 vs dm_control -0.326726), so float32 plays no part.
# Over other states the engines' gap is wider: 1.0e-3 on 256 samples with 80 % of the episodes
# started as below (benchmarks/mjx_vs_c.py --start-fraction 0.8). The constant holds the fixed
# samples here with 2x margin; positions and reward keep the default tolerances.
VELOCITY_ATOL = 1e-3


def _ball_in_cup(env, rng):
    """Starts episodes with the ball resting in (or dropping into) a displaced, moving cup."""
    named = env.physics.named.data
    cup = rng.uniform(-CUP_OFFSET, CUP_OFFSET, 2)
    named.qpos["cup_x"], named.qpos["cup_z"] = cup
    named.qpos["ball_x"] = cup[0] + rng.normal(0.0, 0.01)
    named.qpos["ball_z"] = cup[1] + BALL_BELOW_CUP + RESTING_IN_CUP + abs(rng.normal(0.0, 0.02))
    named.qvel["ball_x"], named.qvel["ball_z"] = rng.normal(0.0, 0.3, 2)


def _regimes(samples):
    """Fractions of the recorded states with contacts and with a taut string (C MuJoCo)."""
    from dm_control import suite

    physics = suite.load("ball_in_cup", "catch").physics
    model, data = physics.model.ptr, physics.data.ptr
    contacts, taut = [], []
    for qpos, qvel in zip(samples.qpos, samples.qvel, strict=True):
        data.qpos[:], data.qvel[:] = qpos, qvel
        mujoco.mj_forward(model, data)
        contacts.append(data.ncon > 0)
        taut.append(data.ten_length[0] >= model.tendon_range[0, 1] - TAUT)
    return np.mean(contacts), np.mean(taut)


def test_one_step_parity(load_env):
    samples = parity.record_dm_control(
        "ball_in_cup",
        "catch",
        parity.BATCH,
        start_fn=_ball_in_cup,
        max_episode_steps=MAX_EPISODE_STEPS,
        action_scale=1.5,
    )
    assert 0.1 < samples.reward.mean() < 0.9, "both sparse reward values must be exercised"
    contacts, taut = _regimes(samples)
    assert contacts > 0.1, "ball-cup contacts"
    assert taut > 0.05, "string at its length limit"
    env = load_env("ball_in_cup/catch")
    assert parity.compare(env, samples, obs_atol={"velocity": VELOCITY_ATOL}) == []


def test_reset_distribution(load_env):
    env = load_env("ball_in_cup/catch")
    model = env.physics.mj_model
    data = mujoco.MjData(model)
    for qpos in parity.our_resets(env)["qpos"]:  # contact-free, as dm_control's loop demands
        data.qpos[:] = qpos
        mujoco.mj_forward(model, data)
        assert data.ncon == 0, f"reset pose {qpos} has {data.ncon} contacts"
    parity.assert_reset_distribution(env)
