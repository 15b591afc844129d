"""mjxcontrol.mjx_patches: the Newton step equals MJX's under both cones, and the swap is scoped."""

import jax
import jax.numpy as jnp
import mujoco
import numpy as np
import pytest
from mujoco.mjx._src import solver

from mjxcontrol import mjx_patches
from mjxcontrol._mjx import mjx

# Falling and resting bodies whose contacts use every cone dimension MJX supports (3, 4 and 6).
_SCENE = """
<mujoco>
  <option cone="elliptic" impratio="10"/>
  <worldbody>
    <geom type="plane" size="5 5 .1"/>
    <body pos="0 0 .095"><freejoint/><geom type="sphere" size=".1" condim="3"/></body>
    <body pos=".5 0 .098"><freejoint/><geom type="sphere" size=".1" condim="4"/></body>
    <body pos="1 0 .099"><freejoint/><geom type="capsule" size=".1 .2" euler="0 90 0"
      condim="6"/></body>
    <body pos="1.6 0 .098" euler="5 3 0"><freejoint/><geom type="box" size=".1 .1 .1"/></body>
  </worldbody>
</mujoco>
"""


def _newton_contexts(cone: str = "elliptic"):
    """MJX's solver context at a contact-rich state, built with MJX's gradient and with ours."""
    mj_model = mujoco.MjModel.from_xml_string(_SCENE.replace('cone="elliptic"', f'cone="{cone}"'))
    model = mjx.put_model(mj_model)
    rng = np.random.default_rng(0)
    data = mjx.make_data(model).replace(
        qvel=jnp.asarray(rng.normal(0, 0.5, mj_model.nv), jnp.float32)
    )

    @jax.jit
    def contexts(data):
        d = mjx.fwd_position(model, data)
        d = mjx.fwd_velocity(model, d)
        d = mjx.fwd_acceleration(model, mjx.fwd_actuation(model, d))
        ours = solver.Context.create(model, d)  # traced inside the block below
        return ours, d

    with mjx_patches.mjx_patches():
        ours, d = contexts(data)
    theirs = jax.jit(lambda d: solver.Context.create(model, d))(d)
    return ours, theirs, d


@pytest.mark.parametrize("outer_products", [True, False], ids=["outer_products", "dot"])
@pytest.mark.parametrize("cone", ["elliptic", "pyramidal"])
def test_newton_step_equals_mjx(cone, outer_products, monkeypatch):
    # either of diagonal_hessian's paths, whatever the scene's size (66 rows x 24 dofs: the
    # outer products 16 rows at a time)
    monkeypatch.setattr(mjx_patches, "OUTER_PRODUCT_MAX", 10**6 if outer_products else 0)
    ours, theirs, d = _newton_contexts(cone)
    dims = np.asarray(d._impl.contact.dim)
    assert set(dims) >= {3, 4, 6}, "the scene must exercise every cone dimension"
    active = np.asarray(d._impl.contact.dist) < 0
    assert active.sum() >= 4, "the scene must have touching contacts"
    scale = np.max(np.abs(np.asarray(theirs.Mgrad)))
    assert scale > 1e-3, "the Newton step must not be trivially zero"
    np.testing.assert_allclose(
        np.asarray(ours.Mgrad), np.asarray(theirs.Mgrad), rtol=1e-4, atol=1e-5 * scale
    )
    # the same formula in two compiled programs: equal to float32 rounding
    np.testing.assert_allclose(np.asarray(ours.grad), np.asarray(theirs.grad), rtol=1e-6, atol=1e-6)


def test_the_swap_is_undone_after_the_block():
    original = solver._update_gradient
    with mjx_patches.mjx_patches():
        assert solver._update_gradient is mjx_patches.update_gradient
        with mjx_patches.mjx_patches():  # re-entrant
            assert solver._update_gradient is mjx_patches.update_gradient
        assert solver._update_gradient is mjx_patches.update_gradient
    assert solver._update_gradient is original
    assert jax.scipy.linalg.cho_factor.__module__.startswith("jax")


@pytest.mark.parametrize("shape", [(1, 2), (30, 9), (33, 4), (48, 9), (300, 27)])
def test_diagonal_hessian_equals_the_dot(shape):
    """Each of diagonal_hessian's paths (one summed product up to SINGLE_PRODUCT_ROWS rows,
    ROW_CHUNK rows at a time beyond, with a short last chunk for 33 rows; a dot beyond
    OUTER_PRODUCT_MAX), batched as the solver runs them, against numpy in float64."""
    rng = np.random.default_rng(1)
    j = rng.normal(size=(16, *shape)).astype(np.float32)
    diagonal = rng.uniform(size=(16, shape[0])) * (rng.uniform(size=(16, shape[0])) > 0.3)
    diagonal = diagonal.astype(np.float32)
    ours = jax.jit(jax.vmap(mjx_patches.diagonal_hessian))(j, diagonal)
    expected = np.einsum("bki,bk,bkj->bij", j.astype(np.float64), diagonal, j.astype(np.float64))
    np.testing.assert_allclose(np.asarray(ours), expected, rtol=1e-5, atol=1e-5 * shape[0])
