"""Issue 8's cases, one test each: bad and edge-case input never gives a silent wrong answer.

Each test names the case it pins. The registry-wide properties live in test_properties.py.
"""

import chex
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import mjxcontrol
from mjxcontrol import checkpoint
from mjxcontrol.testing import fingerprint
from mjxcontrol.testing.compiled import (
    batch_keys,
    batch_size,
    compiled,
    dynamics_key,
    physics_functions,
    reset_batch,
)

# point_mass/hard draws per-episode actuation directions; 0.1 s = 5 steps per episode.
SHORT_HARD = {"time_limit": 0.1}


@pytest.fixture(scope="module")
def hard():
    return mjxcontrol.load("point_mass/hard", **SHORT_HARD)


# -------------------------------------------------------------------------- 1. AutoReset params
def test_autoreset_new_episode_equals_reset_with_its_key(hard):
    """Case 1: after an automatic reset the episode's draws are the fresh ones, not episode 1's."""
    auto = mjxcontrol.AutoReset(hard)
    step, reset = jax.jit(auto.step), jax.jit(hard.reset)
    state = reset(jax.random.key(0))
    action = jnp.array([1.0, 0.0])
    for _ in range(hard.step_limit - 1):
        state = step(state, action)
    _, reset_key = jax.random.split(state.key)
    state = step(state, action)
    assert bool(state.truncated) and int(state.step) == 0
    fresh = reset(reset_key)
    for field in ("episode_params", "data", "obs", "task_state"):
        jax.tree.map(
            lambda a, b, f=field: np.testing.assert_array_equal(a, b, err_msg=f),
            getattr(state, field),
            getattr(fresh, field),
        )
    first = reset(jax.random.key(0)).episode_params["actuator_gear"]
    assert not np.allclose(state.episode_params["actuator_gear"], first)


def test_user_params_are_kept_apart_from_episode_draws(hard):
    """Case 1: a user's actuator_gear (domain randomisation) is not overwritten by the draw."""
    gear = np.asarray(hard.physics.mj_model.actuator_gear, np.float32) * 3
    params = hard.params(actuator_gear=gear)
    state = jax.jit(hard.reset)(jax.random.key(1), params)
    np.testing.assert_array_equal(state.params["actuator_gear"], gear)  # the user's, untouched
    drawn = np.asarray(state.episode_params["actuator_gear"])[:, :3]
    np.testing.assert_allclose(np.linalg.norm(drawn, axis=1), 0.3, rtol=1e-5)  # gain kept


# -------------------------------------------------------------------------- 2. diverged physics
@pytest.mark.parametrize("field", ["body_mass", "dof_damping"])
def test_diverged_env_ends_its_episode_without_nan(load_env, field):
    """Case 2: NaN physics gives discount 0, metrics["physics_error"], and no NaN anywhere."""
    env = load_env("cartpole/swingup")
    value = np.asarray(getattr(env.physics.mj_model, field), np.float32).copy()
    value[1] = np.nan  # bypasses env.params' check: traced values cannot be checked
    params = {field: jnp.asarray(value)}
    auto = mjxcontrol.AutoReset(env)
    state = jax.jit(env.reset)(jax.random.key(0), params)
    step = jax.jit(auto.step)
    for t in range(3):
        state = step(state, jnp.ones(1))
        for name in ("obs", "final_obs"):
            assert all(np.isfinite(v).all() for v in jax.tree.leaves(getattr(state, name))), name
        assert np.isfinite(state.reward), t
        assert bool(state.metrics["physics_error"]) and bool(state.terminated)
        assert not bool(state.truncated) and float(state.discount) == 0.0
        assert float(state.reward) == 0.0


def test_batched_autoreset_equals_vmapped_step_then_reset():
    """Case 2: batched AutoReset skips env.step's keep-the-previous-data select, since every
    diverged env is reset in the same step; the states it returns are env.step's composed with
    after_step, on a batch with NaN physics in two envs and episodes that end: the same
    operations, so equal but for float rounding where XLA fuses the two programs differently
    (bit for bit at XLA's default options; ~1 ulp at the test suite's)."""
    env = mjxcontrol.load("pendulum/swingup", time_limit=0.1)  # 5 control steps
    mass = np.tile(np.asarray(env.physics.mj_model.body_mass, np.float32), (6, 1))
    mass[:2, 1] = np.nan
    states = jax.jit(jax.vmap(env.reset))(
        jax.random.split(jax.random.key(0), 6), {"body_mass": mass}
    )
    auto = mjxcontrol.AutoReset(env)
    composed = lambda s, a: auto.after_step(jax.vmap(env.step)(s, a))  # noqa: E731
    actions = jax.random.uniform(jax.random.key(1), (12, 6, 1), minval=-1.0, maxval=1.0)

    def run(step):
        return jax.lax.scan(lambda s, a: (step(s, a),) * 2, states, actions)[1]

    ours, reference = (
        jax.jit(run, static_argnums=0)(auto.step),
        jax.jit(run, static_argnums=0)(composed),
    )
    ours, reference = (s.replace(key=jax.random.key_data(s.key)) for s in (ours, reference))
    chex.assert_trees_all_close(ours, reference, rtol=1e-6, atol=1e-6)
    for field in ("step", "terminated", "truncated", "discount", "key"):
        np.testing.assert_array_equal(getattr(ours, field), getattr(reference, field), field)
    assert bool(ours.metrics["physics_error"][:, :2].all()) and int(ours.truncated.sum()) == 8


@pytest.mark.parametrize(
    "field, bad", [("body_mass", -1.0), ("body_mass", np.nan), ("dof_damping", np.inf)]
)
def test_unphysical_concrete_params_are_a_clear_error(load_env, field, bad):
    """Case 2: env.params validates concrete values."""
    env = load_env("cartpole/swingup")
    value = np.asarray(getattr(env.physics.mj_model, field)).copy()
    value[-1] = bad
    match = rf"cartpole/swingup: param '{field}' (must be >= 0|has non-finite)"
    with pytest.raises(ValueError, match=match):
        env.params(**{field: value})


# -------------------------------------------------------------------------- 3. static fields
@pytest.mark.parametrize("field", ["jnt_type", "geom_type", "wrap_prm"])
def test_static_model_fields_are_rejected_up_front(load_env, field):
    """Case 3: fields MJX compiles into the program cannot be per-env params."""
    env = load_env("cartpole/swingup")
    with pytest.raises(ValueError, match=rf"'{field}' is a static field of mjx.Model"):
        env.params(**{field: getattr(env.physics.mj_model, field)})


def test_unknown_param_error_is_short_and_suggests(load_env):
    """Case 3: a typo gets close names, not a 4,000-character list."""
    env = load_env("cartpole/swingup")
    with pytest.raises(ValueError, match="did you mean 'body_mass'") as e:
        env.params(body_mas=1.0)
    assert len(str(e.value)) < 300


# -------------------------------------------------------------------------- 4. load arguments
@pytest.mark.parametrize(
    "args, kwargs, match",
    [
        ((1, 2), {}, "domain must be a string"),
        ((None,), {}, "domain must be a string"),
        (("cartpole", 3), {}, "task must be a string"),
        (("cartpole/swingup",), {"time_limit": 0}, "time_limit must be a positive number"),
        (("cartpole/swingup",), {"time_limit": -1.0}, "time_limit must be a positive number"),
        (("cartpole/swingup",), {"time_limit": "5"}, r"time_limit .* got '5' \(str\)"),
        (("cartpole/swingup",), {"control_timestep": float("nan")}, "control_timestep must be"),
        (("cartpole/swingup",), {"control_timestep": float("inf")}, "control_timestep must be"),
        (("cartpole/swingup",), {"impl": ["jax"]}, "unknown impl"),
    ],
)
def test_load_with_wrong_types_names_the_argument(args, kwargs, match):
    """Case 4."""
    with pytest.raises(ValueError, match=match):
        mjxcontrol.load(*args, **kwargs)


# -------------------------------------------------------------------------- 6. batch without vmap
def test_batched_state_without_vmap_says_use_vmap(load_env):
    """Case 6: a batched state in env.step (or a batch of keys in reset) names jax.vmap."""
    env = load_env("pendulum/swingup")
    keys = jax.random.split(jax.random.key(0), 4)
    state = jax.eval_shape(jax.vmap(env.reset), keys)
    with pytest.raises(ValueError, match=r"batched state .* jax.vmap\(env.step\)"):
        jax.eval_shape(env.step, state, jnp.zeros((4, 1)))
    with pytest.raises(ValueError, match=r"jax.vmap\(env.reset\)"):
        jax.eval_shape(env.reset, keys)


# -------------------------------------------------------------------------- 8. saving states
def test_state_round_trips_and_continues_bit_identically(tmp_path, hard):
    """Case 8: save_state / load_state, batched, with typed keys and zero-size arrays."""
    auto = mjxcontrol.AutoReset(hard)
    keys = jax.random.split(jax.random.key(3), 4)
    params = jax.vmap(lambda _: hard.params(body_mass=hard.physics.mj_model.body_mass))(keys)
    state = jax.jit(jax.vmap(hard.reset))(keys, params)
    step = jax.jit(auto.step)
    actions = jax.random.uniform(jax.random.key(4), (8, 4, 2), minval=-1, maxval=1)
    state = step(state, actions[0])
    path = tmp_path / "state.msgpack"
    mjxcontrol.save_state(path, state, hard)
    restored = mjxcontrol.load_state(path, hard)
    assert restored.data.act.size == 0  # a zero-size leaf made the trip
    a, b = state, restored
    for t in range(1, 8):
        a, b = step(a, actions[t]), step(b, actions[t])
    leaves_a, leaves_b = jax.tree.leaves(a), jax.tree.leaves(b)
    for x, y in zip(leaves_a, leaves_b, strict=True):
        if jnp.issubdtype(x.dtype, jax.dtypes.prng_key):
            x, y = jax.random.key_data(x), jax.random.key_data(y)
        np.testing.assert_array_equal(x, y)


def test_load_state_rejects_another_task(tmp_path, hard, load_env):
    """Case 8: a state file from another task is a clear error."""
    state = jax.jit(hard.reset)(jax.random.key(0))
    path = tmp_path / "s.msgpack"
    mjxcontrol.save_state(path, state, hard)
    with pytest.raises(checkpoint.CheckpointError, match="saved task='point_mass/hard'"):
        mjxcontrol.load_state(path, load_env("pendulum/swingup"))


# -------------------------------------------------------------------------- 9. determinism check
def test_determinism_check_sees_a_process_that_computes_differently(load_env):
    """Case 9: the check compares with another process, so it can fail: a child that computes in
    float64 (JAX_ENABLE_X64) reports another fingerprint, a plain child the same one."""
    env = load_env("pendulum/swingup")
    here = fingerprint.fingerprint(env)
    assert fingerprint.fingerprint_in_child(env.id, hash_seed="7") == here
    assert fingerprint.fingerprint_in_child(env.id, extra_env={"JAX_ENABLE_X64": "1"}) != here


# -------------------------------------------------------------------------- 10. no LAPACK hang
DOMAINS = sorted({info.domain for info in mjxcontrol.list_tasks()})


@pytest.mark.parametrize("domain", DOMAINS)
def test_compiled_physics_calls_no_lapack_kernel(domain, load_env):
    """Case 10: jaxlib 0.10's batched CPU LAPACK Cholesky can deadlock (mjxcontrol/linalg.py);
    neither reset nor step may contain it. Checked once per compiled model of the domain (tasks
    with identical models share one Physics and differ only in task code, which calls no linear
    algebra). (The hang itself needs 1,024 envs on 2 cores for minutes:
    benchmarks/lapack_hang.py runs it.)"""
    envs = {}
    for info in mjxcontrol.list_tasks():
        if info.domain == domain:
            env = load_env(info.id)
            envs.setdefault(dynamics_key(env.physics), env)
    for env in envs.values():
        # The programs the other checks compiled (env.reset and env.step are their
        # compositions): lowering them again reuses their traces instead of tracing MJX anew.
        fns, physics = compiled(env), physics_functions(env.physics, env.domain)
        state = reset_batch(env, 0)
        overrides = {**state.params, **state.episode_params}
        action = jnp.zeros((batch_size(env), env.action_size), jnp.float32)
        for name, lowered in (
            ("reset", fns["reset_start"].lower(batch_keys(0, batch_size(env)))),
            (
                "physics",
                physics["kernel"].lower(physics["inputs"], overrides, state.data, action, True, 0),
            ),
        ):
            text = lowered.as_text()
            assert "lapack" not in text, f"{env.id} {name} calls a LAPACK kernel"
