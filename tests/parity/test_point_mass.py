"""point_mass/easy and hard against dm_control 1.0.50: one-step parity, reset distribution.

``hard`` draws its motors' push directions at reset: dm_control writes them into the tendon
coefficients ``model.wrap_prm``, we into ``episode_params["actuator_gear"]`` of site
transmissions (see tasks/point_mass.py). The parity check records dm_control's ``wrap_prm`` with
every state and steps ours with the equivalent gears; the reset check compares the directions'
distributions.
"""

import dataclasses

import numpy as np
import pytest

from mjxcontrol.testing import parity

pytestmark = pytest.mark.parity

TASKS = ("easy", "hard")
JOINTS = ("root_x", "root_y")
MOTORS = ("t1", "t2")
# dm_control redraws the second direction while |d1 . d2| exceeds this.
MAX_ALIGNMENT = 0.9


def _near_target(env, rng):
    """Starts episodes within a few target radii of the centre, so the reward is not always 0."""
    env.physics.named.data.qpos[list(JOINTS)] = rng.normal(0.0, 0.01, 2)
    env.physics.named.data.qvel[list(JOINTS)] = rng.normal(0.0, 0.02, 2)


def _wrap_prm(env):
    """dm_control's tendon coefficients, ``[t1 on x, t1 on y, t2 on x, t2 on y]``."""
    return env.physics.model.wrap_prm.copy()


def _gear_from_wrap_prm(env, wrap_prm: np.ndarray, gear: np.ndarray) -> np.ndarray:
    """Our site gears ``[N, nu, 6]`` equivalent to dm_control's tendon coefficients ``[N, nwrap]``.

    Each tendon coefficient weights a slide joint, i.e. a push along that joint's world axis (the
    ball's body is never rotated), scaled by the motor's gear.
    """
    m = env.physics.mj_model  # its tendons are dm_control's (hard only re-targets the motors)
    gear = gear.copy()
    for motor in MOTORS:
        u = env.physics.names.id("actuator", motor)
        t = env.physics.names.id("tendon", motor)
        scale = np.linalg.norm(m.actuator_gear[u, :3])
        adr, num = m.tendon_adr[t], m.tendon_num[t]
        force = sum(
            wrap_prm[:, w, None] * m.jnt_axis[m.wrap_objid[w]] for w in range(adr, adr + num)
        )
        gear[:, u, :3] = scale * force
    return gear


@pytest.mark.parametrize("task", TASKS)
def test_one_step_parity(load_env, task):
    hard = task == "hard"
    samples = parity.record_dm_control(
        "point_mass",
        task,
        parity.BATCH,
        start_fn=_near_target,
        start_fraction=0.8,
        action_scale=1.5,
        task_state_fn=_wrap_prm if hard else None,
    )
    assert (samples.reward > 0.05).mean() > 0.1, "samples must contain rewarded steps"
    assert (samples.reward == 0).any() or samples.reward.min() < 1e-3
    assert np.ptp(samples.reward) > 0.5, "samples must contain different rewards"
    if hard:
        # dm_control draws new directions per episode: make sure several were exercised.
        assert len(np.unique(samples.task_state[:, 0])) > 10
    env = load_env(f"point_mass/{task}")
    episode_params = None
    if hard:  # dm_control's per-episode directions, as our per-env actuator gears
        gear = np.asarray(parity.reset_batch(env, 0).episode_params["actuator_gear"])
        episode_params = {"actuator_gear": _gear_from_wrap_prm(env, samples.task_state, gear)}
        samples = dataclasses.replace(samples, task_state=())  # ours keeps no task_state
    assert parity.compare(env, samples, episode_params=episode_params) == []


def _directions(wrap_prm: np.ndarray):
    """``(wrap_prm, d1 . d2)``: the directions and the cosine between them, per reset."""
    d = wrap_prm.reshape(-1, 2, 2)
    return wrap_prm, np.einsum("ni,ni->n", d[:, 0], d[:, 1])


def _our_resets_with_directions(env):
    """parity.our_resets, plus each reset's directions in dm_control's ``wrap_prm`` layout."""
    ours = parity.our_resets(env)
    ids = env.physics.names.ids("actuator", MOTORS)
    gear = ours.pop("episode_params")["actuator_gear"][:, ids, :2]
    scale = np.linalg.norm(env.physics.mj_model.actuator_gear[ids, :3], axis=1)
    wrap_prm = (gear / scale[None, :, None]).reshape(len(gear), -1)
    return ours, _directions(wrap_prm)


@pytest.mark.parametrize("task", TASKS)
def test_reset_distribution(load_env, task):
    env = load_env(f"point_mass/{task}")
    if task == "easy":
        parity.assert_reset_distribution(env)
        return
    # hard: also compare the drawn directions (our gears vs dm_control's wrap_prm) and their cosine.
    ours, directions = _our_resets_with_directions(env)
    ours["task_state"] = directions
    ref = parity.record_dm_control_resets(
        "point_mass", task, parity.NUM_RESETS, task_state_fn=_wrap_prm
    )
    ref["task_state"] = _directions(ref["task_state"])
    wrap_prm, cosine = directions
    assert np.allclose(np.linalg.norm(wrap_prm.reshape(-1, 2, 2), axis=-1), 1.0, atol=1e-5)
    assert np.abs(cosine).max() <= MAX_ALIGNMENT + 1e-6
    pvalues = parity.reset_distribution_pvalues(ours, ref)
    assert min(pvalues.values()) > parity.MIN_PVALUE, pvalues
