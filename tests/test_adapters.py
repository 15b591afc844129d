"""The adapters against the real libraries: gymnasium, dm_env, gymnax (+ rejax) and brax.

Every test uses one pendulum/swingup env with 5-step episodes, so that episode ends, truncation
and auto-resets happen within a few steps; each adapter compiles its functions for it once.
A missing library fails its tests with the pip command that installs it (it is a test extra).
"""

from __future__ import annotations

import functools
import importlib
import unittest

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import mjxcontrol

TASK = "pendulum/swingup"
STEPS = 5  # control steps per episode of the short env
CONTROL_TIMESTEP = 0.02  # pendulum's, in seconds
NUM_ENVS = 3


def _need(module: str):
    """Imports a library the adapters wrap, or fails the test with the install command."""
    try:
        return importlib.import_module(module)
    except ImportError as e:
        pytest.fail(f"{module} is not installed: pip install 'mjxcontrol[adapters]' ({e})")


@functools.cache
def _short_env() -> mjxcontrol.Env:
    env = mjxcontrol.load(TASK, time_limit=STEPS * CONTROL_TIMESTEP)
    assert env.step_limit == STEPS
    return env


@pytest.fixture(scope="module")
def env() -> mjxcontrol.Env:
    return _short_env()


# ---------------------------------------------------------------------------- gymnasium
# The checker warns that dm_control's observations are unbounded (they are) and that an env made
# without gymnasium.make has no spec to re-create it in other render modes.
@pytest.mark.filterwarnings("ignore:.*Box observation space m..imum value is")
@pytest.mark.filterwarnings("ignore:.*Not able to test alternative render modes")
def test_gymnasium_env_passes_env_checker(env):
    _need("gymnasium")
    from gymnasium.utils.env_checker import check_env

    from mjxcontrol.adapters.gymnasium import GymnasiumEnv

    gym_env = GymnasiumEnv(env, render_mode="rgb_array")
    check_env(gym_env)  # spaces, seeding determinism, step/reset types, render
    frame = gym_env.render()
    assert frame is not None and frame.dtype == np.uint8 and frame.ndim == 3
    gym_env.reset(seed=1)
    ends = [gym_env.step(gym_env.action_space.sample())[2:4] for _ in range(STEPS)]
    assert ends == [(False, False)] * (STEPS - 1) + [(False, True)]  # time limit: truncated
    gym_env.close()
    with pytest.raises(ValueError, match="shape"):
        gym_env.step(np.zeros(3))


def _vector_run(env, mode: str, steps: int, seed: int = 0):
    from mjxcontrol.adapters.gymnasium import GymnasiumVectorEnv

    venv = GymnasiumVectorEnv(env, NUM_ENVS, autoreset_mode=mode)
    obs, _ = venv.reset(seed=seed)
    assert obs in venv.observation_space
    actions = np.random.default_rng(seed).uniform(-1, 1, (steps, NUM_ENVS, env.action_size))
    out = [venv.step(a.astype(np.float32)) for a in actions]
    venv.close()
    return venv, obs, out


def test_gymnasium_vector_autoreset_modes(env):
    gym = _need("gymnasium")
    nxt, obs0_next, next_out = _vector_run(env, "NextStep", STEPS + 1)
    same, obs0_same, same_out = _vector_run(env, "SameStep", STEPS)
    assert nxt.metadata["autoreset_mode"] == gym.vector.AutoresetMode.NEXT_STEP
    assert same.metadata["autoreset_mode"] == gym.vector.AutoresetMode.SAME_STEP
    np.testing.assert_array_equal(obs0_next, obs0_same)
    for t in range(STEPS):
        (o_n, r_n, term_n, trunc_n, info_n), (o_s, r_s, term_s, trunc_s, info_s) = (
            next_out[t],
            same_out[t],
        )
        assert o_n.shape == (NUM_ENVS, nxt.single_observation_space.shape[0])
        assert o_n.dtype == np.float32 and r_n.dtype == np.float32
        np.testing.assert_array_equal(r_n, r_s)
        assert not term_n.any() and not term_s.any()
        np.testing.assert_array_equal(trunc_n, [t == STEPS - 1] * NUM_ENVS)
        np.testing.assert_array_equal(trunc_s, trunc_n)
        assert info_n["_discount"].all() and (info_n["discount"] == 1).all()
        if t < STEPS - 1:
            np.testing.assert_array_equal(o_n, o_s)
            assert "final_obs" not in info_s
    # SAME_STEP: the ending step returns the new episode and keeps the last obs in final_obs.
    _, _, _, _, info_s = same_out[-1]
    assert info_s["_final_obs"].all() and info_s["_final_info"].all()
    final = np.stack(list(info_s["final_obs"]))
    np.testing.assert_array_equal(final, next_out[STEPS - 1][0])
    # NEXT_STEP: the step after the end ignores the action and returns the new episode.
    o_n, r_n, term_n, trunc_n, _ = next_out[STEPS]
    # The same new episodes in both modes (reset in two programs: equal but for float rounding).
    np.testing.assert_allclose(o_n, same_out[-1][0], rtol=1e-6, atol=1e-6)
    assert (r_n == 0).all() and not term_n.any() and not trunc_n.any()


def test_gymnasium_vector_wrappers_and_errors(env):
    gym = _need("gymnasium")
    from mjxcontrol.adapters.gymnasium import GymnasiumVectorEnv

    venv = GymnasiumVectorEnv(env, NUM_ENVS)
    wrapped = gym.wrappers.vector.NormalizeObservation(
        gym.wrappers.vector.RecordEpisodeStatistics(venv)
    )
    wrapped.reset(seed=3)
    wrapped.action_space.seed(3)
    for _ in range(STEPS):
        _, _, _, truncated, info = wrapped.step(wrapped.action_space.sample())
    assert truncated.all() and (info["episode"]["l"] == STEPS).all()
    with pytest.raises(ValueError, match=r"shape \(3, 1\)"):
        venv.step(np.zeros((2, 1), np.float32))
    with pytest.raises(ValueError, match="SAME_STEP"):  # gymnasium's rule for obs wrappers
        gym.wrappers.vector.NormalizeObservation(
            GymnasiumVectorEnv(env, NUM_ENVS, autoreset_mode="SameStep")
        )
    dict_env = GymnasiumVectorEnv(env, 2, flatten_obs=False)
    obs, _ = dict_env.reset(seed=0)
    assert list(obs) == list(env.observation_spec()) and obs in dict_env.observation_space


# ---------------------------------------------------------------------------- dm_env
try:
    from dm_env import test_utils as _dm_env_test_utils

    _DmEnvMixin = _dm_env_test_utils.EnvironmentTestMixin
except ImportError:  # reported by DmEnvConformanceTest.setUp
    _DmEnvMixin = object


class DmEnvConformanceTest(_DmEnvMixin, unittest.TestCase):  # type: ignore[misc]
    """dm_env's own conformance suite (``dm_env.test_utils.EnvironmentTestMixin``)."""

    def setUp(self):
        _need("dm_env.test_utils")
        super().setUp()

    def make_object_under_test(self):
        from mjxcontrol.adapters.dm_env import DmEnv

        return DmEnv(_short_env(), seed=0)

    def make_action_sequence(self):
        for _ in range(2 * STEPS + 2):  # crosses two episode ends
            yield np.zeros(1, np.float32)


def test_dm_env_time_steps_follow_dm_control(env):
    dm_env = _need("dm_env")
    from dm_control import suite

    from mjxcontrol.adapters.dm_env import DmEnv

    adapter = DmEnv(env, seed=0)
    reference = suite.load(*TASK.split("/"))
    assert list(adapter.observation_spec()) == list(reference.observation_spec())
    assert adapter.action_spec().shape == reference.action_spec().shape
    first = adapter.reset()
    assert first.first() and first.reward is None and first.discount is None
    steps = [adapter.step(np.ones(1, np.float32)) for _ in range(STEPS + 1)]
    assert [s.step_type for s in steps] == (
        [dm_env.StepType.MID] * (STEPS - 1) + [dm_env.StepType.LAST, dm_env.StepType.FIRST]
    )
    assert steps[STEPS - 1].discount == 1.0  # truncation keeps discount 1, as in dm_control
    assert isinstance(steps[0].reward, float)


# ---------------------------------------------------------------------------- gymnax + rejax
def test_gymnax_api_in_a_jitted_scan(env):
    _need("gymnax")
    from mjxcontrol.adapters.gymnax import SPLIT_DONE_API, make

    genv, params = make(env)
    assert params.max_steps_in_episode == STEPS
    obs_space, act_space = genv.observation_space(params), genv.action_space(params)
    keys = jax.random.split(jax.random.key(0), NUM_ENVS)
    obs, state = jax.vmap(genv.reset, in_axes=(0, None))(keys, params)

    def body(carry, key):
        obs, state = carry
        act_key, step_key = jax.random.split(key)
        actions = jax.vmap(act_space.sample)(jax.random.split(act_key, NUM_ENVS))
        out = jax.vmap(genv.step, in_axes=(0, 0, 0, None))(
            jax.random.split(step_key, NUM_ENVS), state, actions, params
        )
        obs, state, reward = out[:3]
        done = out[3] | out[4] if SPLIT_DONE_API else out[3]
        return (obs, state), (obs, reward, done, state.time)

    run = jax.jit(lambda c, k: jax.lax.scan(body, c, jax.random.split(k, 2 * STEPS + 1)))
    _, (all_obs, reward, done, time) = run((obs, state), jax.random.key(1))
    assert all_obs.shape == (2 * STEPS + 1, NUM_ENVS, obs_space.shape[0])
    assert bool(jnp.all(jax.vmap(jax.vmap(obs_space.contains))(all_obs)))
    assert bool(jnp.all(jnp.isfinite(reward)))
    ends = np.asarray(done).any(axis=1)
    assert list(np.flatnonzero(ends) + 1) == [STEPS, 2 * STEPS]  # 1-based steps that end
    assert int(time[STEPS - 1].max()) == 0  # reset by gymnax's auto-reset


def test_rejax_ppo_trains_a_few_iterations(env):
    _need("rejax")
    from rejax import PPO

    from mjxcontrol.adapters.gymnax import make

    genv, params = make(env)
    algo = PPO.create(
        env=genv,
        env_params=params,
        num_envs=4,
        num_steps=8,
        num_epochs=1,
        num_minibatches=2,
        total_timesteps=64,
        eval_freq=64,
        skip_initial_evaluation=True,
    )
    algo = algo.replace(eval_callback=lambda algo, ts, rng: jnp.zeros(()))  # no eval rollouts
    train_state, _ = jax.jit(algo.train)(jax.random.PRNGKey(0))
    assert int(train_state.global_step) == 64
    leaves = jax.tree.leaves(train_state.actor_ts.params)
    assert leaves and all(bool(jnp.all(jnp.isfinite(x))) for x in leaves)


# ---------------------------------------------------------------------------- brax
def test_brax_training_wrappers_in_a_jitted_rollout(env):
    _need("brax")
    from brax.envs.wrappers import training

    from mjxcontrol.adapters.brax import BraxEnv, mjx_state

    benv = BraxEnv(env)
    assert (benv.observation_size, benv.action_size, benv.backend) == (3, 1, "mjx")
    wrapped = training.EvalWrapper(training.wrap(benv, episode_length=benv.episode_length))
    state = jax.jit(wrapped.reset)(jax.random.split(jax.random.PRNGKey(0), NUM_ENVS))

    def body(state, key):
        action = jax.random.uniform(key, (NUM_ENVS, 1), minval=-1, maxval=1)
        state = wrapped.step(state, action)
        return state, (state.done, state.info["truncation"], state.obs, mjx_state(state).step)

    rollout = jax.jit(lambda s, k: jax.lax.scan(body, s, jax.random.split(k, STEPS + 1)))
    final, (done, truncation, obs, inner_step) = rollout(state, jax.random.PRNGKey(1))
    np.testing.assert_array_equal(done[:, 0], [0] * (STEPS - 1) + [1, 0])
    np.testing.assert_array_equal(truncation[:, 0], [0] * (STEPS - 1) + [1, 0])
    np.testing.assert_array_equal(obs[STEPS - 1], state.obs)  # AutoResetWrapper: first obs
    np.testing.assert_array_equal(inner_step[:, 0], [1, 2, 3, 4, 0, 1])  # our State resets too
    eval_metrics = final.info["eval_metrics"]
    np.testing.assert_array_equal(eval_metrics.episode_steps, [STEPS] * NUM_ENVS)
    np.testing.assert_array_equal(eval_metrics.active_episodes, [0] * NUM_ENVS)
    assert set(final.info["episode_metrics"]) >= {"sum_reward", "length", "physics_error"}
