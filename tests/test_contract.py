"""The environment contract (mjxcontrol.testing.contract) on every registered task."""

import dataclasses

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import mjxcontrol
from mjxcontrol.tasks.pendulum import SwingUp
from mjxcontrol.testing import contract

TASK_IDS = [info.id for info in mjxcontrol.list_tasks()]


@pytest.mark.parametrize("check", contract.CHECKS, ids=lambda c: c.__name__.removeprefix("check_"))
@pytest.mark.parametrize("task_id", TASK_IDS)
def test_contract(task_id, check, load_env):
    check(load_env(task_id))


@dataclasses.dataclass(frozen=True)
class _LeakyReward(SwingUp):
    """pendulum/swingup whose reward reads its batch neighbour's velocity (a host callback sees
    the whole batch)."""

    def reward(self, physics, data, task_state):
        reward, terms = super().reward(physics, data, task_state)
        neighbour = jax.pure_callback(
            lambda x: np.roll(x, 1).astype(x.dtype),
            jax.ShapeDtypeStruct((), jnp.float32),
            data.qvel[0],
            vmap_method="expand_dims",
        )
        return reward * (0.5 + 0.5 * jax.nn.sigmoid(neighbour)), terms


def test_batch_independence_check_sees_envs_that_interact(load_env):
    base = load_env("pendulum/swingup")
    leaky = mjxcontrol.Env(_LeakyReward(), base.physics, "pendulum", "leaky_reward")
    with pytest.raises(AssertionError, match="batch members interact"):
        contract.check_batch_independence(leaky)
