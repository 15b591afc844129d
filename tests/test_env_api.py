"""Env API on one cheap task: bad input, NaN actions, params, AutoReset, rollout, specs."""

import chex
import jax
import jax.numpy as jnp
import mujoco
import numpy as np
import pytest

import mjxcontrol
from mjxcontrol.testing.compiled import BATCH, compiled

TASK = "pendulum/swingup"


@pytest.fixture(scope="module")
def env(load_env):
    return load_env(TASK)


def test_unknown_domain_suggests_close_names():
    with pytest.raises(ValueError, match=r"unknown domain 'cartpol'.*did you mean 'cartpole'"):
        mjxcontrol.load("cartpol", "swingup")


def test_unknown_task_suggests_close_names():
    with pytest.raises(ValueError, match=r"unknown task cartpole/'swingupp'.*'swingup'"):
        mjxcontrol.load("cartpole", "swingupp")


def test_malformed_task_id():
    with pytest.raises(ValueError, match="expected 'domain/task'"):
        mjxcontrol.load("cartpole")


def test_unknown_override_names_the_options():
    match = r"no option\(s\) \['time_limt'\].*did you mean 'time_limit'"
    with pytest.raises(ValueError, match=match):
        mjxcontrol.load("pendulum", "swingup", time_limt=3.0)


def test_override_changes_time_limit():
    env = mjxcontrol.load("pendulum", "swingup", time_limit=1.0)
    assert env.step_limit == 50  # 1 s of 0.02 s control steps


def test_control_timestep_must_be_whole_substeps():
    with pytest.raises(ValueError, match="not an integer multiple"):
        mjxcontrol.load("pendulum", "swingup", control_timestep=0.03)


def test_unknown_impl():
    with pytest.raises(ValueError, match="unknown impl 'cuda'"):
        mjxcontrol.load("pendulum", "swingup", impl="cuda")


@pytest.mark.parametrize("shape", [(), (2,), (4, 1)])
def test_wrong_action_shape_is_a_clear_error_at_trace_time(env, shape):
    state = jax.eval_shape(env.reset, jax.random.key(0))
    with pytest.raises(ValueError, match=r"action must have shape \(1,\), got"):
        jax.eval_shape(env.step, state, jnp.zeros(shape))


def test_integer_action_is_a_clear_error(env):
    state = jax.eval_shape(env.reset, jax.random.key(0))
    with pytest.raises(ValueError, match="action must be a float array, got dtype int32"):
        jax.eval_shape(env.step, state, jnp.zeros((1,), jnp.int32))


def test_nan_action_zeroes_control_and_truncates(env):
    fns = compiled(env)
    state = fns["reset"](jax.random.split(jax.random.key(0), BATCH))
    action = np.zeros((BATCH, 1), np.float32)
    action[::2] = np.nan
    after = fns["step"](state, jnp.asarray(action))
    zero = fns["step"](state, jnp.zeros((BATCH, 1)))
    bad = np.asarray(after.metrics["invalid_action"])
    np.testing.assert_array_equal(bad, np.isnan(action[:, 0]))
    np.testing.assert_array_equal(np.asarray(after.truncated), bad)
    assert np.isfinite(np.asarray(after.data.qpos)).all()
    # A NaN action behaves exactly like a zero action (MuJoCo's own BADCTRL rule).
    np.testing.assert_array_equal(np.asarray(after.data.qpos), np.asarray(zero.data.qpos))


def test_params_override_changes_physics(env):
    # Params are fixed per episode: pass them to reset (derived quantities depend on them).
    heavy = env.params(body_mass=np.asarray(env.physics.mj_model.body_mass) * 4)
    key = jax.random.key(3)
    light = env.step(env.reset(key), jnp.ones(1))
    heavier = env.step(env.reset(key, heavy), jnp.ones(1))
    np.testing.assert_array_equal(heavier.params["body_mass"], heavy["body_mass"])
    assert not np.allclose(light.data.qvel, heavier.data.qvel)


def test_params_are_vmappable_for_domain_randomisation(env):
    masses = np.asarray(env.physics.mj_model.body_mass)[None] * np.linspace(0.5, 2, 4)[:, None]
    params = jax.vmap(lambda m: env.params(body_mass=m))(masses)
    keys = jax.random.split(jax.random.key(0), 4)
    states = jax.jit(jax.vmap(env.reset))(keys, params)
    assert states.params["body_mass"].shape == (4, env.physics.mj_model.nbody)


def test_bad_params_are_clear_errors(env):
    match = "'body_mas' is not an mjx.Model array field; did you mean 'body_mass'"
    with pytest.raises(ValueError, match=match):
        env.params(body_mas=1.0)
    with pytest.raises(ValueError, match="param 'body_mass' must have shape"):
        env.params(body_mass=np.ones(7))


def test_specs_come_from_eval_shape(env):
    obs = env.observation_spec()
    assert list(obs) == ["orientation", "velocity"]
    assert obs["orientation"].shape == (2,) and obs["velocity"].shape == (1,)
    act = env.action_spec()
    assert act.shape == (1,) and act.minimum[0] == -1 and act.maximum[0] == 1


def test_auto_reset_keeps_final_observation(env):
    short = mjxcontrol.load("pendulum", "swingup", time_limit=0.1)  # 5 control steps
    auto = mjxcontrol.AutoReset(short)
    state = short.reset(jax.random.key(0))
    step = jax.jit(auto.step)
    for _ in range(4):
        state = step(state, jnp.ones(1))
    assert not bool(state.truncated)
    np.testing.assert_array_equal(state.final_obs["orientation"], state.obs["orientation"])
    plain = jax.jit(short.step)(state, jnp.ones(1))  # the same step without auto-reset
    state = step(state, jnp.ones(1))
    assert bool(state.truncated) and int(state.step) == 0
    np.testing.assert_allclose(state.final_obs["orientation"], plain.obs["orientation"], atol=1e-6)
    assert not np.allclose(state.final_obs["orientation"], state.obs["orientation"])
    assert not np.array_equal(jax.random.key_data(state.key), jax.random.key_data(plain.key))


def test_rollout_batched_truncates_every_episode_once():
    short = mjxcontrol.load("pendulum", "swingup", time_limit=0.1)
    states = jax.vmap(short.reset)(jax.random.split(jax.random.key(0), 3))
    final, traj = mjxcontrol.rollout(short, states, jax.random.key(1), 12)
    assert traj.reward.shape == (12, 3)
    np.testing.assert_array_equal(np.asarray(traj.truncated).sum(0), [2, 2, 2])
    np.testing.assert_array_equal(np.asarray(final.step), [2, 2, 2])
    assert np.isfinite(np.asarray(traj.obs["orientation"])).all()


def test_unsupported_mjx_feature_names_the_geom_pair():
    xml = """<mujoco><worldbody>
      <geom name="ground" type="box" size="1 1 .1"/>
      <body pos="0 0 1"><freejoint/><geom name="egg" type="ellipsoid" size=".1 .2 .3"/></body>
    </worldbody></mujoco>"""
    model = mujoco.MjModel.from_xml_string(xml)
    with pytest.raises(mjxcontrol.UnsupportedFeatureError) as err:
        mjxcontrol.compile_physics(model)
    message = str(err.value)
    assert "(BOX, ELLIPSOID)" in message or "(ELLIPSOID, BOX)" in message
    assert "'ground'" in message and "'egg'" in message and "impl='warp'" in message


def test_list_tasks_has_tags():
    infos = mjxcontrol.list_tasks()
    ids = [i.id for i in infos]
    assert len(ids) == len(set(ids))
    assert "benchmarking" in mjxcontrol.get_info("cartpole/swingup").tags
    assert "extra" in mjxcontrol.get_info("cartpole/three_poles").tags
    assert set(mjxcontrol.list_tasks("easy")) <= set(infos)


def test_vmapped_batch_matches_unbatched_env(env):
    """jit(vmap(step)) and jit(step) are different XLA programs: same results to float32 rounding
    (the registry-wide contract checks batch independence bit for bit instead)."""
    fns = compiled(env)
    keys = jax.random.split(jax.random.key(0), BATCH)
    action = jax.random.uniform(jax.random.key(1), (BATCH, env.action_size), minval=-1, maxval=1)
    batched = fns["step"](fns["reset"](keys), action)
    single = jax.jit(lambda key, a: env.step(env.reset(key), a))
    for i in (0, BATCH - 1):
        one = single(keys[i], action[i])
        for k in one.obs:
            np.testing.assert_allclose(batched.obs[k][i], one.obs[k], atol=1e-5, rtol=1e-5)
        np.testing.assert_allclose(batched.reward[i], one.reward, atol=1e-5)


def test_one_physics_program_matches_forward_and_advance(env):
    """The checks' single physics program (forward and control step in one) computes what
    ``Physics.forward`` and ``Physics.advance`` compute (pendulum: bit for bit)."""
    physics = env.physics
    state = jax.jit(env.reset)(jax.random.key(0))
    overrides = {**state.params, **state.episode_params}
    action = jnp.full(env.action_size, 0.3)
    kernel = jax.jit(physics.forward_or_advance)
    forward = jax.jit(lambda o, d: physics.forward(physics.model.replace(**o), d))
    expected = forward(overrides, state.data)
    chex.assert_trees_all_equal(kernel(overrides, state.data, action, False)[0], expected)
    stepped = jax.jit(physics.advance)(overrides, expected, action)
    chex.assert_trees_all_equal(kernel(overrides, expected, action, True), stepped)


# This project's tasks beyond the suite.
BEYOND_THE_SUITE = {"corridor/walker_gaps"}


def test_registry_is_dm_controls_suite_with_its_tags():
    from dm_control import suite

    ours = {info.id: set(info.tags) for info in mjxcontrol.list_tasks()}
    theirs = {f"{d}/{t}" for d, t in suite.ALL_TASKS}
    assert theirs - set(ours) == set()  # all 51
    assert set(ours) - theirs == BEYOND_THE_SUITE
    groups = {
        "benchmarking": suite.BENCHMARKING,
        "easy": suite.EASY,
        "hard": suite.HARD,
        "extra": suite.EXTRA,
    }
    for task_id in set(ours) & theirs:
        pair = tuple(task_id.split("/"))
        assert ours[task_id] == {tag for tag, tasks in groups.items() if pair in tasks}, task_id
