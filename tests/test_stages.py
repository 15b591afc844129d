"""The forward pass's stages (:mod:`mjxcontrol.stages`): traced once per model and shapes,
replayed where a program calls them again, and equal to ``mjx.forward``."""

import jax
import jax.numpy as jnp
import numpy as np

import mjxcontrol
from mjxcontrol import stages
from mjxcontrol._mjx import mjx
from mjxcontrol.mjx_patches import mjx_patches

BATCH = 4


def _counted():
    """``(stage, traces)``: a cheap stage under :func:`stages.traced_once` and the list its
    Python body appends to whenever it is traced."""
    traces = []

    def stage(m, d):
        traces.append(1)
        return d.replace(qvel=d.qvel * (1.0 - m.dof_damping), qacc=jnp.sin(d.qpos))

    return stages.traced_once(stage), traces


def test_a_stage_is_traced_once_per_model_and_traced_fields():
    env = mjxcontrol.load("cartpole/swingup")
    model = env.physics.model
    data = jax.vmap(env.reset)(jax.random.split(jax.random.key(0), BATCH)).data
    stage, traces = _counted()

    def three_times(d):
        return stage(model, stage(model, stage(model, d)))

    jaxpr = jax.make_jaxpr(jax.vmap(three_times))(data)
    assert len(traces) == 1  # recorded once, replayed twice
    assert "pjit" not in str(jaxpr)  # inlined: no call left in the caller's program

    def damped(damping, d):  # a per-env override: the traced field is an input of its own record
        return stage(model.replace(dof_damping=damping), d)

    damping = jnp.broadcast_to(model.dof_damping, (BATCH, *model.dof_damping.shape))
    jax.make_jaxpr(jax.vmap(damped))(damping, data)
    jax.make_jaxpr(jax.vmap(damped))(damping * 2.0, data)
    assert len(traces) == 2

    # the replayed program computes what a direct trace of the stage computes
    got = jax.jit(jax.vmap(three_times))(data)
    want = data
    for _ in range(3):
        want = want.replace(qvel=want.qvel * (1.0 - model.dof_damping), qacc=jnp.sin(want.qpos))
    np.testing.assert_array_equal(got.qvel, want.qvel)
    np.testing.assert_array_equal(got.qacc, want.qacc)


def test_forward_equals_mjx_forward():
    """Cartpole, moving and driven, its slider limit active for some envs: the two stages give
    ``mjx.forward``'s results (the same operations, so to the bit)."""
    env = mjxcontrol.load("cartpole/swingup")
    model = env.physics.model
    data = jax.vmap(env.reset)(jax.random.split(jax.random.key(0), BATCH)).data
    qpos = data.qpos.at[:, 0].set(jnp.linspace(-2.0, 2.0, BATCH))  # rails end at +-1.8 m
    qvel = 3.0 * jax.random.normal(jax.random.key(1), data.qvel.shape)
    ctrl = jax.random.uniform(jax.random.key(2), data.ctrl.shape, minval=-1.0, maxval=1.0)
    data = data.replace(qpos=qpos, qvel=qvel, ctrl=ctrl)

    def run(forward):
        def one(d):
            with mjx_patches():
                return forward(model, d)

        return jax.jit(jax.vmap(one))(data)

    ours, theirs = run(stages.forward), run(mjx.forward)
    assert np.any(np.asarray(theirs._impl.efc_force) != 0.0)  # the limit pushes some envs
    for field in ("xpos", "qacc", "qfrc_constraint", "actuator_force", "sensordata"):
        np.testing.assert_array_equal(getattr(ours, field), getattr(theirs, field), err_msg=field)
