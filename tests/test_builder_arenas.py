"""Ready arenas (mjcf_builder.arenas): layout, MJX compatibility, and balls dropped onto them."""

import math

import mujoco
import numpy as np
import pytest

from mjcf_builder import Model
from mjcf_builder.arenas import (
    DEFAULT_FRICTION,
    WALL_THICKNESS,
    Bowl,
    Corridor,
    Floor,
    Maze,
    bowl_elevation,
    wall_rectangles,
)
from mjcf_builder.check_mjx import check_mjx

BALL_RADIUS = 0.1
DROP_SECONDS = 2.0
SMALL_MAZE = """
    *****
    *P..*
    *.*G*
    *****
"""
BIG_MAZE = """
    *********
    *P..*...*
    *.*.*.*.*
    *.*...*G*
    *.*****.*
    *...G..P*
    *********
"""
PLATFORMS, GAPS = (2.0, 1.5, 1.5), (0.5, 0.7)

ARENAS = {
    "floor": lambda: Floor(),
    "corridor_gaps": lambda: Corridor(platforms=PLATFORMS, gaps=GAPS),
    "corridor_walls": lambda: Corridor(10.0, walls=((3.0, "left"), (6.0, "right"))),
    "corridor_random_gaps": lambda: Corridor.random_gaps(20.0, seed=0),
    "corridor_random_walls": lambda: Corridor.random_walls(20.0, seed=1),
    "bowl": lambda: Bowl(radius=3.0, depth=1.0, resolution=33),
    "maze": lambda: Maze(SMALL_MAZE),
}


def geom_extents(m: mujoco.MjModel, name: str) -> tuple[np.ndarray, np.ndarray]:
    """World (low, high) corners of an axis-aligned box geom."""
    geom = m.geom(name)
    return geom.pos - geom.size, geom.pos + geom.size


def drop_ball(arena, pos, velocity=(0.0, 0.0, 0.0), seconds=DROP_SECONDS):
    """Attaches a free 0.1 m ball at ``pos``, runs plain MuJoCo; returns its final position and
    linear velocity."""
    ball = Model("ball")
    ball.add("geom", name="geom", type="sphere", size=BALL_RADIUS, mass=1.0)
    arena.attach(ball, "ball", free=True, pos=pos)
    m = arena.model.compile()
    d = mujoco.MjData(m)
    joint = m.joint("ball/free")
    d.qvel[joint.dofadr[0] : joint.dofadr[0] + 3] = velocity
    for _ in range(round(seconds / m.opt.timestep)):
        mujoco.mj_step(m, d)
    qpos = d.qpos[joint.qposadr[0] : joint.qposadr[0] + 3].copy()
    return qpos, d.qvel[joint.dofadr[0] : joint.dofadr[0] + 3].copy()


# --------------------------------------------------------------------------- every arena
@pytest.mark.parametrize("kind", list(ARENAS))
def test_compiles_and_mjx_jax_can_run_it(kind):
    arena = ARENAS[kind]()
    m = arena.model.compile()
    assert m.ngeom >= 1 and m.light("light").pos[2] > 0
    assert [str(u) for u in check_mjx(arena.model) if u.severity == "error"] == []
    assert len(arena.spawn_position) == 3


@pytest.mark.parametrize("kind", list(ARENAS))
def test_mjx_put_model(kind):
    mjx = pytest.importorskip("mujoco.mjx")
    mjx.put_model(ARENAS[kind]().model.compile())


@pytest.mark.parametrize("kind", list(ARENAS))
def test_agent_geoms_collide_under_mjx(kind):
    """A capsule, sphere and box agent next to every arena: every pair is one MJX runs."""
    arena = ARENAS[kind]()
    agent = Model("agent")
    body = agent.add("body", name="torso")
    agent.add("geom", parent=body, type="capsule", fromto=(0, 0, 0, 0.3, 0, 0), size=0.05)
    agent.add("geom", parent=body, type="sphere", pos=(0, 0.2, 0), size=0.05)
    agent.add("geom", parent=body, type="box", pos=(0, -0.2, 0), size=(0.05, 0.05, 0.05))
    arena.attach(agent, "agent", free=True, pos=(0, 0, 1))
    assert [u for u in check_mjx(arena.model) if u.severity == "error"] == []


def test_friction_applies_to_every_arena_geom():
    arena = Corridor(platforms=PLATFORMS, gaps=GAPS, friction=0.7)
    assert arena.friction == (0.7, *DEFAULT_FRICTION[1:])
    np.testing.assert_allclose(arena.model.compile().geom_friction[:, 0], 0.7)
    arena.friction = (0.3, 0.01)
    np.testing.assert_allclose(arena.model.compile().geom_friction, [[0.3, 0.01, 0.0001]] * 6)


# --------------------------------------------------------------------------------- floor
def test_floor_is_a_grid_plane_of_the_given_half_extents():
    m = Floor(size=(5, 3), friction=(0.9, 0.01, 0.001)).model.compile()
    floor = m.geom("floor")
    assert floor.type[0] == mujoco.mjtGeom.mjGEOM_PLANE
    np.testing.assert_allclose(floor.size[:2], (5, 3))
    np.testing.assert_allclose(floor.friction, (0.9, 0.01, 0.001))
    assert m.mat_texid[floor.matid[0]].max() >= 0  # the grid texture


def test_ball_rests_on_floor():
    pos, vel = drop_ball(Floor(), (0.5, -0.3, 0.5))
    assert pos[2] == pytest.approx(BALL_RADIUS, abs=5e-3)
    assert np.linalg.norm(vel) < 1e-2


# ------------------------------------------------------------------------------ corridor
def test_gap_corridor_has_the_requested_platform_edges():
    arena = Corridor(platforms=PLATFORMS, gaps=GAPS, width=3.0, pit_depth=1.5)
    m = arena.model.compile()
    edges = [(0.0, 2.0), (2.5, 4.0), (4.7, 6.2)]
    assert arena.length == pytest.approx(6.2)
    np.testing.assert_allclose(arena.platform_edges, edges)
    np.testing.assert_allclose(arena.gap_edges, [(2.0, 2.5), (4.0, 4.7)])
    assert arena.model.names("geom") == [
        "pit_floor",
        "platform_0",
        "platform_1",
        "platform_2",
        "side_wall_left",
        "side_wall_right",
    ]
    for i, (start, end) in enumerate(edges):
        assert m.geom(f"platform_{i}").type[0] == mujoco.mjtGeom.mjGEOM_BOX
        low, high = geom_extents(m, f"platform_{i}")
        np.testing.assert_allclose(low, (start, -1.5, -1.5), atol=1e-9)
        np.testing.assert_allclose(high, (end, 1.5, 0.0), atol=1e-9)
    for i, (start, end) in enumerate(arena.gap_edges):
        site = m.site(f"gap_{i}")
        np.testing.assert_allclose(
            [site.pos[0] - site.size[0], site.pos[0] + site.size[0]], (start, end)
        )
    assert m.geom("pit_floor").pos[2] == pytest.approx(-1.5)
    low, high = geom_extents(m, "side_wall_left")
    assert low[1] == pytest.approx(1.5) and low[2] == pytest.approx(-1.5)
    assert arena.spawn_position == (1.0, 0.0, 0.0)


def test_walled_corridor_walls_leave_an_opening_on_the_other_side():
    arena = Corridor(
        10.0, width=4.0, walls=((3.0, "left"), (6.0, "right")), opening=1.0, wall_height=1.2
    )
    m = arena.model.compile()
    assert arena.model.names("geom", "") == [
        "pit_floor",
        "platform_0",
        "side_wall_left",
        "side_wall_right",
        "wall_0",
        "wall_1",
    ]
    low, high = geom_extents(m, "wall_0")  # attached at +y: opening y in [-2, -1]
    np.testing.assert_allclose(low, (3.0 - WALL_THICKNESS / 2, -1.0, 0.0), atol=1e-9)
    np.testing.assert_allclose(high, (3.0 + WALL_THICKNESS / 2, 2.0, 1.2), atol=1e-9)
    low, high = geom_extents(m, "wall_1")  # attached at -y: opening y in [1, 2]
    np.testing.assert_allclose((low[1], high[1]), (-2.0, 1.0), atol=1e-9)
    np.testing.assert_allclose(geom_extents(m, "platform_0")[1], (10.0, 2.0, 0.0), atol=1e-9)
    assert arena.spawn_position == pytest.approx((1.45, 0.0, 0.0))


def test_random_gaps_are_reproducible_and_within_ranges():
    arena = Corridor.random_gaps(
        20.0, seed=3, platform_range=(1.0, 2.0), gap_range=(0.4, 0.6), start_length=3.0
    )
    again = Corridor.random_gaps(
        20.0,
        seed=np.random.RandomState(3),
        platform_range=(1.0, 2.0),
        gap_range=(0.4, 0.6),
        start_length=3.0,
    )
    assert arena.platforms == again.platforms and arena.gaps == again.gaps
    assert arena.length == pytest.approx(20.0)
    assert arena.platforms[0] == 3.0 and len(arena.gaps) >= 5
    assert all(1.0 <= p <= 2.0 for p in arena.platforms[1:-1])
    assert all(0.4 <= g <= 0.6 for g in arena.gaps)
    assert arena.model.names("geom").count("platform_0") == 1
    assert len(arena.model.find_all("geom")) == len(arena.platforms) + 3  # + pit + 2 side walls
    assert Corridor.random_gaps(20.0, seed=4).platforms != arena.platforms


def test_random_walls_are_spaced_within_the_range():
    arena = Corridor.random_walls(30.0, seed=2, spacing_range=(3.0, 4.0), alternate=True)
    xs, sides = zip(*arena.walls, strict=True)
    assert xs[0] == pytest.approx(2.0 + WALL_THICKNESS / 2)
    assert all(3.0 <= b - a <= 4.0 for a, b in zip(xs[:-1], xs[1:], strict=True))
    assert xs[-1] <= 30.0 - WALL_THICKNESS / 2
    assert all(a != b for a, b in zip(sides[:-1], sides[1:], strict=True))
    assert arena.model.names("geom", "")[-len(xs) :] == [f"wall_{i}" for i in range(len(xs))]


def test_ball_rests_on_platform_and_falls_into_gap():
    arena = Corridor(platforms=PLATFORMS, gaps=GAPS)
    x, y, z = arena.spawn_position
    pos, vel = drop_ball(arena, (x, y, z + 0.5))
    assert pos[2] == pytest.approx(BALL_RADIUS, abs=5e-3)
    assert np.linalg.norm(vel) < 1e-2
    gap_centre = sum(Corridor(platforms=PLATFORMS, gaps=GAPS).gap_edges[1]) / 2
    pos, _ = drop_ball(Corridor(platforms=PLATFORMS, gaps=GAPS), (gap_centre, 0.0, 0.5))
    assert pos[2] < -1.0  # in the trench, resting on the pit floor
    assert pos[2] == pytest.approx(-arena.pit_depth + BALL_RADIUS, abs=5e-3)


def test_ball_thrown_at_a_wall_bounces_off():
    arena = Corridor(10.0, walls=((3.0, "left"),), opening=1.0)
    pos, _ = drop_ball(arena, (1.0, 1.0, BALL_RADIUS), velocity=(5.0, 0.0, 0.0))
    assert pos[0] < 3.0 - WALL_THICKNESS / 2 - BALL_RADIUS + 5e-3


# ---------------------------------------------------------------------------------- bowl
def test_bowl_height_field_is_lowest_at_the_centre_and_rises_to_the_rim():
    arena = Bowl(radius=3.0, depth=0.8, resolution=33)
    m = arena.model.compile()
    terrain = m.geom("terrain")
    assert terrain.type[0] == mujoco.mjtGeom.mjGEOM_HFIELD
    field = m.hfield(terrain.dataid[0])
    assert (field.nrow[0], field.ncol[0]) == (33, 33)
    np.testing.assert_allclose(field.size, (3.0, 3.0, 0.8, 0.1))
    data = m.hfield_data.reshape(33, 33)
    np.testing.assert_allclose(data, bowl_elevation(33), atol=1e-6)
    assert np.unravel_index(np.argmin(data), data.shape) == (16, 16) and data[16, 16] == 0
    for line in (data[16, 16:], data[16, 16::-1], data[16:, 16], data[16::-1, 16]):
        assert np.all(np.diff(line) > 0)  # centre to rim
    diagonal = np.diag(data)[16:]  # centre to corner: rises, then flat beyond the rim
    assert np.all(np.diff(diagonal) >= 0) and diagonal[-1] == pytest.approx(1.0)
    assert data[16, 32] == pytest.approx(1.0) and data[0, 0] == pytest.approx(1.0)
    assert arena.surface_height(1.5, 0.0) == pytest.approx(0.8 * 0.25)


@pytest.mark.parametrize("xy", [(0.0, 0.0), (1.5, 1.0)], ids=["centre", "off_centre"])
def test_ball_dropped_into_bowl_stays_above_its_surface(xy):
    arena = Bowl(radius=3.0, depth=1.0, resolution=33)
    pos, vel = drop_ball(arena, (*xy, 1.5))
    surface = arena.surface_height(pos[0], pos[1])
    assert pos[2] >= surface + BALL_RADIUS - 0.01
    assert math.hypot(pos[0], pos[1]) < arena.radius
    if xy == (0.0, 0.0):
        assert pos[2] == pytest.approx(BALL_RADIUS, abs=5e-3)
        assert np.linalg.norm(vel) < 1e-2


# ---------------------------------------------------------------------------------- maze
def test_small_maze_merges_wall_runs():
    rows = [line.strip() for line in SMALL_MAZE.strip().splitlines()]
    assert wall_rectangles(rows) == [
        (0, 1, 0, 5),
        (1, 3, 0, 1),
        (1, 3, 4, 5),
        (2, 3, 2, 3),
        (3, 4, 0, 5),
    ]
    arena = Maze(SMALL_MAZE, cell_size=1.0)
    assert arena.model.names("geom") == ["floor"] + [f"wall_{i}" for i in range(5)]
    assert arena.spawn_positions == ((-1.0, 0.5),)
    assert arena.target_positions == ((1.0, -0.5),)
    assert arena.spawn_position == (-1.0, 0.5, 0.0)


@pytest.mark.parametrize("layout", [SMALL_MAZE, BIG_MAZE], ids=["small", "big"])
def test_maze_wall_boxes_cover_exactly_the_wall_cells(layout):
    arena = Maze(layout, cell_size=1.5, wall_height=0.8)
    m = arena.model.compile()
    boxes = [geom_extents(m, n) for n in arena.model.names("geom") if n.startswith("wall_")]
    walls = sum(row.count("*") for row in arena.rows)
    assert len(boxes) < walls
    for r, row in enumerate(arena.rows):
        for c, ch in enumerate(row):
            x, y = arena.cell_centre(r, c)
            inside = [b for b in boxes if np.all(b[0][:2] < (x, y)) and np.all((x, y) < b[1][:2])]
            assert len(inside) == (ch == "*"), (r, c, ch)
    for low, high in boxes:
        assert (low[2], high[2]) == pytest.approx((0.0, 0.8))
    floor = m.geom("floor")
    np.testing.assert_allclose(floor.size[:2], (len(arena.rows[0]) * 0.75, len(arena.rows) * 0.75))


def test_maze_targets_and_spawns_are_goal_and_spawn_cell_centres():
    arena = Maze(BIG_MAZE, cell_size=2.0)
    m = arena.model.compile()
    assert arena.spawn_positions == ((-6.0, 4.0), (6.0, -4.0))
    assert arena.target_positions == ((6.0, 0.0), (0.0, -4.0))
    for i, (x, y) in enumerate(arena.target_positions):
        np.testing.assert_allclose(m.site(f"target_{i}").pos[:2], (x, y))


def test_ball_rolled_along_a_maze_corridor_stops_at_the_wall():
    arena = Maze(SMALL_MAZE, cell_size=1.0)
    x, y = arena.spawn_positions[0]
    pos, _ = drop_ball(arena, (x, y, BALL_RADIUS), velocity=(4.0, 0.0, 0.0))
    assert pos[0] < 1.5 - BALL_RADIUS + 5e-3  # the border wall's inner face is at x = 1.5
    assert abs(pos[1] - y) < 0.5


# ---------------------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    "layout, message",
    [
        ("", "maze layout must be a non-empty string"),
        ("*****\n*P..*\n*.*G\n*****", r"row 2 has 4 columns but row 0 has 5: .*rectangular"),
        ("*****\n*P.x*\n*****", r"row 1, column 3 \(from 0, top left\): unknown character 'x'"),
        ("***\n*.*\n*G*", r"no spawn cell 'P'"),
    ],
)
def test_bad_maze_layouts(layout, message):
    with pytest.raises(ValueError, match=message):
        Maze(layout)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (
            {"platforms": (2.0, 1.0), "gaps": (0.5, 0.5)},
            r"2 platforms need 1 gaps between them, got 2",
        ),
        (
            {"platforms": (2.0, 1.0), "gaps": (-0.5,)},
            r"Corridor gaps\[0\] must be a positive number",
        ),
        ({"gaps": (0.5,)}, r"gaps need platforms="),
        ({}, r"give length, or platforms"),
        ({"length": 5.0, "platforms": (2.0, 1.0), "gaps": (0.5,)}, r"length 5.0 m differs from"),
        (
            {"platforms": (2.0, 1.0), "gaps": (0.5,), "walls": ((1.0, "left"),)},
            r"gaps or walls, not",
        ),
        ({"length": 5.0, "walls": ((6.0, "left"),)}, r"walls\[0\] at x = 6.0 m does not fit"),
        (
            {"length": 5.0, "walls": ((2.0, "up"),)},
            r"walls\[0\] = \(2.0, 'up'\): expected \(x, side\)",
        ),
        ({"length": 5.0, "walls": ((2.0, "left"), (2.1, "right"))}, r"walls\[1\] .* overlaps"),
        (
            {"length": 5.0, "walls": ((2.0, "left"),), "opening": 4.0},
            r"opening 4.0 m must be narrower",
        ),
        ({"length": 5.0, "width": 0}, r"Corridor width must be a positive number of metres, got 0"),
    ],
)
def test_bad_corridors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Corridor(**kwargs)


def test_bad_random_corridors_and_bowls_and_floors():
    with pytest.raises(ValueError, match=r"length 1.0 m is shorter than start_length 2.0 m"):
        Corridor.random_gaps(1.0, seed=0)
    with pytest.raises(ValueError, match=r"gap_range must be \(low, high\) with 0 < low <= high"):
        Corridor.random_gaps(10.0, seed=0, gap_range=(0.8, 0.3))
    with pytest.raises(ValueError, match=r"spacing_range must start above the wall thickness"):
        Corridor.random_walls(10.0, seed=0, spacing_range=(0.1, 1.0))
    with pytest.raises(ValueError, match=r"resolution must be an odd integer >= 3.*got 64"):
        Bowl(resolution=64)
    with pytest.raises(ValueError, match=r"Bowl depth must be a positive number of metres"):
        Bowl(depth=-1.0)
    with pytest.raises(ValueError, match=r"Floor size is \(half x, half y\)"):
        Floor(size=(1, 2, 3))
    with pytest.raises(ValueError, match=r"friction must be 1 to 3 numbers >= 0"):
        Floor(friction=(-1.0,))
    with pytest.raises(ValueError, match=r"Maze cell_size must be a positive number"):
        Maze(SMALL_MAZE, cell_size=float("nan"))
