"""MJX-Warp's contact buffer: a batch that finds more contacts than it holds is flagged, not
silently simulated without them (docs/api.md, "Contacts that do not fit")."""

import dataclasses
from collections import OrderedDict

import jax
import jax.numpy as jnp
import mujoco
import numpy as np
import pytest

from mjxcontrol import physics as physics_lib
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


@pytest.fixture(scope="module")
def balls_env():
    return env_from_task(_BallsOnFloor(), impl="warp", domain="balls", name="floor")


def _run(env, num_envs):
    """Reset and one step of ``num_envs`` envs. (Every env resets to the same state, so the reset's
    forward pass runs once, unbatched: only the step collides the whole batch.)"""
    keys = jax.random.split(jax.random.key(0), num_envs)
    state = jax.jit(jax.vmap(env.reset))(keys)
    after = jax.jit(jax.vmap(env.step))(state, jnp.zeros((num_envs, 0), jnp.float32))
    return state, after


def test_a_batch_whose_contacts_fit_is_not_flagged(balls_env):
    num_envs = physics_lib.WARP_NACONMAX // BALLS // 2
    state, after = _run(balls_env, num_envs)
    assert not np.asarray(state.metrics["physics_error"]).any()
    assert not np.asarray(after.metrics["physics_error"]).any()
    assert not np.asarray(after.terminated).any()
    # the contacts were simulated: the balls rest on the floor instead of falling through it
    np.testing.assert_allclose(np.asarray(after.obs["height"]), 0.1, atol=0.01)


def test_a_batch_that_drops_contacts_is_flagged_as_a_physics_error(balls_env):
    num_envs = 2 * physics_lib.WARP_NACONMAX // BALLS
    state, after = _run(balls_env, num_envs)
    assert not np.asarray(state.metrics["physics_error"]).any()
    assert np.asarray(after.metrics["physics_error"]).all()
    assert np.asarray(after.terminated).all() and (np.asarray(after.discount) == 0).all()
