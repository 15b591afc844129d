"""mjx_patches.single_row_solve and two_row_solve: one or two constraint rows solved in closed form
equal MJX's solver run to convergence, for each kind of row they take; other problems keep MJX's
solver."""

import functools

import jax
import jax.numpy as jnp
import mujoco
import numpy as np
import pytest
from mujoco.mjx._src import solver

from mjxcontrol import mjx_patches, stages
from mjxcontrol._mjx import mjx

BATCH = 64

# Three one-row problems (our own models): a slider's limit, an equality coupling two hinges (a
# row that is always active) and a frictionless contact (condim 1).
_LIMIT = """
<mujoco>
  <worldbody>
    <body><joint name="slide" type="slide" axis="1 0 0" limited="true" range="-1 1"/>
      <geom type="box" size=".2 .1 .1" mass="1" contype="0" conaffinity="0"/>
      <body><joint type="hinge" axis="0 1 0" damping=".05"/>
        <geom type="capsule" fromto="0 0 0 0 0 1" size=".05" mass=".1" contype="0"
          conaffinity="0"/></body></body>
  </worldbody>
  <actuator><motor joint="slide" gear="10"/></actuator>
</mujoco>
"""
_EQUALITY = """
<mujoco>
  <worldbody>
    <body><joint name="a" type="hinge" axis="0 1 0"/>
      <geom type="capsule" fromto="0 0 0 1 0 0" size=".05" contype="0" conaffinity="0"/></body>
    <body pos="0 1 0"><joint name="b" type="hinge" axis="0 1 0"/>
      <geom type="capsule" fromto="0 0 0 .5 0 0" size=".05" contype="0" conaffinity="0"/></body>
  </worldbody>
  <equality><joint joint1="a" joint2="b" polycoef="0 2 0 0 0"/></equality>
</mujoco>
"""
_CONTACT = """
<mujoco>
  <worldbody>
    <geom type="plane" size="2 2 .1" condim="1"/>
    <body pos="0 0 .1"><joint type="slide" axis="0 0 1"/>
      <geom type="sphere" size=".1" condim="1"/></body>
  </worldbody>
</mujoco>
"""
# Two rows: both joints limited; an equality and a limit.
_TWO_LIMITS = _LIMIT.replace(
    'axis="0 1 0" damping', 'axis="0 1 0" limited="true" range="-1 1" damping'
)
_EQUALITY_LIMIT = _EQUALITY.replace('name="a" type="hinge"', 'name="a" type="hinge" range="-.5 .5"')
# Each model's random states: (joint, low, high) for the positions that make the rows bind.
_CASES = {
    "limit": (_LIMIT, [(0, -1.1, 1.1)]),
    "equality": (_EQUALITY, [(0, -1.0, 1.0), (1, -1.0, 1.0)]),
    "contact": (_CONTACT, [(0, -0.03, 0.02)]),
}
_TWO_ROW_CASES = {
    "two_limits": (_TWO_LIMITS, [(0, -1.4, 1.4), (1, -1.4, 1.4)]),
    "equality_and_limit": (_EQUALITY_LIMIT, [(0, -0.8, 0.8), (1, -1.0, 1.0)]),
}


def _problem(xml, ranges):
    """``(model, data)``: a batch of ``BATCH`` random states at the solver's input (the
    position, velocity, actuation and acceleration stages done)."""
    model = mjx.put_model(mujoco.MjModel.from_xml_string(xml))
    keys = jax.random.split(jax.random.key(0), 3)
    data = jax.vmap(lambda _: mjx.make_data(model))(jnp.arange(BATCH))
    qpos = data.qpos
    for (joint, low, high), key in zip(ranges, jax.random.split(keys[0], len(ranges)), strict=True):
        qpos = qpos.at[:, joint].set(jax.random.uniform(key, (BATCH,), minval=low, maxval=high))
    qvel = 2.0 * jax.random.normal(keys[1], data.qvel.shape)
    ctrl = jax.random.uniform(keys[2], data.ctrl.shape, minval=-1.0, maxval=1.0)

    def solver_input(d):
        with mjx_patches.mjx_patches():
            d = stages.position_velocity_stage(model, d)
            return mjx.fwd_acceleration(model, mjx.fwd_actuation(model, d))

    return model, jax.jit(jax.vmap(solver_input))(data.replace(qpos=qpos, qvel=qvel, ctrl=ctrl))


def _solved(model, data, solve):
    def one(d):
        with mjx_patches.mjx_patches():
            return solve(model, d)

    return jax.jit(jax.vmap(one))(data)


def _check_equals_converged(model, data, closed_form):
    """``closed_form``'s results equal MJX's solver run to convergence; returns which rows bind
    (``(BATCH, rows)`` bool, from the converged forces)."""
    converged = model.replace(opt=model.opt.replace(iterations=100, ls_iterations=50))
    want = _solved(converged, data, mjx_patches._MJX_SOLVE)
    got = _solved(model, data, closed_form)
    for name, ours, theirs in [
        ("qacc", got.qacc, want.qacc),
        ("qfrc_constraint", got.qfrc_constraint, want.qfrc_constraint),
        ("efc_force", got._impl.efc_force, want._impl.efc_force),
    ]:
        scale = max(1.0, float(np.max(np.abs(theirs))))
        np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-5 * scale, err_msg=name)
    return np.abs(np.asarray(want._impl.efc_force)) > 1e-6


@pytest.mark.parametrize("case", sorted(_CASES))
def test_single_row_solve_equals_converged_solver(case):
    model, data = _problem(*_CASES[case])
    assert data._impl.efc_J.shape[1:] == (1, model.nv)  # one row per env
    active = _check_equals_converged(model, data, mjx_patches.single_row_solve)[:, 0]
    if case == "equality":
        assert active.mean() > 0.9  # an equality row is always active
    else:
        assert 0 < active.sum() < BATCH  # both branches: some rows bind, some do not


@pytest.mark.parametrize("case", sorted(_TWO_ROW_CASES))
def test_two_row_solve_equals_converged_solver(case):
    model, data = _problem(*_TWO_ROW_CASES[case])
    assert data._impl.efc_J.shape[1:] == (2, model.nv)
    active = _check_equals_converged(model, data, mjx_patches.two_row_solve)
    patterns = {tuple(row) for row in active.tolist()}
    if case == "two_limits":  # every active set: neither row, either one, both
        assert patterns == {(False, False), (True, False), (False, True), (True, True)}
    else:  # the equality row always binds, the limit sometimes
        assert patterns == {(True, False), (True, True)}


def test_other_problems_keep_mjx_solver(monkeypatch):
    """A friction-loss row, three rows, or no iterations allowed: MJX's solver, not the closed
    form; one or two rows of another kind: the closed form, also inside ``mjx.forward``."""
    friction = _LIMIT.replace('damping=".05"', 'frictionloss=".3"')
    three_rows = _TWO_LIMITS.replace('type="slide" axis', 'type="slide" damping=".1" axis').replace(
        "</worldbody>",
        '<body pos="0 2 0"><joint type="hinge" range="-1 1"/><geom size=".1" contype="0"'
        ' conaffinity="0"/></body></worldbody>',
    )
    calls = []
    for name in ("single_row_solve", "two_row_solve"):
        monkeypatch.setattr(mjx_patches, name, lambda m, d, name=name: calls.append(name) or d)
    cases = [
        (friction, []),
        (three_rows, []),
        (_LIMIT, ["single_row_solve"]),
        (_TWO_LIMITS, ["two_row_solve"]),
    ]
    for xml, expect in cases:
        model, data = _problem(xml, [(0, -1.1, 1.1)])
        calls.clear()
        jax.eval_shape(jax.vmap(functools.partial(_forward, model)), data)
        assert calls == expect, xml
    model, data = _problem(_LIMIT, [(0, -1.1, 1.1)])
    none = model.replace(opt=model.opt.replace(iterations=0))
    calls.clear()
    jax.eval_shape(jax.vmap(functools.partial(_forward, none)), data)
    assert not calls


def _forward(model, d):
    with mjx_patches.mjx_patches():
        assert solver.solve is mjx_patches.solve
        return mjx.forward(model, d)
