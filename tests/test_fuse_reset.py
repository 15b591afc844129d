"""``AutoReset(env, fuse_reset=True)``: the step's and the resets' physics in one loop give what
the composed step gives (``env.step`` of every env, then ``env.reset`` of the finished ones):
the same episodes, flags and keys, and states equal to float rounding, also one step later."""

import chex
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import mjxcontrol
from mjxcontrol import mjx_patches, train, wrappers
from mjxcontrol.agents import ppo

NUM_ENVS = 4


def _batch(env, action_scale=1.0):
    """A batch whose even envs end their episode at the next step (the time limit); env 1 gets a
    NaN action, which ends its episode too (truncated)."""
    keys = jax.random.split(jax.random.key(0), NUM_ENVS)
    state = jax.jit(jax.vmap(env.reset))(keys)
    last = jnp.where(jnp.arange(NUM_ENVS) % 2 == 0, env.step_limit - 1, 3).astype(jnp.int32)
    shape = (NUM_ENVS, env.action_size)
    action = jax.random.uniform(jax.random.key(1), shape, minval=-1, maxval=1) * action_scale
    return state.replace(step=last), action.at[1, 0].set(jnp.nan)


def _contacts_in_order(state):
    """``state`` with each env's MJX contacts sorted by geom pair, then position: which slot
    holds which contact follows a sort by distance, and the feet of a resting quadruped are
    at distances equal to rounding, so the two programs may fill the slots in either order."""
    contact = state.data._impl.contact
    if contact.geom1.ndim != 2 or not contact.geom1.shape[1]:
        return state
    pos = np.round(np.asarray(contact.pos), 4)
    keys = (
        pos[..., 2],
        pos[..., 1],
        pos[..., 0],
        np.asarray(contact.geom2),
        np.asarray(contact.geom1),
    )
    order = np.stack([np.lexsort([k[i] for k in keys]) for i in range(contact.geom1.shape[0])])

    def sort(leaf):
        leaf = np.asarray(leaf)
        return np.take_along_axis(leaf, order.reshape(order.shape + (1,) * (leaf.ndim - 2)), 1)

    contact = jax.tree.map(lambda x: sort(x) if x.shape[:2] == order.shape else x, contact)
    return state.replace(data=state.data.tree_replace({"_impl.contact": contact}))


def _assert_close(got, expected):
    chex.assert_trees_all_equal_structs(got, expected)
    got, expected = _contacts_in_order(got), _contacts_in_order(expected)
    for a, b in zip(jax.tree.leaves(got), jax.tree.leaves(expected), strict=True):
        if jnp.issubdtype(a.dtype, jax.dtypes.prng_key):
            np.testing.assert_array_equal(jax.random.key_data(a), jax.random.key_data(b))
        elif a.dtype.kind in "biu":
            np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
        else:  # float32 rounding, relative to the array's own scale (contact forces, gravity)
            scale = max(1.0, float(np.max(np.abs(b)))) if b.size else 1.0
            np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-4, atol=1e-5 * scale)


@pytest.mark.parametrize("task", ["pendulum/swingup", "cheetah/run", "quadruped/walk"])
def test_fused_step_equals_the_composed_step(load_env, task, monkeypatch):
    """pendulum: a forward-pass reset; cheetah: a reset that settles for 200 physics steps, from
    the kinematics of qpos0 (Task.settle_steps), over contacts; quadruped: 22 dofs resting on
    four feet, whose contact solve rounds differently in the two programs (up to 2e-5 on
    accelerations of 1e-5, next to gravity's 9.81)."""
    # MJX's small products as dots, which round alike in both programs: as fused multiply + sums
    # (mjx_patches) they round as each program fuses them, and cheetah's contacts amplify that
    # (velocities 1e-4 to 1e-2 apart after the settle and one step, session 33).
    monkeypatch.setattr(mjx_patches, "SMALL_DOT_MAX", 0)
    env = load_env(task)
    composed = mjxcontrol.AutoReset(env, fuse_reset=False)
    fused = mjxcontrol.AutoReset(env, fuse_reset=True)
    state, action = _batch(env)
    expected = jax.jit(composed.step)(state, action)
    got = jax.jit(fused.step)(state, action)
    np.testing.assert_array_equal(np.asarray(expected.step), [0, 0, 0, 4])  # three new episodes
    np.testing.assert_array_equal(np.asarray(got.truncated), [True, True, True, False])
    _assert_close(got, expected)
    # one step on: the warm start and every other part of the new episodes carry on alike
    action = jnp.nan_to_num(action)
    _assert_close(jax.jit(fused.step)(got, action), jax.jit(composed.step)(expected, action))


def test_fused_step_without_finished_envs_is_the_step(load_env):
    env = load_env("pendulum/swingup")
    keys = jax.random.split(jax.random.key(2), NUM_ENVS)
    state = jax.jit(jax.vmap(env.reset))(keys)
    action = jnp.full((NUM_ENVS, env.action_size), 0.5)
    got = jax.jit(mjxcontrol.AutoReset(env, fuse_reset=True).step)(state, action)
    expected = jax.jit(jax.vmap(env.step))(state, action)
    assert not np.asarray(got.done).any()
    _assert_close(got.replace(final_obs=got.obs), expected.replace(final_obs=expected.obs))


def test_fused_step_checks_the_action_at_trace_time(load_env):
    env = load_env("pendulum/swingup")
    state, _ = _batch(env)
    step = mjxcontrol.AutoReset(env, fuse_reset=True).step
    with pytest.raises(ValueError, match="action"):
        jax.jit(step)(state, jnp.zeros((NUM_ENVS, env.action_size + 1)))


def test_ppo_trains_alike_with_fuse_reset():
    """The trainer's option: a PPO chunk over episodes of 5 steps (every env resets 6 times per
    iteration) gives the same policy with and without it, to float rounding."""
    env = mjxcontrol.load("pendulum", "swingup", time_limit=0.1)
    config = train.make_config(
        "pendulum/swingup", "ppo", num_envs=8, unroll_length=16, num_minibatches=2, num_epochs=1
    )
    init = jax.jit(lambda k: ppo.init_state(env, config, k))(jax.random.key(0))
    results = [
        jax.jit(train.make_chunk(env, "ppo", config, iterations=2, fuse_reset=fuse))(init)
        for fuse in (False, True)
    ]
    (plain, plain_metrics), (fused, fused_metrics) = results
    chex.assert_trees_all_close(fused.params, plain.params, rtol=1e-4, atol=1e-5)
    chex.assert_trees_all_close(fused_metrics, plain_metrics, rtol=1e-4, atol=1e-5)
    np.testing.assert_array_equal(
        np.asarray(fused.env_state.step), np.asarray(plain.env_state.step)
    )


def test_the_default_fuses_the_listed_domains_on_the_jax_impl(load_env):
    """``AutoReset(env)`` fuses where :data:`wrappers.FUSED_RESET_DOMAINS` lists the domain,
    and never on MJX-Warp, where fusing is an error only when asked for."""
    for task in ("cheetah/run", "pendulum/swingup"):
        env = load_env(task)
        assert mjxcontrol.AutoReset(env).fuse_reset == (env.domain in wrappers.FUSED_RESET_DOMAINS)
        assert mjxcontrol.AutoReset(env, fuse_reset=False).fuse_reset is False
    assert "cheetah" in wrappers.FUSED_RESET_DOMAINS
    assert "pendulum" not in wrappers.FUSED_RESET_DOMAINS
    warp = mjxcontrol.load("cheetah", "run", impl="warp")
    assert mjxcontrol.AutoReset(warp).fuse_reset is False
