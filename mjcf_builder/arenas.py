"""Ready arenas: a floor, corridors with gaps or walls, a height-field bowl and text mazes.

Facts (SI units: metres; world +z up). The surface an agent starts on is at z = 0 and every
arena's ``spawn_position`` is a point on it (add the agent's own height):

* :class:`Floor`: a grid plane ``floor`` with half-extents ``size``, centred at the origin.
* :class:`Corridor`: runs along +x from x = 0 to x = ``length``, ``width`` wide about y = 0. The
  surface is the top of box platforms ``platform_0``, ``platform_1``, ...; each is a solid block
  down to ``pit_floor``, a plane at z = -``pit_depth``, so a gap between platforms is a trench
  ``pit_depth`` deep, filled by a box *site* ``gap_i`` (a marker; sites never collide). Side walls
  ``side_wall_left`` (+y) and ``side_wall_right`` (-y) run the whole length from the pit floor to
  ``side_wall_height``. Obstacle walls ``wall_0``, ... are :data:`WALL_THICKNESS` thick boxes
  across the corridor, each attached to one side wall (``"left"``: +y, ``"right"``: -y), leaving a
  passage ``opening`` wide along the other.
* :class:`Bowl`: a height-field geom ``terrain`` (asset ``bowl``), the paraboloid
  z = depth (r / radius)^2 from z = 0 at the origin to z = depth at r = radius; the corners of its
  2 radius square stay at z = depth.
* :class:`Maze`: a plane ``floor`` under square cells ``cell_size`` wide read from a text layout
  (row 0 at +y, column 0 at -x). Wall cells become boxes ``wall_0``, ... ``wall_height`` tall: a
  run of walls in a row is one box, merged with identical runs in the rows below. Goal cells carry
  sphere sites ``target_0``, ... (reading order).

Each arena also has a directional top light ``light`` and a ``friction`` attribute applied to every
geom it made. The colliders are planes, boxes and a height field only, so sphere, capsule and box
agents collide with all of them under MJX's JAX impl (cylinders with the planes only).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from mjcf_builder._ground import (
    DEFAULT_FRICTION,
    _GroundArena,
    _positive,
    _range,
    _rng,
)
from mjcf_builder.maze import Maze, parse_maze, wall_rectangles

FLOOR_SIZE = (8.0, 8.0)
CORRIDOR_WIDTH = 4.0
PIT_DEPTH = 2.0
SIDE_WALL_HEIGHT = 2.0
SIDE_WALL_THICKNESS = 0.2
WALL_THICKNESS = 0.2
WALL_HEIGHT = 2.0
WALL_OPENING = 1.5
WALL_SIDES = {"left": 1.0, "right": -1.0}  # side -> sign of the y it is attached at
START_LENGTH = 2.0
PLATFORM_RANGE = (1.0, 2.5)
GAP_RANGE = (0.3, 0.8)
WALL_SPACING_RANGE = (3.0, 5.0)
GAP_RGBA = (0.6, 0.2, 0.2, 0.2)

BOWL_RADIUS = 5.0
BOWL_DEPTH = 1.0
BOWL_RESOLUTION = 65
BOWL_BASE = 0.1  # hfield size[3]: thickness of the solid below the lowest point


class Floor(_GroundArena):
    """A flat grid plane ``floor`` and a top light.

    Args:
      size: (x, y) half-extents of the rendered plane (m); it collides as an infinite plane.
      friction: (sliding, torsional, rolling) friction, or its leading entries.
    """

    def __init__(
        self, size: Sequence[float] = FLOOR_SIZE, *, friction=DEFAULT_FRICTION, name: str = "floor"
    ):
        super().__init__(name, friction)
        if not isinstance(size, Sequence) or len(size) != 2:
            raise ValueError(f"Floor size is (half x, half y) in metres, got {size!r}")
        self.size = tuple(_positive(f"Floor size[{i}]", s) for i, s in enumerate(size))
        self._plane("floor", (0, 0, 0), *self.size)
        self._light()


class Corridor(_GroundArena):
    """A straight corridor along +x: platforms separated by gaps, or a floor with walls across.

    Give ``platforms`` (and ``gaps``, one fewer) for a gap corridor, ``length`` and ``walls`` for
    a walled one, ``length`` alone for an empty one; :meth:`random_gaps` and :meth:`random_walls`
    draw either layout from a seed, as dm_control's locomotion corridors do.

    Args:
      length: corridor length (m); the sum of ``platforms`` and ``gaps`` when they are given.
      width: distance between the side walls (m).
      platforms, gaps: platform and gap lengths (m) from x = 0 on; gap i follows platform i.
      walls: ``(x, side)`` pairs: a wall's centre along the corridor (m, increasing) and the side
        wall it is attached to, ``"left"`` (+y) or ``"right"`` (-y).
      opening: width of the passage each wall leaves (m).
      wall_height, side_wall_height: heights above the surface (m).
      pit_depth: depth of the pit floor below the surface (m).
      friction: see :class:`Floor`.
    """

    def __init__(
        self,
        length: float | None = None,
        width: float = CORRIDOR_WIDTH,
        *,
        platforms: Sequence[float] | None = None,
        gaps: Sequence[float] = (),
        walls: Sequence[tuple[float, str]] = (),
        opening: float = WALL_OPENING,
        wall_height: float = WALL_HEIGHT,
        side_wall_height: float = SIDE_WALL_HEIGHT,
        pit_depth: float = PIT_DEPTH,
        friction=DEFAULT_FRICTION,
        name: str = "corridor",
    ):
        super().__init__(name, friction)
        self.width = _positive("Corridor width", width)
        self.pit_depth = _positive("Corridor pit_depth", pit_depth)
        self.side_wall_height = _positive("Corridor side_wall_height", side_wall_height)
        self.wall_height = _positive("Corridor wall_height", wall_height)
        self.opening = _positive("Corridor opening", opening)
        self.platforms, self.gaps = _check_platforms(length, platforms, gaps)
        self.length = sum(self.platforms) + sum(self.gaps)
        if walls and self.gaps:
            raise ValueError("Corridor: give gaps or walls, not both")
        if walls and self.opening >= self.width:
            raise ValueError(
                f"Corridor opening {self.opening} m must be narrower than the width {self.width} m"
            )
        self.walls = _check_walls(walls, self.length)
        self._build()

    @classmethod
    def random_gaps(
        cls,
        length: float,
        seed=None,
        *,
        platform_range=PLATFORM_RANGE,
        gap_range=GAP_RANGE,
        start_length: float = START_LENGTH,
        **kwargs,
    ) -> Corridor:
        """A gap corridor whose platform and gap lengths are drawn uniformly from the ranges (m).

        The first platform is ``start_length`` long and the last fills up to ``length`` (a last
        gap that would leave less than ``platform_range[0]`` is dropped). ``seed``: an int, None
        or a ``numpy.random.RandomState``. Other arguments go to the constructor.
        """
        rng, (lo_p, hi_p) = _rng(seed), _range("platform_range", platform_range)
        lo_g, hi_g = _range("gap_range", gap_range)
        x = _positive("Corridor start_length", start_length)
        if _positive("Corridor length", length) < x:
            raise ValueError(f"Corridor length {length} m is shorter than start_length {x} m")
        platforms, gaps = [x], []
        while True:
            gap, platform = rng.uniform(lo_g, hi_g), rng.uniform(lo_p, hi_p)
            if x + gap + platform >= length:
                if length - x - gap >= lo_p:
                    gaps.append(gap)
                    platforms.append(length - x - gap)
                else:
                    platforms[-1] += length - x
                return cls(platforms=platforms, gaps=gaps, **kwargs)
            gaps.append(gap)
            platforms.append(platform)
            x += gap + platform

    @classmethod
    def random_walls(
        cls,
        length: float,
        seed=None,
        *,
        spacing_range=WALL_SPACING_RANGE,
        start_length: float = START_LENGTH,
        alternate: bool = False,
        **kwargs,
    ) -> Corridor:
        """A walled corridor: the first wall begins ``start_length`` from x = 0, each next one a
        distance drawn uniformly from ``spacing_range`` (m) further on. Sides are drawn at random,
        or alternate from a random first one. ``seed`` as in :meth:`random_gaps`."""
        rng, (lo, hi) = _rng(seed), _range("spacing_range", spacing_range)
        if lo <= WALL_THICKNESS:
            raise ValueError(
                f"spacing_range must start above the wall thickness "
                f"{WALL_THICKNESS} m, got {spacing_range!r}"
            )
        length = _positive("Corridor length", length)
        x = _positive("Corridor start_length", start_length) + WALL_THICKNESS / 2
        sides, side, walls = list(WALL_SIDES), int(rng.randint(2)), []
        while x + WALL_THICKNESS / 2 <= length:
            walls.append((x, sides[side]))
            side = 1 - side if alternate else int(rng.randint(2))
            x += rng.uniform(lo, hi)
        return cls(length, walls=walls, **kwargs)

    @property
    def platform_edges(self) -> tuple[tuple[float, float], ...]:
        """(start, end) x of each platform (m)."""
        starts = np.concatenate([[0.0], np.cumsum(np.add(self.platforms[:-1], self.gaps))])
        return tuple((float(s), float(s) + p) for s, p in zip(starts, self.platforms, strict=True))

    @property
    def gap_edges(self) -> tuple[tuple[float, float], ...]:
        """(start, end) x of each gap (m)."""
        edges = self.platform_edges
        return tuple((a[1], b[0]) for a, b in zip(edges[:-1], edges[1:], strict=True))

    @property
    def spawn_position(self) -> tuple[float, float, float]:
        """Centre of the stretch before the first gap or wall, on the surface."""
        clear = self.walls[0][0] - WALL_THICKNESS / 2 if self.walls else self.platforms[0]
        return (clear / 2, 0.0, 0.0)

    def _build(self) -> None:
        length, half_w, pit = self.length, self.width / 2, self.pit_depth
        self._plane("pit_floor", (length / 2, 0, -pit), length / 2 + self.width, half_w)
        for i, (start, end) in enumerate(self.platform_edges):
            self._box(
                f"platform_{i}",
                ((start + end) / 2, 0, -pit / 2),
                ((end - start) / 2, half_w, pit / 2),
                "grid",
            )
        for i, (start, end) in enumerate(self.gap_edges):
            self.model.add(
                "site",
                name=f"gap_{i}",
                type="box",
                rgba=GAP_RGBA,
                pos=((start + end) / 2, 0, -pit / 2),
                size=((end - start) / 2, half_w, pit / 2),
            )
        half_z = (self.side_wall_height + pit) / 2
        for side, sign in WALL_SIDES.items():
            self._box(
                f"side_wall_{side}",
                (length / 2, sign * (half_w + SIDE_WALL_THICKNESS / 2), half_z - pit),
                (length / 2, SIDE_WALL_THICKNESS / 2, half_z),
            )
        for i, (x, side) in enumerate(self.walls):
            self._box(
                f"wall_{i}",
                (x, WALL_SIDES[side] * self.opening / 2, self.wall_height / 2),
                (WALL_THICKNESS / 2, half_w - self.opening / 2, self.wall_height / 2),
            )
        self._light(length / 2)


def _check_platforms(length, platforms, gaps) -> tuple[tuple[float, ...], tuple[float, ...]]:
    if platforms is None:
        if gaps:
            raise ValueError("Corridor: gaps need platforms=(lengths...), one more than gaps")
        if length is None:
            raise ValueError("Corridor: give length, or platforms (and gaps)")
        return (_positive("Corridor length", length),), ()
    platforms = tuple(_positive(f"Corridor platforms[{i}]", p) for i, p in enumerate(platforms))
    gaps = tuple(_positive(f"Corridor gaps[{i}]", g) for i, g in enumerate(gaps))
    if len(platforms) != len(gaps) + 1:
        raise ValueError(
            f"Corridor: {len(platforms)} platforms need {len(platforms) - 1} gaps "
            f"between them, got {len(gaps)}"
        )
    total = sum(platforms) + sum(gaps)
    if length is not None and not math.isclose(length, total, abs_tol=1e-9):
        raise ValueError(
            f"Corridor length {length} m differs from the {total} m of platforms and gaps"
        )
    return platforms, gaps


def _check_walls(walls, length: float) -> tuple[tuple[float, str], ...]:
    checked, half = [], WALL_THICKNESS / 2
    for i, wall in enumerate(walls):
        if not (
            isinstance(wall, Sequence)
            and len(wall) == 2
            and wall[1] in WALL_SIDES
            and isinstance(wall[0], (int, float, np.number))
        ):
            raise ValueError(
                f"Corridor walls[{i}] = {wall!r}: expected (x, side) with side one "
                f"of {sorted(WALL_SIDES)}"
            )
        x = float(wall[0])
        if not half <= x <= length - half:
            raise ValueError(
                f"Corridor walls[{i}] at x = {x} m does not fit in the corridor: "
                f"x must lie in [{half}, {length - half}] m"
            )
        if checked and x - checked[-1][0] < WALL_THICKNESS:
            raise ValueError(
                f"Corridor walls[{i}] at x = {x} m overlaps or precedes the wall "
                f"before it (x must grow by at least {WALL_THICKNESS} m)"
            )
        checked.append((x, wall[1]))
    return tuple(checked)


class Bowl(_GroundArena):
    """A height-field bowl ``terrain``: z = depth (r / radius)^2, flat at z = depth beyond.

    Args:
      radius: rim radius (m); the height field covers [-radius, radius]^2.
      depth: rim height above the lowest point (m).
      resolution: vertices per side; odd, so that one lies at the centre.
      friction: see :class:`Floor`.
    """

    def __init__(
        self,
        radius: float = BOWL_RADIUS,
        depth: float = BOWL_DEPTH,
        resolution: int = BOWL_RESOLUTION,
        *,
        friction=DEFAULT_FRICTION,
        name: str = "bowl",
    ):
        super().__init__(name, friction)
        self.radius = _positive("Bowl radius", radius)
        self.depth = _positive("Bowl depth", depth)
        if (
            isinstance(resolution, bool)
            or not isinstance(resolution, (int, np.integer))
            or resolution < 3
            or resolution % 2 == 0
        ):
            raise ValueError(
                f"Bowl resolution must be an odd integer >= 3 (a vertex at the "
                f"centre), got {resolution!r}"
            )
        self.resolution = int(resolution)
        self.model.add(
            "hfield",
            name="bowl",
            nrow=self.resolution,
            ncol=self.resolution,
            size=(self.radius, self.radius, self.depth, BOWL_BASE),
            userdata=bowl_elevation(self.resolution).ravel().tolist(),
        )
        self._geom("terrain", type="hfield", hfieldname="bowl", material="grid")
        self._light()

    def surface_height(self, x: float, y: float) -> float:
        """Height of the ideal paraboloid at (x, y) (m); the height field interpolates it
        linearly between vertices, so it lies slightly above it between them."""
        return self.depth * min(math.hypot(x, y) / self.radius, 1.0) ** 2


def bowl_elevation(resolution: int) -> np.ndarray:
    """(resolution, resolution) elevations as fractions of the depth, in [0, 1].

    Row i lies at y = radius (2 i / (resolution - 1) - 1) and column j likewise in x: MuJoCo's
    order for an hfield's data, which it rescales to [0, 1] (these values already span it)."""
    coords = np.linspace(-1.0, 1.0, resolution)
    x, y = np.meshgrid(coords, coords)
    return np.minimum(np.hypot(x, y), 1.0) ** 2


__all__ = ["Bowl", "Corridor", "Floor", "Maze", "bowl_elevation", "parse_maze", "wall_rectangles"]
