"""Our procedurally built manipulator and stacker compile to dm_control's physics."""

from __future__ import annotations

import functools

import mujoco
import numpy as np
import pytest
from dm_control.suite import manipulator as dm_manipulator
from dm_control.suite import stacker as dm_stacker

from mjxcontrol.tasks.models import _arm, manipulator, stacker
from mjxcontrol.testing.model_equivalence import assert_models_equivalent, names

# (test id, builder of our model, builder of dm_control's (xml, assets)).
CASES = (
    (
        "bring_ball",
        lambda: manipulator.model(False, False),
        lambda: dm_manipulator.make_model(False, False),
    ),
    (
        "bring_peg",
        lambda: manipulator.model(True, False),
        lambda: dm_manipulator.make_model(True, False),
    ),
    (
        "insert_ball",
        lambda: manipulator.model(False, True),
        lambda: dm_manipulator.make_model(False, True),
    ),
    (
        "insert_peg",
        lambda: manipulator.model(True, True),
        lambda: dm_manipulator.make_model(True, True),
    ),
    ("stack_2", lambda: stacker.model(2), lambda: dm_stacker.make_model(2)),
    ("stack_4", lambda: stacker.model(4), lambda: dm_stacker.make_model(4)),
)
CASE_IDS = [case[0] for case in CASES]
BUILDERS = {case[0]: case[1:] for case in CASES}

# Camera fields that pixel observations depend on.
CAMERA_FIELDS = ("cam_bodyid", "cam_mode", "cam_targetbodyid", "cam_pos", "cam_quat", "cam_fovy")
# Rendering-only fields: lights, materials and textures.
LOOK_FIELDS = (
    "light_type",
    "light_pos",
    "light_dir",
    "light_diffuse",
    "light_specular",
    "mat_rgba",
    "mat_texuniform",
    "mat_texrepeat",
    "mat_texid",
    "mat_reflectance",
    "tex_type",
    "tex_width",
    "tex_height",
    "geom_matid",
    "site_matid",
    "site_group",
    "geom_group",
)


@functools.cache
def _models(case: str) -> tuple[mujoco.MjModel, mujoco.MjModel]:
    """(ours, dm_control's) compiled models of one task variant."""
    ours, reference = BUILDERS[case]
    xml, assets = reference()
    return ours().compile(), mujoco.MjModel.from_xml_string(xml, assets)


@pytest.mark.parity
@pytest.mark.parametrize("case", CASE_IDS)
def test_physics_matches_dm_control(case):
    assert_models_equivalent(*_models(case))


@pytest.mark.parity
@pytest.mark.parametrize("case", CASE_IDS)
def test_cameras_match_dm_control(case):
    ours, ref = _models(case)
    obj = mujoco.mjtObj.mjOBJ_CAMERA
    assert names(ours, obj, ours.ncam) == names(ref, obj, ref.ncam) == ["fixed", "hand"]
    for field in CAMERA_FIELDS:
        np.testing.assert_allclose(
            getattr(ours, field), getattr(ref, field), atol=1e-8, err_msg=field
        )


@pytest.mark.parity
@pytest.mark.parametrize("case", ["bring_ball", "stack_2"])
def test_look_matches_dm_control(case):
    ours, ref = _models(case)
    kinds = (
        (mujoco.mjtObj.mjOBJ_MATERIAL, "nmat"),
        (mujoco.mjtObj.mjOBJ_TEXTURE, "ntex"),
        (mujoco.mjtObj.mjOBJ_LIGHT, "nlight"),
    )
    for obj, count in kinds:
        assert names(ours, obj, getattr(ours, count)) == names(ref, obj, getattr(ref, count))
    for field in LOOK_FIELDS:
        np.testing.assert_allclose(
            getattr(ours, field), getattr(ref, field), atol=1e-8, err_msg=field
        )
    assert ours.vis.map.shadowclip == ref.vis.map.shadowclip
    np.testing.assert_array_equal(ours.tex_data, ref.tex_data)


def test_variants_keep_only_their_props():
    expected = {
        (False, False): {"ball", "target_ball"},
        (True, False): {"peg", "pommel", "target_peg"},
        (False, True): {"ball", "cup", "target_ball"},
        (True, True): {"peg", "pommel", "slot", "target_peg"},
    }
    arm = {
        "world",
        "upper_arm",
        "middle_arm",
        "lower_arm",
        "hand",
        "pinch site",
        "thumb",
        "thumbtip",
        "finger",
        "fingertip",
    }
    for (use_peg, insert), props in expected.items():
        bodies = set(manipulator.model(use_peg, insert).names("body"))
        assert bodies == arm | props, (use_peg, insert)


def test_stacker_contacts_are_softer_than_manipulators():
    # The one physical difference between the two arms (dm_control's geom default solref).
    soft, stiff = stacker.model(1).compile(), manipulator.model(False, False).compile()
    np.testing.assert_allclose(soft.geom_solref, np.tile(stacker.GEOM_SOLREF, (soft.ngeom, 1)))
    np.testing.assert_allclose(
        stiff.geom_solref, np.tile(manipulator.GEOM_SOLREF, (stiff.ngeom, 1))
    )
    for body in ("upper_arm", "hand", "thumbtip"):  # the same arm otherwise
        assert soft.body(body).mass[0] == pytest.approx(stiff.body(body).mass[0])


def test_stacker_boxes_follow_the_pattern():
    model = stacker.model(3).compile()
    assert [model.body(f"box{k}").name for k in range(3)] == ["box0", "box1", "box2"]
    for k in range(3):
        np.testing.assert_allclose(model.body(f"box{k}").pos, stacker.box_start(k))
        # The slides' qpos are the world coordinates of the box.
        assert model.qpos0[model.joint(f"box{k}_x").qposadr[0]] == pytest.approx(0.5 - 0.1 * k)
        assert model.qpos0[model.joint(f"box{k}_z").qposadr[0]] == pytest.approx(0.4)


def test_arm_links_follow_the_table():
    model = stacker.model(2).compile()
    for body, joint, damping, limit, radius, _ in _arm.LINKS:
        assert model.joint(joint).bodyid[0] == model.body(body).id
        assert model.dof_damping[model.joint(joint).dofadr[0]] == pytest.approx(damping)
        assert bool(model.jnt_limited[model.joint(joint).id]) == (limit is not None)
        assert model.geom(body).size[0] == pytest.approx(radius)


@pytest.mark.parametrize(("flags", "bad"), [(("yes", False), "use_peg"), ((True, 1), "insert")])
def test_manipulator_rejects_non_bool_flags(flags, bad):
    with pytest.raises(ValueError, match=bad):
        manipulator.model(*flags)


@pytest.mark.parametrize("bad", [0, 5, -1, 2.0, True, "2"])
def test_stacker_rejects_bad_box_counts(bad):
    with pytest.raises(ValueError, match="n_boxes in 1..4"):
        stacker.model(bad)
