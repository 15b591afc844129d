"""The base of the ready arenas: a ground that remembers its geoms (for friction), and checks.

Shared by :mod:`mjcf_builder.arenas` and :mod:`mjcf_builder.maze`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from mjcf_builder.entity import Arena

DEFAULT_FRICTION = (1.0, 0.005, 0.0001)  # MuJoCo's (sliding, torsional, rolling) default
LIGHT_HEIGHT = 10.0
GRID_SPACING = 0.25  # a plane's size[2]: spacing of its rendered grid lines


class _GroundArena(Arena):
    """An arena that remembers the geoms it made, so that their friction can be changed."""

    def __init__(self, name: str, friction):
        super().__init__(name)
        self._friction = _friction(friction)
        self._geom_names: list[str] = []

    @property
    def friction(self) -> tuple[float, float, float]:
        """(sliding, torsional, rolling) friction of every geom this arena made."""
        return self._friction

    @friction.setter
    def friction(self, value) -> None:
        self._friction = _friction(value)
        for name in self._geom_names:
            self.model.find("geom", name).friction = self._friction

    @property
    def spawn_position(self) -> tuple[float, float, float]:
        """Where an agent starts (m): a point on the surface."""
        return (0.0, 0.0, 0.0)

    def _geom(self, name: str, **attrs):
        self._geom_names.append(name)
        return self.model.add("geom", name=name, friction=self._friction, **attrs)

    def _box(self, name: str, pos, half_size, material: str = "decoration"):
        return self._geom(name, type="box", pos=pos, size=half_size, material=material)

    def _plane(self, name: str, pos, half_x: float, half_y: float):
        return self._geom(
            name, type="plane", pos=pos, size=(half_x, half_y, GRID_SPACING), material="grid"
        )

    def _light(self, x: float = 0.0) -> None:
        self.model.add(
            "light", name="light", pos=(x, 0, LIGHT_HEIGHT), dir=(0, 0, -1), type="directional"
        )


def _positive(what: str, value) -> float:
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float, np.number))
        or not math.isfinite(value)
        or value <= 0
    ):
        raise ValueError(f"{what} must be a positive number of metres, got {value!r}")
    return float(value)


def _range(what: str, bounds) -> tuple[float, float]:
    if not (
        isinstance(bounds, Sequence)
        and len(bounds) == 2
        and 0 < _positive(what, bounds[0]) <= _positive(what, bounds[1])
    ):
        raise ValueError(f"{what} must be (low, high) with 0 < low <= high, got {bounds!r}")
    return float(bounds[0]), float(bounds[1])


def _friction(value) -> tuple[float, float, float]:
    try:
        given = np.atleast_1d(np.asarray(value, dtype=float))
    except (TypeError, ValueError):
        given = np.array([np.nan])
    if (
        given.ndim != 1
        or not 1 <= given.size <= 3
        or not np.all(np.isfinite(given))
        or np.any(given < 0)
    ):
        raise ValueError(
            f"friction must be 1 to 3 numbers >= 0 (sliding, torsional, rolling), got {value!r}"
        )
    full = [float(f) for f in (*given, *DEFAULT_FRICTION[given.size :])]
    return full[0], full[1], full[2]


def _rng(seed) -> np.random.RandomState:
    return seed if isinstance(seed, np.random.RandomState) else np.random.RandomState(seed)
