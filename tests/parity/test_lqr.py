"""lqr/lqr_2_1 and lqr/lqr_6_2 against dm_control 1.0.50: one-step parity, termination with
discount 0, springs from another seed passed as per-env params, reset distribution.

dm_control draws the chain's springs from the task's seed when it builds the environment; our
default model is the one of seed 0 (``model_seed``), which :func:`parity.record_dm_control` also
loads (tests/test_suite_models_swimmer_lqr.py proves the models equal).
"""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import mjxcontrol
from mjxcontrol.tasks import lqr
from mjxcontrol.testing import parity

pytestmark = pytest.mark.parity

TASKS = ("lqr_2_1", "lqr_6_2")
# dm_control's action spec is +-1e10 (unlimited motors): this scale makes the random actions
# U(-1, 1) N, which keep the chain near its working range.
ACTION_SCALE = 1e-10
# dm_control terminates once the state norm falls below this.
TERMINAL_TOLERANCE = 1e-6
# A seed whose springs differ from the default model's (seed 0).
OTHER_SEED = 7


def _near_rest(env, rng):
    """Starts episodes close to the origin, so that rewards near 1 are exercised too."""
    n = env.physics.model.nq
    env.physics.data.qpos[:] = rng.normal(0.0, 0.05, n)
    env.physics.data.qvel[:] = rng.normal(0.0, 0.05, n)


def _record(task, seed=0):
    return parity.record_dm_control(
        "lqr", task, parity.BATCH, seed=seed, start_fn=_near_rest, action_scale=ACTION_SCALE
    )


@pytest.mark.parametrize("task", TASKS)
def test_one_step_parity(load_env, task):
    samples = _record(task)
    assert samples.reward.max() > 0.95, "samples must come close to the origin"
    assert samples.reward.min() < 0.2, "samples must include costly states"
    assert parity.compare(load_env(f"lqr/{task}"), samples) == []


def test_springs_of_another_seed_as_params():
    """dm_control's seed-7 instance, reproduced by giving our default model its springs."""
    from dm_control import suite

    task = "lqr_2_1"  # the cheaper of the two: this check compiles the step once more
    stiffness = suite.load("lqr", task, task_kwargs={"random": OTHER_SEED}).physics.model
    stiffness = np.asarray(stiffness.jnt_stiffness, np.float32)
    # Its own Env, so that its compiled step (traced with per-env springs, another pytree) is not
    # the shared one whose single trace the contract check counts.
    env = mjxcontrol.load(f"lqr/{task}")
    ours = np.asarray(env.physics.mj_model.jnt_stiffness)
    assert np.abs(ours - stiffness).max() > 0.5, "the two seeds must give different springs"
    samples = _record(task, seed=OTHER_SEED)
    springs = {"jnt_stiffness": np.tile(stiffness, (parity.BATCH, 1))}
    assert parity.compare(env, samples, episode_params=springs) == []
    # ... and the default springs do not fit seed 7's dynamics.
    assert parity.compare(env, samples, record=False) != []


def test_random_stiffness_draws_per_env_springs(load_env):
    env = load_env("lqr/lqr_6_2")
    keys = jax.random.split(jax.random.key(0), 1000)
    stiffness = np.asarray(jax.vmap(lambda k: lqr.random_stiffness(env, k))(keys)["jnt_stiffness"])
    assert stiffness.shape == (1000, 6)
    assert ((stiffness >= 15) & (stiffness <= 25)).all()
    np.testing.assert_allclose(stiffness.mean(), 20.0, atol=0.2)
    assert len(np.unique(stiffness[:, 0])) == 1000


def _termination_cases(n_dof: int, nu: int, rng: np.random.Generator):
    """BATCH (qpos, qvel, action) rows: a quarter each of
    * states far below the tolerance, at rest and with zero force (terminal);
    * the same states pushed by a 1e-2 N force (the push leaves the tolerance ball);
    * states with norm ~1e-5, zero force (not terminal);
    * states with norm log-uniform in [1e-8, 1e-4], zero force (both sides of the threshold).
    """
    quarter = parity.BATCH // 4
    direction = rng.normal(size=(parity.BATCH, 2 * n_dof))
    direction /= np.linalg.norm(direction, axis=1, keepdims=True)
    norm = np.concatenate(
        [
            np.full(quarter, 1e-8),
            np.full(quarter, 1e-8),
            np.full(quarter, 1e-5),
            10.0 ** rng.uniform(-8, -4, parity.BATCH - 3 * quarter),
        ]
    )
    state = direction * norm[:, None]
    action = np.zeros((parity.BATCH, nu))
    action[quarter : 2 * quarter] = 1e-2
    return state[:, :n_dof], state[:, n_dof:], action


def _dm_control_steps(task, qpos, qvel, action):
    """dm_control's (last, discount, reward) one step after each given state."""
    from dm_control import suite

    env = suite.load("lqr", task, task_kwargs={"random": 0})
    out = []
    for q, v, a in zip(qpos, qvel, action, strict=True):
        env.reset()
        with env.physics.reset_context():
            env.physics.data.qpos[:] = q
            env.physics.data.qvel[:] = v
        ts = env.step(a)
        out.append((ts.last(), ts.discount, ts.reward))
    last, discount, reward = (np.asarray(x) for x in zip(*out, strict=True))
    return last, discount, reward


@pytest.mark.parametrize("task", TASKS)
def test_termination_has_discount_zero(load_env, task):
    env = load_env(f"lqr/{task}")
    n_dof, nu = env.physics.mj_model.nq, env.action_size
    qpos, qvel, action = _termination_cases(n_dof, nu, np.random.default_rng(0))
    last, discount, reward = _dm_control_steps(task, qpos, qvel, action)
    assert 0 < last.sum() < len(last), "both terminal and non-terminal steps must be exercised"
    assert (discount[last] == 0).all() and (discount[~last] == 1).all()

    fns = parity.compiled(env)
    state = fns["set_state"](
        parity.reset_batch(env, 0),
        jnp.asarray(qpos, jnp.float32),
        jnp.asarray(qvel, jnp.float32),
        jnp.zeros((parity.BATCH, 0), jnp.float32),
        None,
    )
    state = fns["step"](state, jnp.asarray(action, jnp.float32))
    terminated = np.asarray(state.terminated)
    np.testing.assert_array_equal(terminated, last)
    np.testing.assert_array_equal(np.asarray(state.discount), discount)
    assert not np.asarray(state.truncated).any(), "lqr has no time limit"
    np.testing.assert_allclose(np.asarray(state.reward), reward, atol=parity.REWARD_ATOL)


@pytest.mark.parametrize("task", TASKS)
def test_reset_distribution(load_env, task):
    env = load_env(f"lqr/{task}")
    parity.assert_reset_distribution(env)
    qpos = parity.our_resets(env)["qpos"]
    np.testing.assert_allclose(np.linalg.norm(qpos, axis=1), np.sqrt(2.0), rtol=1e-5)
