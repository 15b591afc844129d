"""Our MjSpec-authored cartpole, pendulum and acrobot compile to dm_control's physics."""

from __future__ import annotations

import mujoco
import numpy as np
import pytest
from dm_control import suite  # noqa: E402  (a test dependency: fail loudly if missing)

from mjxcontrol.tasks.models import acrobot, cartpole, pendulum
from mjxcontrol.testing.model_equivalence import assert_models_equivalent, names

# (test id, builder of our spec, dm_control domain, dm_control task whose model it must match).
CASES = (
    ("cartpole-1", lambda: cartpole.spec(), "cartpole", "swingup"),
    ("cartpole-1-balance", lambda: cartpole.spec(1), "cartpole", "balance"),
    ("cartpole-2", lambda: cartpole.spec(2), "cartpole", "two_poles"),
    ("cartpole-3", lambda: cartpole.spec(3), "cartpole", "three_poles"),
    ("pendulum", pendulum.spec, "pendulum", "swingup"),
    ("acrobot", acrobot.spec, "acrobot", "swingup"),
)
CASE_IDS = [case[0] for case in CASES]
CASE_ARGS = [case[1:] for case in CASES]

# Camera fields that pixel observations depend on.
CAMERA_FIELDS = ("cam_bodyid", "cam_mode", "cam_targetbodyid", "cam_pos", "cam_quat", "cam_fovy")


def _reference(domain: str, task: str) -> mujoco.MjModel:
    return suite.load(domain, task).physics.model.ptr


@pytest.mark.parity
@pytest.mark.parametrize(("build", "domain", "task"), CASE_ARGS, ids=CASE_IDS)
def test_physics_matches_dm_control(build, domain, task):
    assert_models_equivalent(build().compile(), _reference(domain, task))


@pytest.mark.parity
@pytest.mark.parametrize(("build", "domain", "task"), CASE_ARGS, ids=CASE_IDS)
def test_cameras_match_dm_control(build, domain, task):
    ours, ref = build().compile(), _reference(domain, task)
    obj = mujoco.mjtObj.mjOBJ_CAMERA
    assert names(ours, obj, ours.ncam) == names(ref, obj, ref.ncam)
    for field in CAMERA_FIELDS:
        np.testing.assert_allclose(
            getattr(ours, field), getattr(ref, field), atol=1e-8, err_msg=field
        )


def test_cartpole_four_poles_is_a_hinge_chain():
    num_poles = 4
    model = cartpole.spec(num_poles).compile()
    assert model.nq == model.nv == num_poles + 1
    assert model.nu == 1
    slide, hinge = mujoco.mjtJoint.mjJNT_SLIDE, mujoco.mjtJoint.mjJNT_HINGE
    assert model.jnt_type.tolist() == [slide] + [hinge] * num_poles
    cart = model.body("cart").id
    parent = cart
    for k in range(1, num_poles + 1):
        pole = model.body(f"pole_{k}")
        assert pole.parentid[0] == parent
        np.testing.assert_allclose(pole.pos, [0, 0, 0 if k == 1 else cartpole.POLE_LENGTH])
        assert model.joint(f"hinge_{k}").bodyid[0] == pole.id
        assert model.geom(f"pole_{k}").bodyid[0] == pole.id
        parent = pole.id
    np.testing.assert_allclose(model.body_mass[cart + 1 :], cartpole.POLE_MASS)
    np.testing.assert_allclose(model.geom("floor").pos[2], 1 - num_poles - 0.05)


def test_cartpole_four_poles_hangs_without_nans():
    model = cartpole.spec(4).compile()
    data = mujoco.MjData(model)
    data.qpos[1] = 0.1
    for _ in range(100):
        mujoco.mj_step(model, data)
    assert np.all(np.isfinite(data.qpos))


@pytest.mark.parametrize("bad", [0, -1, 1.5, True])
def test_cartpole_rejects_bad_num_poles(bad):
    with pytest.raises(ValueError, match="num_poles >= 1"):
        cartpole.spec(bad)
