"""Procedural props: free boxes to stack, and snap-together Duplo-like bricks.

Every colliding geom here is a box, so every pair MJX's JAX implementation might have to collide
(box-box, box-plane, and box against the capsules and spheres of a robot) is one it implements.

**Why no cylinders collide.** MJX's JAX collision driver has no cylinder-box routine
(see :data:`mjcf_builder.check_mjx.JAX_COLLISION_PAIRS`), and a stud must touch the walls of the
brick stacked on it, which are boxes. Capsule studs would work pairwise, but at Duplo proportions
(stud radius > stud height) their domed tops would be all that sticks out, and a dome pressed
against a wall edge pushes the brick above up instead of holding it. So a stud collides as a square
box (half-width = the stud radius, faces touching the walls it fits against) and *looks* like a
cylinder: a non-colliding, massless cylinder drawn in group :data:`VISUAL_GROUP`, while the
collision box sits in the usually hidden group :data:`COLLISION_GROUP`.

**Brick layout** (``studs = (nx, ny)``, pitch ``p``, all in metres). The brick's frame lies on its
bottom face, under stud (0, 0); stud ``(i, j)`` stands at ``(i p, j p)``. Hence attaching a brick at
another brick's site ``stud_<i>_<j>`` puts its stud (0, 0) cell exactly over stud ``(i, j)``, on
the grid. The brick is

* a top plate covering ``nx p x ny p`` (less ``clearance`` all round, so neighbours do not touch);
* four walls below it, ``p / 2 - stud_radius - 2 clearance`` thick, so that the outer studs of a
  brick below fit inside with ``clearance`` to spare;
* a "tube" between every 2 x 2 group of studs: a square column turned 45 degrees, whose faces
  sit ``clearance`` from the four stud corners around it (Duplo's round tubes, squared like the
  studs);
* ``nx * ny`` studs on top, each a collision box ``stud_<i>_<j>`` plus a visual cylinder
  ``stud_<i>_<j>_visual``.

Sites: ``stud_<i>_<j>`` on the top face at the foot of each stud, ``top`` at the centre of the
top face, ``bottom`` at the centre of the bottom face. The brick's geoms and sites lie in its world
body, so ``Model.attach(brick, prefix)`` fixes it where it is attached, and
``Model.attach(brick, prefix, free=True)`` gives it a free joint. Brick mass is spread uniformly
over the colliding geoms.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np

from mjcf_builder.model import Model

# Duplo-like defaults: twice LEGO's 8 mm pitch and 9.6 mm plate height.
STUD_PITCH = 0.016
BRICK_HEIGHT = 0.0192  # bottom face to top face, studs excluded
STUD_RADIUS = 0.0047
STUD_HEIGHT = 0.0045
TOP_THICKNESS = 0.002
CLEARANCE = 1e-4  # play between mating faces
ABS_DENSITY = 1050.0  # kg/m^3, for a brick whose mass is not given (solid walls and studs)
FRICTION = 0.7
BRICK_RGBA = (0.8, 0.1, 0.1, 1.0)
BOX_RGBA = (0.7, 0.5, 0.3, 1.0)

VISUAL_GROUP = 2
COLLISION_GROUP = 3
TUBE_TURN = (0.0, 0.0, math.pi / 4)  # radians about z


def box_stack(
    n_boxes: int,
    half_size: float | Sequence[float] = 0.022,
    *,
    tower: bool = False,
    gap: float | None = None,
    mass: float | None = None,
    friction: float | Sequence[float] = FRICTION,
    rgba: Sequence[float] = BOX_RGBA,
) -> Model:
    """Free boxes to stack, each its own body ``box<k>`` with free joint ``box<k>_free``.

    Args:
      n_boxes: how many boxes.
      half_size: half-extent in metres, one number (a cube) or (x, y, z).
      tower: start stacked in a column on z = 0 (box 0 at the bottom); otherwise in a row along
        +x resting on z = 0, starting at the origin.
      gap: face-to-face spacing of the row in metres (default: half the box's x extent).
      mass: mass of each box in kg (default: from MuJoCo's default density, 1000 kg/m^3).
      friction: sliding friction, or (sliding, torsional, rolling).
      rgba: colour.

    Each box has a centre site ``box<k>`` and a site ``box<k>_top`` on its top face.

    Raises:
      ValueError: for a count below 1 or a size, gap, mass or friction out of range.
    """
    _check_count("n_boxes", n_boxes)
    half = _positive_vector("half_size", half_size, 3)
    gap = half[0] if gap is None else _number("gap", gap, minimum=0.0)
    mass_attr = {} if mass is None else {"mass": _number("mass", mass, minimum=0.0, strict=True)}
    friction = _friction(friction)
    model = Model(f"box_stack_{n_boxes}")
    for k in range(n_boxes):
        pos = (
            (0.0, 0.0, (2 * k + 1) * half[2]) if tower else (k * (2 * half[0] + gap), 0.0, half[2])
        )
        name = f"box{k}"
        body = model.add("body", name=name, pos=pos)
        model.add("freejoint", parent=body, name=f"{name}_free")
        model.add(
            "geom",
            parent=body,
            name=name,
            type="box",
            size=half,
            friction=friction,
            rgba=rgba,
            **mass_attr,
        )
        model.add("site", parent=body, name=name)
        model.add("site", parent=body, name=f"{name}_top", pos=(0.0, 0.0, half[2]))
    return model


def brick(
    studs: Sequence[int] = (2, 4),
    *,
    pitch: float = STUD_PITCH,
    height: float = BRICK_HEIGHT,
    stud_radius: float = STUD_RADIUS,
    stud_height: float = STUD_HEIGHT,
    top_thickness: float = TOP_THICKNESS,
    clearance: float = CLEARANCE,
    mass: float | None = None,
    friction: float | Sequence[float] = FRICTION,
    rgba: Sequence[float] = BRICK_RGBA,
) -> Model:
    """A Duplo-like brick with ``studs[0] x studs[1]`` studs (along x and y); see the module doc.

    Args:
      studs: stud counts along x and y, each >= 1.
      pitch: stud spacing in metres (also the brick's footprint per stud).
      height: bottom face to top face in metres, studs excluded.
      stud_radius: stud radius in metres.
      stud_height: how far studs rise above the top face, in metres.
      top_thickness: thickness of the top plate in metres.
      clearance: play between a stud and the walls/tubes it fits against, in metres.
      mass: brick mass in kg (default: solid ABS plastic, 1050 kg/m^3).
      friction: sliding friction, or (sliding, torsional, rolling).
      rgba: colour.

    Raises:
      ValueError: for stud counts below 1, non-positive dimensions, or dimensions that do not fit
        together (studs too wide for the pitch, a cavity too shallow for the studs).
    """
    layout = BrickLayout.of(
        studs, pitch, height, stud_radius, stud_height, top_thickness, clearance
    )
    friction = _friction(friction)
    boxes = layout.boxes()
    volume = sum(8.0 * float(np.prod(half)) for _, _, half, _ in boxes)
    if mass is None:
        density = ABS_DENSITY
    else:
        density = _number("mass", mass, minimum=0.0, strict=True) / volume
    nx, ny = layout.studs
    model = Model(f"brick_{nx}x{ny}")
    for name, pos, half, turned in boxes:
        extra: dict[str, Any] = {"euler": TUBE_TURN} if turned else {}
        if name.startswith("stud_"):
            extra["group"] = COLLISION_GROUP
        model.add(
            "geom",
            name=name,
            type="box",
            pos=pos,
            size=half,
            density=density,
            friction=friction,
            rgba=rgba,
            **extra,
        )
    for i, j in layout.stud_indices():
        x, y, z = layout.stud_centre(i, j)
        model.add(
            "geom",
            name=f"stud_{i}_{j}_visual",
            type="cylinder",
            pos=(x, y, z),
            size=(stud_radius, stud_height / 2),
            contype=0,
            conaffinity=0,
            density=0.0,
            group=VISUAL_GROUP,
            rgba=rgba,
        )
    for i, j in layout.stud_indices():
        model.add("site", name=f"stud_{i}_{j}", pos=layout.stud_site(i, j))
    cx, cy = layout.centre
    model.add("site", name="top", pos=(cx, cy, height))
    model.add("site", name="bottom", pos=(cx, cy, 0.0))
    return model


class BrickLayout:
    """Validated brick dimensions and the boxes they make (see :func:`brick` for the meaning)."""

    def __init__(self, studs, pitch, height, stud_radius, stud_height, top_thickness, clearance):
        self.studs = studs
        self.pitch, self.height = pitch, height
        self.stud_radius, self.stud_height = stud_radius, stud_height
        self.top_thickness, self.clearance = top_thickness, clearance

    @classmethod
    def of(
        cls, studs, pitch, height, stud_radius, stud_height, top_thickness, clearance
    ) -> BrickLayout:
        """Checks the parameters and returns the layout.

        Raises:
          ValueError: naming the parameter(s) at fault.
        """
        if isinstance(studs, (str, bytes)) or not isinstance(studs, Sequence) or len(studs) != 2:
            raise ValueError(f"studs must be two stud counts (along x, along y), got {studs!r}")
        for axis, count in zip("xy", studs, strict=True):
            _check_count(f"studs along {axis}", count)
        sizes = {
            "pitch": pitch,
            "height": height,
            "stud_radius": stud_radius,
            "stud_height": stud_height,
            "top_thickness": top_thickness,
        }
        for name, value in sizes.items():
            _number(name, value, minimum=0.0, strict=True)
        _number("clearance", clearance, minimum=0.0)
        if stud_radius + 2 * clearance >= pitch / 2:
            raise ValueError(
                f"stud_radius {stud_radius} + 2 * clearance {clearance} must be below half the "
                f"pitch ({pitch / 2}) to leave room for the walls between studs"
            )
        if top_thickness + stud_height + clearance >= height:
            raise ValueError(
                f"height {height} must exceed top_thickness {top_thickness} + stud_height "
                f"{stud_height} + clearance {clearance}: the studs of a brick below must fit in "
                f"the hollow underside"
            )
        return cls(
            (int(studs[0]), int(studs[1])),
            float(pitch),
            float(height),
            float(stud_radius),
            float(stud_height),
            float(top_thickness),
            float(clearance),
        )

    @property
    def centre(self) -> tuple[float, float]:
        """(x, y) of the brick's centre in its frame."""
        nx, ny = self.studs
        return ((nx - 1) * self.pitch / 2, (ny - 1) * self.pitch / 2)

    @property
    def wall_thickness(self) -> float:
        return self.pitch / 2 - self.stud_radius - 2 * self.clearance

    @property
    def tube_half_width(self) -> float:
        """Half-width of a 45-degree tube: the distance from its axis to the stud corners around
        it, less the clearance."""
        return (self.pitch / 2 - self.stud_radius) * math.sqrt(2) - self.clearance

    def stud_indices(self) -> list[tuple[int, int]]:
        nx, ny = self.studs
        return [(i, j) for i in range(nx) for j in range(ny)]

    def stud_site(self, i: int, j: int) -> tuple[float, float, float]:
        """Where stud (i, j) meets the top face."""
        return (i * self.pitch, j * self.pitch, self.height)

    def stud_centre(self, i: int, j: int) -> tuple[float, float, float]:
        return (i * self.pitch, j * self.pitch, self.height + self.stud_height / 2)

    def boxes(self) -> list[tuple[str, tuple, tuple, bool]]:
        """Every colliding box as (name, centre, half-sizes, turned 45 degrees about z)."""
        nx, ny = self.studs
        p, c, t = self.pitch, self.clearance, self.wall_thickness
        cx, cy = self.centre
        half_x, half_y = nx * p / 2 - c, ny * p / 2 - c
        cavity = self.height - self.top_thickness
        out = [
            (
                "top",
                (cx, cy, self.height - self.top_thickness / 2),
                (half_x, half_y, self.top_thickness / 2),
                False,
            )
        ]
        for name, sign in (("wall_neg_y", -1), ("wall_pos_y", 1)):  # full length along x
            out.append(
                (
                    name,
                    (cx, cy + sign * (half_y - t / 2), cavity / 2),
                    (half_x, t / 2, cavity / 2),
                    False,
                )
            )
        for name, sign in (("wall_neg_x", -1), ("wall_pos_x", 1)):  # between the long walls
            out.append(
                (
                    name,
                    (cx + sign * (half_x - t / 2), cy, cavity / 2),
                    (t / 2, half_y - t, cavity / 2),
                    False,
                )
            )
        tube = self.tube_half_width
        for i in range(nx - 1):
            for j in range(ny - 1):
                out.append(
                    (
                        f"tube_{i}_{j}",
                        ((i + 0.5) * p, (j + 0.5) * p, cavity / 2),
                        (tube, tube, cavity / 2),
                        True,
                    )
                )
        r = self.stud_radius
        for i, j in self.stud_indices():
            out.append(
                (f"stud_{i}_{j}", self.stud_centre(i, j), (r, r, self.stud_height / 2), False)
            )
        return out


def _check_count(name: str, value) -> None:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"{name} must be an integer >= 1, got {value!r}")


def _number(name: str, value, *, minimum: float, strict: bool = False) -> float:
    """``value`` as a finite float >= ``minimum`` (> with ``strict``), else ValueError."""
    bad = isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value)
    if bad or value < minimum or (strict and value == minimum):
        relation = ">" if strict else ">="
        raise ValueError(f"{name} must be a finite number {relation} {minimum}, got {value!r}")
    return float(value)


def _positive_vector(name: str, value, size: int) -> tuple[float, ...]:
    values = [value] * size if isinstance(value, numbers.Real) else list(value)
    if len(values) != size:
        raise ValueError(f"{name} must be one number or {size} numbers, got {value!r}")
    return tuple(_number(name, v, minimum=0.0, strict=True) for v in values)


def _friction(value) -> tuple[float, ...]:
    """Sliding friction, or 1 to 3 coefficients (sliding, torsional, rolling), all >= 0."""
    values = [value] if isinstance(value, numbers.Real) else list(value)
    if not 1 <= len(values) <= 3:
        raise ValueError(f"friction must be 1 to 3 numbers, got {value!r}")
    return tuple(_number("friction", v, minimum=0.0) for v in values)
