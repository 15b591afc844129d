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
    original = solver._update_gradient, solver.solve
    ours = mjx_patches.update_gradient, mjx_patches.solve
    with mjx_patches.mjx_patches():
        assert (solver._update_gradient, solver.solve) == ours
        with mjx_patches.mjx_patches():  # re-entrant
            assert (solver._update_gradient, solver.solve) == ours
        assert (solver._update_gradient, solver.solve) == ours
    assert (solver._update_gradient, solver.solve) == original
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


# (lhs shape, rhs shape, dimension numbers, lhs batch axis, rhs batch axis): a matrix times a
# vector, matrix times matrix, a product with its own batch axis, an unbatched operand, batch
# axes not first, several contracted axes, and one past SMALL_DOT_MAX (kept a dot).
_DOTS = [
    ((3, 3), (3,), (((1,), (0,)), ((), ())), 0, 0),
    ((4, 3), (3, 5), (((1,), (0,)), ((), ())), 0, 0),
    ((2, 4, 3), (2, 3, 5), (((2,), (1,)), ((0,), (0,))), 0, 0),
    ((6, 9), (9,), (((1,), (0,)), ((), ())), None, 0),
    ((3, 4), (3,), (((0,), (0,)), ((), ())), 1, None),
    ((2, 3, 4), (3, 2, 5), (((0, 1), (1, 0)), ((), ())), 2, 1),
    ((5, 33), (33,), (((1,), (0,)), ((), ())), 0, 0),
]


@pytest.mark.parametrize("lhs_shape, rhs_shape, dims, lhs_axis, rhs_axis", _DOTS)
def test_small_products_under_vmap_equal_the_dot(lhs_shape, rhs_shape, dims, lhs_axis, rhs_axis):
    """Under mjx_patches, vmap turns a product of at most SMALL_DOT_MAX terms into a multiply
    and a sum (no dot_general left in the program) whose values are the dot's; past the bound
    and outside the block the product stays a dot."""
    rng = np.random.default_rng(1)
    envs = 7

    def operand(shape, axis):
        full = shape if axis is None else shape[:axis] + (envs,) + shape[axis:]
        return jnp.asarray(rng.normal(size=full), jnp.float32)

    lhs, rhs = operand(lhs_shape, lhs_axis), operand(rhs_shape, rhs_axis)

    def product():  # a new function per trace: make_jaxpr caches traces by function
        return jax.vmap(lambda a, b: jax.lax.dot_general(a, b, dims), in_axes=(lhs_axis, rhs_axis))

    plain = jax.make_jaxpr(product())(lhs, rhs)
    with mjx_patches.mjx_patches():
        patched = jax.make_jaxpr(product())(lhs, rhs)
    assert "dot_general" in str(plain)
    terms = np.prod([lhs_shape[i] for i in dims[0][0]])
    assert ("dot_general" in str(patched)) == (terms > mjx_patches.SMALL_DOT_MAX)
    expected = jax.core.eval_jaxpr(plain.jaxpr, plain.consts, lhs, rhs)[0]
    got = jax.core.eval_jaxpr(patched.jaxpr, patched.consts, lhs, rhs)[0]
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)
    # and after the block, JAX's own rule again
    assert "dot_general" in str(jax.make_jaxpr(product())(lhs, rhs))
