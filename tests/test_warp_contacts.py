"""MJX-Warp's contact buffer: a batch that finds more contacts than it holds is flagged, not
silently simulated without them (docs/api.md, "Contacts that do not fit")."""

import dataclasses
from collections import OrderedDict

import jax
import jax.numpy as jnp
import mujoco
import numpy as np
import pytest

import mjxcontrol
from mjxcontrol import observables, warp_impl
from mjxcontrol.registry import env_from_task
from mjxcontrol.task import Task

# Balls resting on the floor: one contact each per env.
BALLS = 8


@dataclasses.dataclass(frozen=True)
class _BallsOnFloor(Task):
    """``BALLS`` free spheres touching a plane."""

    control_timestep: float | None = 0.01

    def model(self):
        bodies = "".join(
            f'<body pos="{i} 0 0.099"><freejoint/><geom type="sphere" size="0.1"/></body>'
            for i in range(BALLS)
        )
        return mujoco.MjModel.from_xml_string(
            '<mujoco><option timestep="0.01"/><worldbody><geom type="plane" size="20 20 .1"/>'
            f"{bodies}</worldbody></mujoco>"
        )

    def observe(self, physics, data, task_state):
        return OrderedDict(height=data.qpos[2::7])

    def reward(self, physics, data, task_state):
        return jnp.zeros(()), {}


# A batch whose contacts overflow a buffer sized for one env (the default) but fit one sized for it.
NUM_ENVS = 2 * warp_impl.CONTACTS_PER_ENV // BALLS


def _balls_env(num_envs=None):
    return env_from_task(
        _BallsOnFloor(), impl="warp", domain="balls", name="floor", num_envs=num_envs
    )


def _run(env, num_envs):
    """Reset and one step of ``num_envs`` envs. (Every env resets to the same state, so the reset's
    forward pass runs once, unbatched: only the step collides the whole batch.)"""
    keys = jax.random.split(jax.random.key(0), num_envs)
    state = jax.jit(jax.vmap(env.reset))(keys)
    after = jax.jit(jax.vmap(env.step))(state, jnp.zeros((num_envs, 0), jnp.float32))
    return state, after


def test_a_batch_whose_contacts_fit_is_not_flagged():
    state, after = _run(_balls_env(num_envs=NUM_ENVS), NUM_ENVS)
    assert not np.asarray(state.metrics["physics_error"]).any()
    assert not np.asarray(after.metrics["physics_error"]).any()
    assert not np.asarray(after.terminated).any()
    # the contacts were simulated: the balls rest on the floor instead of falling through it
    np.testing.assert_allclose(np.asarray(after.obs["height"]), 0.1, atol=0.01)


def test_a_batch_that_drops_contacts_is_flagged_as_a_physics_error():
    # the same batch on a physics compiled for the default num_envs (1): its buffer is too small
    state, after = _run(_balls_env(), NUM_ENVS)
    assert not np.asarray(state.metrics["physics_error"]).any()
    assert np.asarray(after.metrics["physics_error"]).all()
    assert np.asarray(after.terminated).all() and (np.asarray(after.discount) == 0).all()


@dataclasses.dataclass(frozen=True)
class _BallsWithFewRows(_BallsOnFloor):
    """The balls with room for 8 constraint rows per env (``Task.warp_buffers``)."""

    warp_buffers = (warp_impl.CONTACTS_PER_ENV, 8)


def test_constraint_rows_that_do_not_fit_are_flagged_as_a_physics_error():
    # 8 resting balls need 8 x 4 pyramidal rows per env: more than a row buffer of 8 holds
    env = env_from_task(_BallsWithFewRows(), impl="warp", domain="balls", name="rows", num_envs=3)
    assert env.physics.make_data()._impl.njmax == 8  # noqa: SLF001
    state, after = _run(env, 3)  # the balls touch the floor from the start
    assert np.asarray(state.metrics["physics_error"]).all()
    assert np.asarray(after.metrics["physics_error"]).all()


def test_solver_cap_warning_bits_are_mujoco_warps():
    from mujoco.mjx.third_party.mujoco_warp._src.types import OverflowType

    assert warp_impl.ITERATIONS_WARNING == OverflowType.ITERATIONS
    assert warp_impl.LS_ITERATIONS_WARNING == OverflowType.LS_ITERATIONS
    warn = _balls_env(num_envs=NUM_ENVS).physics.model.opt._impl.warn_overflow  # noqa: SLF001
    assert warn & OverflowType.NEFC and not warn & OverflowType.ITERATIONS


@pytest.mark.parametrize("bad", [0, -3, 2.0, "16", True])
def test_num_envs_must_be_a_positive_integer(bad):
    with pytest.raises(ValueError, match="num_envs must be a positive integer"):
        _balls_env(num_envs=bad)


def test_jax_impl_ignores_num_envs():
    """JAX-impl buffers are per env: every batch size shares one compiled physics."""
    assert mjxcontrol.load("pendulum/swingup", num_envs=512).physics is (
        mjxcontrol.load("pendulum/swingup").physics
    )


def test_batched_auto_reset_keeps_the_batch_shared_buffers():
    """AutoReset on a batched warp state (outside vmap) merges only per-env fields: MJX-Warp's
    contact buffer, shared by the batch, has no env axis to select along."""
    num_envs = 4
    env = env_from_task(
        _BallsOnFloor(time_limit=0.03), impl="warp", domain="balls", name="short", num_envs=num_envs
    )
    auto = mjxcontrol.AutoReset(env)
    state = jax.jit(auto.reset_batch)(jax.random.split(jax.random.key(0), num_envs))
    step = jax.jit(auto.step)
    truncated = []
    for _ in range(4):  # 3 steps per episode: the third ends it and resets every env
        state = step(state, jnp.zeros((num_envs, 0), jnp.float32))
        truncated.append(bool(np.asarray(state.truncated).all()))
    assert truncated == [False, False, True, False]
    np.testing.assert_array_equal(np.asarray(state.step), 1)
    assert state.data._impl.contact__dist.shape == (warp_impl.CONTACTS_PER_ENV * num_envs,)  # noqa: SLF001
    assert not np.asarray(state.metrics["physics_error"]).any()


def test_in_contact_on_warp_sees_touching_geoms_only():
    """MJX-Warp's contact test (a forward pass's contact rows) against the balls' known contacts:
    resting on the floor they touch, 1 cm above it they do not."""
    env = _balls_env(num_envs=2)
    physics = env.physics
    data = physics.make_data()
    touching = jax.jit(
        lambda q: observables.in_contact(physics, physics.model, data.replace(qpos=q))
    )
    resting = np.asarray(physics.mj_model.qpos0)
    lifted = resting.copy()
    lifted[2::7] += 0.01
    assert bool(touching(jnp.asarray(resting)))
    assert not bool(touching(jnp.asarray(lifted)))


def test_warp_redraws_refuse_draws_that_change_more_than_qpos():
    """On MJX-Warp the rejection loop carries qpos alone, so a draw that also changes another
    field is refused while tracing rather than silently losing it."""
    env = _balls_env(num_envs=2)
    physics = env.physics
    data = physics.make_data()

    def draw(key):
        return data.replace(qpos=data.qpos + 0.1 * jax.random.uniform(key, data.qpos.shape))

    def redraw(draw_fn):
        return lambda key: observables.redraw_while_in_contact(
            physics, physics.model, draw_fn, key, 3
        )

    jax.eval_shape(redraw(draw), jax.random.key(0))
    bad = lambda key: draw(key).replace(qvel=data.qvel + 1.0)  # noqa: E731
    with pytest.raises(
        NotImplementedError, match=r"change qpos only; this draw also changes \.qvel"
    ):
        jax.eval_shape(redraw(bad), jax.random.key(0))


def test_warp_redraw_loops_refuse_to_carry_the_whole_data():
    """A hand-written rejection loop over a whole MJX-Warp data is refused with the reason while
    tracing. (Before, it traced, and stepping its result failed with JAX's UnexpectedTracerError
    from inside MJX-Warp; with a contact test in the loop, MJX's "does not match naconmax".)"""
    env = _balls_env(num_envs=2)
    data = env.physics.make_data()

    def draw(key):
        return data.replace(qpos=data.qpos + jax.random.uniform(key, data.qpos.shape))

    def loop(key):
        return observables.redraw_while(draw, lambda d: d.qpos[0] > 0.5, key, 3)

    with pytest.raises(NotImplementedError, match="cannot carry an impl='warp' mjx.Data"):
        jax.eval_shape(jax.vmap(loop), jax.random.split(jax.random.key(0), 2))
    with pytest.raises(NotImplementedError, match="cannot carry an impl='warp' mjx.Data"):
        observables.redraw_while(
            lambda key, previous: previous, lambda d: d.qpos[0] > 0.5, jax.random.key(0), 3, data
        )
    qpos = observables.redraw_while(  # carrying qpos alone is what works
        lambda key: draw(key).qpos, lambda q: q[0] > 0.5, jax.random.key(0), 3
    )
    assert qpos.shape == data.qpos.shape


def test_fuse_reset_needs_the_jax_impl():
    with pytest.raises(ValueError, match="fuse_reset needs impl='jax'"):
        mjxcontrol.AutoReset(_balls_env(), fuse_reset=True)
