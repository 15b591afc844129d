"""Our procedurally built swimmer and LQR models compile to the same physics as dm_control's.

References come from dm_control itself: the model inside a freshly loaded suite environment for
the registered tasks (``swimmer6``, ``swimmer15``, ``lqr_2_1``, ``lqr_6_2``), and dm_control's own
model generator, compiled with its common assets, for sizes the suite does not register.
Host-side only: no JAX.
"""

from __future__ import annotations

import math

import mujoco
import numpy as np
import pytest
from dm_control import suite  # noqa: E402  (a test dependency: fail loudly if missing)
from dm_control.suite import lqr as dm_lqr
from dm_control.suite import swimmer as dm_swimmer

from mjxcontrol.tasks.models import lqr, swimmer
from mjxcontrol.testing.model_equivalence import (
    assert_models_equivalent,
    assert_views_equivalent,
    names,
)

# (links, registered dm_control task or None for dm_control's generator at that size).
SWIMMER_CASES = ((3, None), (6, "swimmer6"), (15, "swimmer15"))
SWIMMER_IDS = [f"swimmer-{n}" for n, _ in SWIMMER_CASES]
# (bodies, actuators, dm_control task, seed).
LQR_CASES = (
    (2, 1, "lqr_2_1", 0),
    (2, 1, "lqr_2_1", 7),
    (6, 2, "lqr_6_2", 0),
    (6, 2, "lqr_6_2", 42),
)
LQR_IDS = [f"{task}-seed{seed}" for _, _, task, seed in LQR_CASES]


def _swimmer_reference(n_links: int, task: str | None) -> mujoco.MjModel:
    if task is not None:
        return suite.load("swimmer", task).physics.model.ptr
    xml, assets = dm_swimmer.get_model_and_assets(n_links)
    return mujoco.MjModel.from_xml_string(xml, assets)


def _lqr_reference(task: str, seed: int) -> mujoco.MjModel:
    return suite.load("lqr", task, task_kwargs={"random": seed}).physics.model.ptr


def _assert_views_equal(ours: mujoco.MjModel, ref: mujoco.MjModel) -> None:
    for obj, count in ((mujoco.mjtObj.mjOBJ_CAMERA, "ncam"), (mujoco.mjtObj.mjOBJ_LIGHT, "nlight")):
        assert names(ours, obj, getattr(ours, count)) == names(ref, obj, getattr(ref, count))
    assert_views_equivalent(ours, ref)


# ------------------------------------------------------------------------------------ swimmer
@pytest.mark.parity
@pytest.mark.parametrize(("n_links", "task"), SWIMMER_CASES, ids=SWIMMER_IDS)
def test_swimmer_physics_matches_dm_control(n_links, task):
    assert_models_equivalent(swimmer.model(n_links).compile(), _swimmer_reference(n_links, task))


@pytest.mark.parity
@pytest.mark.parametrize(("n_links", "task"), SWIMMER_CASES, ids=SWIMMER_IDS)
def test_swimmer_cameras_and_lights_match_dm_control(n_links, task):
    _assert_views_equal(swimmer.model(n_links).compile(), _swimmer_reference(n_links, task))


def test_swimmer_four_links_is_a_hinge_chain():
    n_links = 4
    model = swimmer.model(n_links).compile()
    slide, hinge = mujoco.mjtJoint.mjJNT_SLIDE, mujoco.mjtJoint.mjJNT_HINGE
    assert model.jnt_type.tolist() == [slide, slide, hinge] + [hinge] * (n_links - 1)
    assert model.nq == model.nv == n_links + 2
    assert model.nu == n_links - 1
    assert model.nbody == n_links + 1  # the world body, the head and n_links - 1 segments
    limit = 2 * math.pi / n_links
    parent = model.body("head").id
    for k in range(n_links - 1):
        segment = model.body(f"segment_{k}")
        assert segment.parentid[0] == parent
        np.testing.assert_allclose(segment.pos, [0, swimmer.LINK_LENGTH, 0])
        joint = model.joint(f"joint_{k}")
        assert joint.bodyid[0] == segment.id
        assert joint.limited[0]
        np.testing.assert_allclose(joint.range, [-limit, limit])
        assert model.actuator(f"motor_{k}").trnid[0] == joint.id
        assert model.site(f"site_{k}").bodyid[0] == segment.id
        parent = segment.id
    # 12 numbers of positions and head axes, then a velocimeter and a gyro (6) for every link.
    assert model.nsensordata == 12 + 6 * n_links
    np.testing.assert_allclose(model.body_mass[1:], swimmer.INERTIAL_MASS)


def test_swimmer_four_links_swims_without_nans():
    model = swimmer.model(4).compile()
    data = mujoco.MjData(model)
    data.ctrl[:] = 1.0
    for _ in range(200):
        mujoco.mj_step(model, data)
    assert np.all(np.isfinite(data.qpos))
    assert np.abs(data.qpos[:3]).max() > 0  # the fluid pushed the head


@pytest.mark.parametrize("bad", [2, 0, -3, 6.0, True, "6", None])
def test_swimmer_rejects_bad_n_links(bad):
    with pytest.raises(ValueError, match="n_links"):
        swimmer.model(bad)


def test_swimmer_spec_is_the_model_spec():
    assert isinstance(swimmer.spec(5), mujoco.MjSpec)
    assert swimmer.spec(5).compile().nu == 4


# ---------------------------------------------------------------------------------------- lqr
@pytest.mark.parity
@pytest.mark.parametrize(("n_bodies", "n_actuators", "task", "seed"), LQR_CASES, ids=LQR_IDS)
def test_lqr_physics_matches_dm_control(n_bodies, n_actuators, task, seed):
    ours = lqr.model(n_bodies, n_actuators, np.random.RandomState(seed)).compile()
    assert_models_equivalent(ours, _lqr_reference(task, seed))


@pytest.mark.parity
@pytest.mark.parametrize(("n_bodies", "n_actuators", "task", "seed"), LQR_CASES, ids=LQR_IDS)
def test_lqr_cameras_and_lights_match_dm_control(n_bodies, n_actuators, task, seed):
    ours = lqr.model(n_bodies, n_actuators, seed).compile()
    _assert_views_equal(ours, _lqr_reference(task, seed))


@pytest.mark.parity
@pytest.mark.parametrize(("n_bodies", "n_actuators"), [(1, 1), (3, 3), (4, 1)])
def test_lqr_other_sizes_match_dm_control_generator(n_bodies, n_actuators):
    seed = 3
    xml = dm_lqr._make_model(n_bodies, n_actuators, np.random.RandomState(seed))
    ref = mujoco.MjModel.from_xml_string(xml, dm_lqr.common.ASSETS)
    assert_models_equivalent(lqr.model(n_bodies, n_actuators, seed).compile(), ref)


@pytest.mark.parity
def test_lqr_leaves_the_random_state_where_dm_control_does():
    """The task draws its initial states from the same RandomState after the model is built."""
    ours, theirs = np.random.RandomState(5), np.random.RandomState(5)
    lqr.model(6, 2, ours)
    dm_lqr._make_model(6, 2, theirs)
    np.testing.assert_array_equal(ours.randn(6), theirs.randn(6))


def test_lqr_draws_stiffness_in_range_and_no_damping():
    model = lqr.model(6, 2, 11).compile()
    assert np.all((model.jnt_stiffness >= 15) & (model.jnt_stiffness <= 25))
    np.testing.assert_array_equal(model.dof_damping, 0.0)
    assert model.nq == model.nv == 6 and model.nu == 2 and model.ntendon == 5


def test_lqr_explicit_arrays_equal_the_drawn_model():
    stiffness, damping = lqr.draw_joint_parameters(6, np.random.RandomState(9))
    drawn = lqr.model(6, 2, np.random.RandomState(9)).compile()
    given = lqr.model(6, 2, stiffness=stiffness, damping=damping).compile()
    assert_models_equivalent(given, drawn)


def test_lqr_same_seed_same_model():
    a, b = lqr.model(6, 2, 123).compile(), lqr.model(6, 2, 123).compile()
    np.testing.assert_array_equal(a.jnt_stiffness, b.jnt_stiffness)
    assert not np.array_equal(a.jnt_stiffness, lqr.model(6, 2, 124).compile().jnt_stiffness)


@pytest.mark.parametrize(
    ("args", "kwargs", "message"),
    [
        ((0, 1), {}, "n_bodies >= 1"),
        ((2, 0), {}, "n_actuators >= 1"),
        ((2.0, 1), {}, "n_bodies >= 1"),
        ((2, True), {}, "n_actuators >= 1"),
        ((2, 3), {}, "at most one actuator per body"),
        ((2, 1), {"stiffness": [20.0, 20.0]}, "both stiffness and damping"),
        ((2, 1), {"stiffness": [20.0], "damping": [0.0]}, "2 stiffness values"),
        ((2, 1, 0), {"stiffness": [20.0, 20.0], "damping": [0.0, 0.0]}, "not both"),
    ],
)
def test_lqr_rejects_bad_arguments(args, kwargs, message):
    with pytest.raises(ValueError, match=message):
        lqr.model(*args, **kwargs)
