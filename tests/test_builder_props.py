"""Procedural props: Duplo-like bricks and free box stacks."""

from __future__ import annotations

import math

import mujoco
import numpy as np
import pytest

from mjcf_builder import Model, props
from mjcf_builder.check_mjx import check_mjx, collision_pairs

GRAVITY = 9.81
SETTLE_STEPS = 250  # 0.5 s at MuJoCo's default 2 ms timestep
# A non-default brick: 3 x 1 studs, larger pitch, taller.
WIDE = {
    "studs": (3, 1),
    "pitch": 0.02,
    "height": 0.024,
    "stud_radius": 0.006,
    "stud_height": 0.005,
    "top_thickness": 0.003,
    "mass": 0.015,
}


def _scene(name: str = "scene") -> Model:
    scene = Model(name)
    scene.add("geom", name="floor", type="plane", size=(0.5, 0.5, 0.05))
    return scene


def _stacked(friction: float = props.FRICTION, site: str = "base/stud_0_0") -> Model:
    """A brick fixed on the floor with a free brick snapped on at ``site``."""
    scene = _scene()
    scene.attach(props.brick(friction=friction), "base")
    scene.attach(props.brick(friction=friction), "top", site=site, free=True)
    return scene


def _settle(model: mujoco.MjModel, steps: int = SETTLE_STEPS, push: tuple = (), body: str = ""):
    """Steps ``model`` from its initial pose (optionally pushing ``body`` with force ``push``)
    and returns (start, end) world positions of ``body``."""
    data = mujoco.MjData(model)
    mujoco.mj_forward(model, data)
    start = data.body(body).xpos.copy()
    if push:
        data.xfrc_applied[model.body(body).id, :3] = push
    for _ in range(steps):
        mujoco.mj_step(model, data)
    assert np.all(np.isfinite(data.qpos))
    return start, data.body(body).xpos.copy()


def _errors(model) -> list[str]:
    return [str(u) for u in check_mjx(model) if u.severity == "error"]


# --------------------------------------------------------------------------------- bricks
@pytest.mark.parametrize("params", [{}, WIDE], ids=["duplo_2x4", "wide_3x1"])
def test_studs_match_the_parameters(params):
    nx, ny = params.get("studs", (2, 4))
    pitch = params.get("pitch", props.STUD_PITCH)
    height = params.get("height", props.BRICK_HEIGHT)
    radius = params.get("stud_radius", props.STUD_RADIUS)
    stud_height = params.get("stud_height", props.STUD_HEIGHT)
    model = props.brick(**params).compile()
    stud_names = {f"stud_{i}_{j}" for i in range(nx) for j in range(ny)}
    geom_names = {model.geom(g).name for g in range(model.ngeom)}
    assert {
        n for n in geom_names if n.startswith("stud_") and not n.endswith("_visual")
    } == stud_names
    assert {n for n in geom_names if n.endswith("_visual")} == {f"{n}_visual" for n in stud_names}
    assert sum(n.startswith("tube_") for n in geom_names) == (nx - 1) * (ny - 1)
    for i in range(nx):
        for j in range(ny):
            name = f"stud_{i}_{j}"
            centre = (i * pitch, j * pitch, height + stud_height / 2)
            np.testing.assert_allclose(model.geom(name).pos, centre, atol=1e-12)
            np.testing.assert_allclose(model.geom(name).size, (radius, radius, stud_height / 2))
            np.testing.assert_allclose(model.geom(f"{name}_visual").pos, centre, atol=1e-12)
            np.testing.assert_allclose(
                model.geom(f"{name}_visual").size[:2], (radius, stud_height / 2)
            )
            np.testing.assert_allclose(
                model.site(name).pos, (i * pitch, j * pitch, height), atol=1e-12
            )
    middle = ((nx - 1) * pitch / 2, (ny - 1) * pitch / 2)
    np.testing.assert_allclose(model.site("top").pos, (*middle, height), atol=1e-12)
    np.testing.assert_allclose(model.site("bottom").pos, (*middle, 0.0), atol=1e-12)
    # The shell spans the footprint, less the clearance, from z = 0 to the top face.
    bottoms = model.geom_pos[:, 2] - model.geom_size[:, 2]  # boxes: size[2] is the half-height
    assert bottoms.min() == pytest.approx(0.0, abs=1e-12)
    np.testing.assert_allclose(
        model.geom("top").size[:2],
        (nx * pitch / 2 - props.CLEARANCE, ny * pitch / 2 - props.CLEARANCE),
    )


def test_only_boxes_collide_and_studs_look_round():
    model = props.brick().compile()
    box, cylinder = mujoco.mjtGeom.mjGEOM_BOX, mujoco.mjtGeom.mjGEOM_CYLINDER
    colliding = (model.geom_contype | model.geom_conaffinity) != 0
    assert set(model.geom_type[colliding].tolist()) == {box}
    visual = ~colliding
    assert set(model.geom_type[visual].tolist()) == {cylinder}
    assert np.all(model.geom_group[visual] == props.VISUAL_GROUP)
    tube = model.geom("tube_0_0")
    assert abs(tube.quat[0]) == pytest.approx(math.cos(math.pi / 8))  # turned 45 degrees about z


@pytest.mark.parametrize(("mass", "expected"), [(0.02, 0.02), (None, None)])
def test_brick_mass(mass, expected):
    brick = props.brick(mass=mass)
    scene = _scene()
    scene.attach(brick, "b", free=True)
    model = scene.compile()
    if expected is None:  # solid ABS: density times the volume of the colliding boxes
        layout = props.BrickLayout.of(
            (2, 4),
            props.STUD_PITCH,
            props.BRICK_HEIGHT,
            props.STUD_RADIUS,
            props.STUD_HEIGHT,
            props.TOP_THICKNESS,
            props.CLEARANCE,
        )
        volume = sum(8 * np.prod(half) for _, _, half, _ in layout.boxes())
        expected = props.ABS_DENSITY * volume
    assert model.body("b/").mass[0] == pytest.approx(expected, rel=1e-9)


def test_attaching_at_a_stud_snaps_to_the_grid():
    scene = _stacked(site="base/stud_1_2")
    model = scene.compile()
    pitch, height = props.STUD_PITCH, props.BRICK_HEIGHT
    np.testing.assert_allclose(model.body("top/").pos, (pitch, 2 * pitch, height), atol=1e-12)
    # The top brick's studs then stand right above the base's.
    data = mujoco.MjData(model)
    mujoco.mj_forward(model, data)
    np.testing.assert_allclose(
        data.geom("top/stud_0_0").xpos[:2], data.geom("base/stud_1_2").xpos[:2], atol=1e-12
    )


def test_stacked_bricks_rest_together():
    start, end = _settle(_stacked().compile(), body="top/")
    assert end[2] == pytest.approx(props.BRICK_HEIGHT, abs=1e-4), "top brick sank or fell off"
    np.testing.assert_allclose(end[:2], start[:2], atol=props.CLEARANCE)


def test_free_bricks_rest_together_on_the_floor():
    scene = _scene()
    scene.attach(props.brick(**WIDE), "base", free=True)
    scene.attach(props.brick(**WIDE), "top", free=True, pos=(0, 0, WIDE["height"]))
    model = scene.compile()
    _, base = _settle(model, body="base/")
    _, top = _settle(model, body="top/")
    assert base[2] == pytest.approx(0.0, abs=2e-4)
    assert top[2] - base[2] == pytest.approx(WIDE["height"], abs=2e-4)
    np.testing.assert_allclose(top[:2], base[:2], atol=2 * props.CLEARANCE)


def test_studs_hold_a_frictionless_brick_against_a_sideways_push():
    model = _stacked(friction=0.0).compile()
    top_mass = model.body("top/").mass[0]
    push = (0.5 * top_mass * GRAVITY, 0.3 * top_mass * GRAVITY, 0.0)
    start, end = _settle(model, push=push, body="top/")
    assert np.all(np.abs(end - start) < 2 * props.CLEARANCE), end - start
    # Control: the same brick on a flat frictionless block slides away.
    flat = _scene("flat")
    flat.add(
        "geom",
        name="block",
        type="box",
        size=(0.05, 0.05, props.BRICK_HEIGHT / 2),
        pos=(0, 0, props.BRICK_HEIGHT / 2),
        friction=0.0,
    )
    flat.attach(props.brick(friction=0.0), "top", free=True, pos=(0, 0, props.BRICK_HEIGHT))
    start, end = _settle(flat.compile(), push=push, body="top/")
    assert end[0] - start[0] > 0.01


def test_check_mjx_finds_nothing_to_refuse():
    brick, stack = props.brick(), props.box_stack(3)
    scene = _stacked()
    scene.attach(props.box_stack(2, 0.01, tower=True), "boxes", pos=(0.2, 0, 0))
    scene.attach(props.brick(**WIDE), "wide", free=True, pos=(-0.2, 0, 0))
    for model in (brick, stack, scene):
        assert _errors(model) == []
    compiled = scene.compile()
    pairs = collision_pairs(compiled)
    assert pairs, "the scene has contacts to check"
    cylinder = mujoco.mjtGeom.mjGEOM_CYLINDER
    assert not any(compiled.geom_type[g] == cylinder for pair in pairs for g in pair)


def test_props_load_into_mjx():
    from mujoco import mjx  # imports JAX: one small call

    scene = _stacked()
    scene.attach(props.box_stack(2), "boxes", pos=(0.2, 0, 0))
    for model in (props.brick(**WIDE), scene):
        compiled = model.compile()
        mjx_model = mjx.put_model(compiled)
        assert mjx_model.ngeom == compiled.ngeom


# ------------------------------------------------------------------------------ box stacks
def test_box_stack_row_and_tower():
    half = 0.02
    row = props.box_stack(3, half, gap=0.01, mass=0.1).compile()
    tower = props.box_stack(3, (0.03, 0.02, half), tower=True).compile()
    for model in (row, tower):
        assert model.nbody == 4 and model.njnt == 3
        assert set(model.jnt_type.tolist()) == {mujoco.mjtJoint.mjJNT_FREE}
        for k in range(3):
            body = model.body(f"box{k}")
            assert body.parentid[0] == 0, "each box is its own free body"
            assert model.joint(f"box{k}_free").bodyid[0] == body.id
            np.testing.assert_allclose(model.site(f"box{k}_top").pos, (0, 0, half))
    np.testing.assert_allclose(row.body_pos[1:], [[k * 0.05, 0, half] for k in range(3)])
    np.testing.assert_allclose(row.body_mass[1:], 0.1)
    np.testing.assert_allclose(tower.body_pos[1:], [[0, 0, (2 * k + 1) * half] for k in range(3)])


def test_box_tower_stands():
    scene = _scene()
    scene.attach(props.box_stack(3, 0.02, tower=True), "stack")
    start, end = _settle(scene.compile(), body="stack/box2")
    np.testing.assert_allclose(end[:2], start[:2], atol=1e-6)  # no toppling
    assert end[2] == pytest.approx(start[2], abs=1e-3)  # three soft contacts settle < 1 mm


# ------------------------------------------------------------------------- bad parameters
@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"studs": (0, 2)}, "studs along x must be an integer >= 1"),
        ({"studs": (2, 1.5)}, "studs along y must be an integer >= 1"),
        ({"studs": 4}, "studs must be two stud counts"),
        ({"studs": (1, 2, 3)}, "studs must be two stud counts"),
        ({"pitch": 0.0}, "pitch must be a finite number > 0"),
        ({"height": -0.01}, "height must be a finite number > 0"),
        ({"stud_radius": math.nan}, "stud_radius must be a finite number > 0"),
        ({"clearance": -1e-4}, "clearance must be a finite number >= 0"),
        ({"mass": 0.0}, "mass must be a finite number > 0"),
        ({"friction": -0.1}, "friction must be a finite number >= 0"),
        ({"friction": (1, 0.1, 0.01, 0)}, "friction must be 1 to 3 numbers"),
        ({"stud_radius": 0.0079}, "must be below half the pitch"),
        ({"stud_height": 0.018}, "height 0.0192 must exceed top_thickness"),
    ],
)
def test_brick_rejects_bad_parameters(kwargs, message):
    with pytest.raises(ValueError, match=message):
        props.brick(**kwargs)


@pytest.mark.parametrize(
    ("args", "kwargs", "message"),
    [
        ((0,), {}, "n_boxes must be an integer >= 1"),
        ((True,), {}, "n_boxes must be an integer >= 1"),
        ((2, -0.02), {}, "half_size must be a finite number > 0"),
        ((2, (0.02, 0.02)), {}, "half_size must be one number or 3 numbers"),
        ((2,), {"gap": -0.01}, "gap must be a finite number >= 0"),
        ((2,), {"mass": -1.0}, "mass must be a finite number > 0"),
    ],
)
def test_box_stack_rejects_bad_parameters(args, kwargs, message):
    with pytest.raises(ValueError, match=message):
        props.box_stack(*args, **kwargs)
