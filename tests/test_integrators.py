"""Our RK4 (:mod:`mjxcontrol.integrators`) against MJX's: the same step, one forward pass."""

import functools
import re

import jax
import numpy as np
import pytest

import mjxcontrol
from mjxcontrol import integrators
from mjxcontrol._mjx import mjx
from mjxcontrol.mjx_patches import mjx_patches

BATCH = 8


@functools.cache
def _programs(task):
    """``(data, ours, mjx's)``: moving, driven states (a batch of ``BATCH``) and the two RK4
    steps compiled for them."""
    env = mjxcontrol.load(task)
    model = env.physics.model
    data = jax.vmap(env.reset)(jax.random.split(jax.random.key(0), BATCH)).data
    qvel = 3.0 * jax.random.normal(jax.random.key(1), data.qvel.shape)
    ctrl = jax.random.uniform(jax.random.key(2), data.ctrl.shape, minval=-1.0, maxval=1.0)
    data = jax.jit(jax.vmap(lambda d: env.physics.forward(model, d)))(
        data.replace(qvel=qvel, ctrl=ctrl)
    )

    def compiled(rk4):
        def step(d):
            with mjx_patches():
                return rk4(model, d)

        return jax.jit(jax.vmap(step)).lower(data).compile()

    return data, compiled(integrators.rungekutta4), compiled(mjx.rungekutta4)


@pytest.mark.parametrize("task", ["cartpole/swingup", "acrobot/swingup"])
def test_rk4_equals_mjx(task):
    data, ours, theirs = _programs(task)
    got, want = ours(data), theirs(data)
    assert not np.allclose(got.qpos, data.qpos)  # the step moved the state
    for field in ("qpos", "qvel", "act", "time", "qacc", "qacc_warmstart", "qfrc_constraint"):
        np.testing.assert_allclose(
            getattr(got, field), getattr(want, field), rtol=1e-5, atol=1e-5, err_msg=field
        )


def test_rk4_compiles_one_forward_pass():
    """MJX's scan unrolls its three forward passes, each with the constraint solver's while
    loops; ours keeps one pass in a rolled loop: that loop plus one pass's loops, and a third of
    the solver's code. (Cartpole: its slider limit gives the solver a row.)"""
    _, ours, theirs = _programs("cartpole/swingup")
    texts = [c.as_text() or "" for c in (ours, theirs)]
    loops = [text.count(" while(") for text in texts]
    solver_ops = [len(re.findall(r'op_name="[^"]*/solve', text)) for text in texts]
    assert loops[1] > 0 and loops[1] == 3 * (loops[0] - 1), loops
    assert solver_ops[0] < 0.5 * solver_ops[1], solver_ops
