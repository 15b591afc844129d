"""check_mjx: its tables agree with the installed MJX, and its verdicts agree with mjx.put_model."""

from __future__ import annotations

import itertools
from pathlib import Path

import mujoco
import numpy as np
import pytest
from mujoco import mjx
from mujoco.mjx._src import collision_driver, types  # private: the facts check_mjx restates

from mjcf_builder import Model
from mjcf_builder.check_mjx import (
    JAX_COLLISION_PAIRS,
    JAX_ENUMS,
    JAX_INTEGRATORS,
    JAX_SOLVERS,
    MESH_VERTEX_WARNING,
    MJX_ENABLE_FLAGS,
    UnsupportedMjxFeatureError,
    assert_mjx_compatible,
    check_mjx,
    collision_pairs,
)
from mjxcontrol.tasks.models import (
    acrobot,
    cartpole,
    cheetah,
    pendulum,
    point_mass,
    reacher,
    walker,
)

PRIMITIVES = ("sphere", "capsule", "ellipsoid", "cylinder", "box")
# Primitives every pair of which (and each with a plane) MJX's JAX impl collides.
MJX_FRIENDLY = ("sphere", "capsule", "box")
NUM_RANDOM_SCENES = 24


# ------------------------------------------------------------------- tables vs installed MJX
def test_collision_table_matches_mjx():
    types_ = [int(t) for t in mujoco.mjtGeom.__members__.values() if 0 <= int(t) <= 7]
    supported = {
        (a, b)
        for a, b in itertools.combinations_with_replacement(sorted(types_), 2)
        if collision_driver.has_collision_fn(a, b)
    }
    assert supported == set(JAX_COLLISION_PAIRS)


@pytest.mark.parametrize("field", sorted(JAX_ENUMS))
def test_enum_tables_match_mjx(field):
    enum, supported = JAX_ENUMS[field]
    mjx_enum = {
        "actuator_biastype": types.BiasType,
        "actuator_dyntype": types.DynType,
        "actuator_gaintype": types.GainType,
        "actuator_trntype": types.TrnType,
        "eq_type": types.EqType,
        "sensor_type": types.SensorType,
        "wrap_type": types.WrapType,
    }[field]
    assert {enum(int(v)).name for v in mjx_enum} == supported


def test_option_tables_match_mjx():
    assert {mujoco.mjtIntegrator(int(v)).name for v in types.IntegratorType} >= JAX_INTEGRATORS
    extra = {mujoco.mjtIntegrator(int(v)).name for v in types.IntegratorType} - JAX_INTEGRATORS
    assert extra <= {"mjINT_DISCRETE"}  # accepted by put_model; not an integrator we step
    assert {mujoco.mjtSolver(int(v)).name for v in types.SolverType} == JAX_SOLVERS
    assert {mujoco.mjtEnableBit(int(v)).name for v in types.EnableBit} - {"mjENBL_IPC"} == (
        MJX_ENABLE_FLAGS
    )


# ---------------------------------------------------------------- pair enumeration vs MJX
SUITE_MODELS = {
    "cartpole": lambda: cartpole.spec(1),
    "pendulum": pendulum.spec,
    "acrobot": acrobot.spec,
    "point_mass": lambda: point_mass.spec(),
    "reacher": reacher.spec,
    "cheetah": cheetah.spec,
    "walker": walker.spec,
}


@pytest.mark.parametrize("name", sorted(SUITE_MODELS))
def test_collision_pairs_match_mjx_on_suite_models(name):
    m = SUITE_MODELS[name]().compile()
    assert set(collision_pairs(m)) == {(g1, g2) for g1, g2, _ in collision_driver.geom_pairs(m)}


# ---------------------------------------------------------------- known unsupported features
def _scene(**option) -> Model:
    model = Model("scene")
    model.add("geom", name="floor", type="plane", size=(5, 5, 0.1))
    body = model.add("body", name="ball", pos=(0, 0, 1))
    model.add("freejoint", parent=body, name="ball")
    model.add("geom", parent=body, name="ball", type="sphere", size=0.1)
    for key, value in option.items():
        setattr(model.spec.option, key, value)
    return model


def _with_body(model: Model, name: str, geom_type: str, pos=(1, 0, 1)) -> Model:
    body = model.add("body", name=name, pos=pos)
    model.add("freejoint", parent=body, name=name)
    model.add("geom", parent=body, name=name, type=geom_type, size=(0.1, 0.1, 0.1))
    return model


UNSUPPORTED = {
    "ellipsoid-box": (
        lambda: _with_body(_with_body(_scene(), "egg", "ellipsoid"), "crate", "box"),
        r"collision \(ELLIPSOID, BOX\) in geom 'egg', geom 'crate'",
    ),
    "cylinder-box": (
        lambda: _with_body(_with_body(_scene(), "can", "cylinder"), "crate", "box"),
        r"collision \(CYLINDER, BOX\) in geom 'can', geom 'crate'",
    ),
    "pgs": (lambda: _scene(solver=mujoco.mjtSolver.mjSOL_PGS), r"solver mjSOL_PGS"),
    "implicit": (
        lambda: _scene(integrator=mujoco.mjtIntegrator.mjINT_IMPLICIT),
        r"integrator mjINT_IMPLICIT",
    ),
    "energy": (lambda: _scene(enableflags=int(mujoco.mjtEnableBit.mjENBL_ENERGY)), r"flag ENERGY"),
    "fluid-implicitfast": (
        lambda: _scene(integrator=mujoco.mjtIntegrator.mjINT_IMPLICITFAST, density=1.2),
        r"implicitfast with fluid forces",
    ),
    "contact-sensor-body": (lambda: _contact_sensor(), r"contact sensor with body matching"),
    "slider-crank": (lambda: _slider_crank(), r"actuator_trntype mjTRN_SLIDERCRANK"),
}


def _contact_sensor() -> Model:
    model = _scene()
    model.add(
        "sensor", name="touching", type="contact", objtype="body", objname="ball", intprm=(1, 0, 1)
    )  # data spec "found", one contact
    return model


def _slider_crank() -> Model:
    model = _scene()
    model.add("site", parent="ball", name="crank")
    model.add("site", name="slider")
    model.add(
        "actuator",
        name="crank",
        trntype="slidercrank",
        target="crank",
        slidersite="slider",
        cranklength=0.1,
    )
    return model


@pytest.mark.parametrize("case", sorted(UNSUPPORTED))
def test_known_unsupported_features_are_reported_and_really_unsupported(case):
    build, message = UNSUPPORTED[case]
    model = build()
    errors = [u for u in check_mjx(model) if u.severity == "error"]
    assert len(errors) == 1, errors
    with pytest.raises(UnsupportedMjxFeatureError, match=message):
        assert_mjx_compatible(model)
    with pytest.raises(NotImplementedError):
        mjx.put_model(model.compile())


def test_clean_models_have_no_errors_and_put():
    for name, build in SUITE_MODELS.items():
        spec = build()
        spec.option.enableflags &= ~int(mujoco.mjtEnableBit.mjENBL_ENERGY)
        assert [u for u in check_mjx(spec) if u.severity == "error"] == [], name
    assert check_mjx(_scene(), impl="warp") == []


def test_energy_is_the_only_problem_of_the_suite_models_under_warp():
    found = check_mjx(cartpole.spec(1), impl="warp")
    assert [u.feature for u in found] == ["flag ENERGY"]
    assert "clears it" in found[0].remedy


def test_unknown_impl():
    with pytest.raises(ValueError, match="unknown MJX impl 'cuda'"):
        check_mjx(_scene(), impl="cuda")


# ------------------------------------------------------------- random compositions (sweep)
def _random_scene(seed: int, primitives=PRIMITIVES) -> Model:
    """A floor, a few free props of random primitive types and sizes, and a two-link arm
    attached at a random site; contype/conaffinity bits random so that pair filtering is
    exercised."""
    rng = np.random.default_rng(seed)
    scene = Model(f"scene_{seed}")
    scene.add("geom", name="floor", type="plane", size=(5, 5, 0.1))
    for i in range(rng.integers(2, 5)):
        scene.add("site", name=f"mount_{i}", pos=rng.uniform(-2, 2, 3))
    for i in range(rng.integers(1, 4)):
        prop = Model("prop")
        prop.add(
            "geom",
            name="shape",
            type=str(rng.choice(primitives)),
            size=rng.uniform(0.05, 0.3, 3),
            contype=int(rng.integers(0, 3)),
            conaffinity=int(rng.integers(0, 3)),
        )
        scene.attach(prop, f"prop_{i}", free=True, pos=rng.uniform(-2, 2, 3))
    arm = Model("arm")
    parent = arm.worldbody
    for link in range(2):
        parent = arm.add("body", parent=parent, name=f"link_{link}", pos=(0, 0, 0.3 * link))
        arm.add("joint", parent=parent, name=f"joint_{link}", type="hinge", axis=(0, 1, 0))
        arm.add(
            "geom",
            parent=parent,
            name=f"link_{link}",
            type=str(rng.choice(primitives)),
            size=rng.uniform(0.03, 0.1, 3),
            pos=(0, 0, 0.15),
        )
        arm.add("actuator", name=f"motor_{link}", target=f"joint_{link}", trntype="joint")
    scene.attach(arm, "arm", site=f"mount_{rng.integers(0, 2)}")
    return scene


@pytest.mark.parametrize("seed", range(NUM_RANDOM_SCENES))
def test_random_compositions_compile_and_check_mjx_agrees_with_put_model(seed):
    scene = _random_scene(seed)
    m = scene.compile()  # always compiles under MuJoCo
    assert set(collision_pairs(m)) == {(g1, g2) for g1, g2, _ in collision_driver.geom_pairs(m)}
    errors = [u for u in check_mjx(m) if u.severity == "error"]
    if errors:
        with pytest.raises(NotImplementedError):
            mjx.put_model(m)
    else:
        mjx.put_model(m)


@pytest.mark.parametrize("seed", range(NUM_RANDOM_SCENES // 2))
def test_random_compositions_of_supported_shapes_all_put(seed):
    m = _random_scene(1000 + seed, primitives=MJX_FRIENDLY).compile()
    assert [u for u in check_mjx(m) if u.severity == "error"] == []
    mjx.put_model(m)


def _mesh_scene(num_vertices: int, margin: float = 0.0) -> Model:
    """A free convex mesh (points on a sphere) above a floor plane."""
    rng = np.random.default_rng(0)
    points = rng.normal(size=(num_vertices, 3))
    points = 0.1 * points / np.linalg.norm(points, axis=1, keepdims=True)
    model = _scene()
    model.add("mesh", name="blob", uservert=points.ravel().tolist())
    body = model.add("body", name="rock", pos=(0, 1, 1))
    model.add("freejoint", parent=body, name="rock")
    model.add("geom", parent=body, name="rock", type="mesh", meshname="blob", margin=margin)
    return model


def test_large_collision_meshes_are_a_warning_not_an_error():
    found = check_mjx(_mesh_scene(MESH_VERTEX_WARNING + 100))
    assert [u.severity for u in found] == ["warning"]
    assert "mesh 'blob'" in str(found[0]) and "maxhullvert" in str(found[0])
    assert check_mjx(_mesh_scene(20)) == []


def test_margin_on_mesh_pairs_is_reported_and_really_unsupported():
    model = _mesh_scene(20, margin=0.01)
    errors = [u for u in check_mjx(model) if u.severity == "error"]
    assert {u.feature for u in errors} == {
        "margin on a (PLANE, MESH) collision",
        "margin on a (SPHERE, MESH) collision",
    }
    with pytest.raises(NotImplementedError, match="margin"):
        mjx.put_model(model.compile())


def test_noslip_is_an_error_under_jax_which_would_ignore_it():
    """MJX's JAX impl accepts a noslip model but never reads the option (its source does not
    mention it), so the step would silently differ from MuJoCo's; MJX-Warp runs it."""
    model = _scene(noslip_iterations=4)
    errors = [u for u in check_mjx(model) if u.severity == "error"]
    assert [u.feature for u in errors] == ["noslip solver (noslip_iterations=4)"]
    assert check_mjx(model, impl="warp") == []
    source = Path(mjx.__file__).parent / "_src"
    assert not any("noslip" in f.read_text() for f in source.glob("*.py"))
