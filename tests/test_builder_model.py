"""mjcf_builder.Model: element creation, conversions, find, namescoped attach/detach, errors."""

from __future__ import annotations

import mujoco
import numpy as np
import pytest

import mjcf_builder
from mjcf_builder import (
    AttributeTypeError,
    DuplicateNameError,
    MissingAssetError,
    MjcfError,
    Model,
    NotFoundError,
    UnknownAttributeError,
    UnknownElementError,
)

ARM_LENGTH = 0.5
ARM_RADIUS = 0.04


def arm() -> Model:
    """A one-link arm with a hinge, a motor, a joint sensor, a material and a tip site."""
    model = Model("arm")
    model.add("material", name="red", rgba=(1, 0, 0, 1))
    upper = model.add("body", name="upper", pos=(0, 0, 1))
    model.add(
        "joint",
        parent=upper,
        name="shoulder",
        type="hinge",
        axis=(0, 1, 0),
        limited=True,
        range=(-1.0, 1.0),
        damping=0.1,
    )
    model.add(
        "geom",
        parent=upper,
        name="link",
        type="capsule",
        size=ARM_RADIUS,
        fromto=(0, 0, 0, 0, 0, ARM_LENGTH),
        material="red",
    )
    model.add("site", parent=upper, name="tip", pos=(0, 0, ARM_LENGTH))
    model.add(
        "actuator",
        name="shoulder",
        target="shoulder",
        trntype="joint",
        gear=10,
        ctrllimited=True,
        ctrlrange=(-1, 1),
    )
    model.add("sensor", name="shoulder_pos", type="jointpos", objtype="joint", objname="shoulder")
    return model


def test_keyword_attributes_are_converted_like_mjcf():
    m = arm().compile()
    assert m.geom_type[0] == mujoco.mjtGeom.mjGEOM_CAPSULE
    np.testing.assert_allclose(m.geom_size[0], [ARM_RADIUS, ARM_LENGTH / 2, 0])
    np.testing.assert_allclose(m.jnt_range[0], [-1.0, 1.0])  # radians: no degree conversion
    assert m.jnt_limited[0] == 1
    np.testing.assert_allclose(m.dof_damping, [0.1])  # scalar fills the first entry
    np.testing.assert_allclose(m.actuator_gear[0], [10, 0, 0, 0, 0, 0])
    assert m.sensor_type[0] == mujoco.mjtSensor.mjSENS_JOINTPOS


def test_orientation_shorthands_set_the_alternative_orientation():
    model = Model("o")
    model.add("site", name="z", zaxis=(1, 0, 0))
    model.add("site", name="e", euler=(0, 0, np.pi / 2))
    m = model.compile()
    np.testing.assert_allclose(
        m.site_quat[0], [np.cos(np.pi / 4), 0, np.sin(np.pi / 4), 0], atol=1e-12
    )
    np.testing.assert_allclose(
        m.site_quat[1], [np.cos(np.pi / 4), 0, 0, np.sin(np.pi / 4)], atol=1e-12
    )


def test_find_and_find_all():
    model = arm()
    assert model.find("geom", "link").name == "link"
    assert model.find("body", "world") is model.worldbody
    assert [g.name for g in model.find_all("geom")] == ["link"]
    assert model.names("actuator") == ["shoulder"]
    with pytest.raises(NotFoundError, match=r"no geom named 'lnk'; did you mean 'link'"):
        model.find("geom", "lnk")
    with pytest.raises(UnknownElementError, match="unknown element kind 'gem'.*'geom'"):
        model.find_all("gem")


def test_attach_prefixes_every_name_and_keeps_the_child_usable():
    scene = Model("scene")
    scene.add("site", name="mount", pos=(1, 0, 0))
    child = arm()
    scene.attach(child, "left", site="mount")
    scene.attach(child, "right/", pos=(-1, 0, 0))
    m = scene.compile()
    for prefix, x in (("left/", 1.0), ("right/", -1.0)):
        assert m.body(prefix + "upper").id > 0
        assert m.actuator(prefix + "shoulder").id >= 0
        assert m.sensor(prefix + "shoulder_pos").id >= 0
        assert m.material(prefix + "red").id >= 0
        data = mujoco.MjData(m)
        mujoco.mj_forward(m, data)
        np.testing.assert_allclose(data.xpos[m.body(prefix + "upper").id], [x, 0, 1])
    assert scene.names("joint", scope="left") == ["left/shoulder"]
    assert child.compile().nbody == 2  # the child itself is untouched
    with pytest.raises(DuplicateNameError, match="prefix 'left/' would repeat"):
        scene.attach(child, "left")


def test_attach_free_gives_the_child_a_free_joint():
    box = Model("box")
    box.add("geom", name="b", type="box", size=(0.1, 0.1, 0.1))
    scene = Model("scene")
    robot = Model("robot")
    torso = robot.add("body", name="torso", pos=(0, 0, 1))
    robot.add("geom", parent=torso, name="torso", type="sphere", size=0.1)
    scene = Model("scene")
    scene.attach(box, "box", free=True, pos=(0, 0, 2))
    scene.attach(robot, "robot", free=True)
    m = scene.compile()
    assert m.nq == 14 and m.jnt_type.tolist().count(mujoco.mjtJoint.mjJNT_FREE) == 2
    assert m.joint("box/free").id >= 0
    assert m.body(m.jnt_bodyid[m.joint("robot/free").id]).name == "robot/torso"
    np.testing.assert_allclose(m.qpos0[:3], [0, 0, 2])
    np.testing.assert_allclose(m.qpos0[7:10], [0, 0, 1])
    with pytest.raises(ValueError, match="root body 'upper' already has joints"):
        scene.attach(arm(), "arm", free=True)


@pytest.mark.parametrize("loose", [False, True], ids=["root_body", "world_geoms"])
def test_failed_free_attach_leaves_the_model_unchanged(loose):
    """Issue 8 case 7: the free joint's name clashing is found before anything is added."""
    ball = Model("ball")
    if loose:
        ball.add("geom", name="ball", type="sphere", size=0.1)
    else:
        body = ball.add("body", name="ball")
        ball.add("geom", parent=body, name="ball", type="sphere", size=0.1)
    scene = Model("scene")
    holder = scene.add("body", name="holder", pos=(1, 0, 0))
    scene.add("geom", parent=holder, type="sphere", size=0.1)
    scene.add("joint", parent=holder, name="b/free", type="hinge")
    before = scene.to_xml_string()
    with pytest.raises(DuplicateNameError, match="would repeat joint 'b/free'"):
        scene.attach(ball, "b", free=True)
    assert scene.to_xml_string() == before
    assert scene.compile().nbody == 2  # world + holder: no stray child body


def test_detach_removes_the_namescope():
    scene = Model("scene")
    scene.attach(arm(), "left")
    scene.attach(arm(), "right")
    scene.detach("left")
    m = scene.compile()
    names = [m.body(i).name for i in range(m.nbody)]
    assert names == ["world", "right/upper"]
    assert m.nu == 1 and m.nsensor == 1 and m.nmat == 1
    with pytest.raises(NotFoundError, match="nothing attached under 'left/'"):
        scene.detach("left")


def test_copy_is_independent():
    original = arm()
    duplicate = original.copy()
    duplicate.add("geom", name="extra", size=0.1)
    assert original.names("geom") == ["link"]
    assert sorted(duplicate.names("geom")) == ["extra", "link"]


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (
            lambda m: m.add("geom", name="g", siz=0.1),
            UnknownAttributeError,
            r"geom 'g' has no attribute 'siz' \(value 0.1\); did you mean 'size'",
        ),
        (
            lambda m: m.add("geom", name="g", size="big"),
            AttributeTypeError,
            r"geom 'g': attribute 'size' cannot take 'big'; expected 3 numbers",
        ),
        (
            lambda m: m.add("geom", name="g", type="cube"),
            AttributeTypeError,
            r"geom 'g': attribute 'type' cannot take 'cube'; expected one of .*'box'",
        ),
        (
            lambda m: m.add("joint", name="j", parent="upper", limited="maybe"),
            AttributeTypeError,
            r"joint 'j': attribute 'limited' cannot take 'maybe'",
        ),
        (
            lambda m: m.add("geom", name="g", pos=(1, 2)),
            AttributeTypeError,
            r"geom 'g': attribute 'pos' cannot take \(1, 2\); expected exactly 3 numbers",
        ),
        (
            lambda m: m.add("geom", name="g", condim=1.5),
            AttributeTypeError,
            r"geom 'g': attribute 'condim' cannot take 1.5; expected an integer",
        ),
        (
            lambda m: m.add("geom", name="link", parent="upper"),
            DuplicateNameError,
            r"a geom named 'link' already exists in model 'arm'",
        ),
        (lambda m: m.add("gemo"), UnknownElementError, r"unknown element kind 'gemo'"),
        (
            lambda m: m.add("actuator", parent="upper"),
            UnknownElementError,
            r"an actuator belongs to the model|a actuator belongs to the model",
        ),
        (lambda m: m.add("geom", parent="lower"), NotFoundError, r"no body named 'lower'"),
    ],
)
def test_bad_elements_raise_one_clear_error(call, error, message):
    model = arm()
    before = model.spec.to_xml() if model.compile() else None
    with pytest.raises(error, match=message):
        call(model)
    assert model.spec.to_xml() == before  # a failed add leaves no half-made element


def test_missing_assets_are_named():
    model = arm()
    model.find("geom", "link").material = "blue"
    with pytest.raises(MissingAssetError, match=r"geom 'link': material='blue' names no material"):
        model.compile()
    model = arm()
    model.add("mesh", name="rock", file="rock.stl")
    with pytest.raises(MissingAssetError, match=r"mesh 'rock' of model 'arm': file='rock.stl'"):
        model.compile()


def test_compile_errors_name_the_model():
    model = Model("bad")
    body = model.add("body", name="floating")
    model.add("joint", parent=body, name="hinge", type="hinge")  # a moving body without mass
    with pytest.raises(MjcfError, match=r"model 'bad' does not compile: .*mass"):
        model.compile()


def test_public_names():
    assert set(mjcf_builder.__all__) >= {"Model", "from_xml_string", "export", "to_zip"}
    assert "geom" in mjcf_builder.KINDS and "actuator" in mjcf_builder.KINDS
