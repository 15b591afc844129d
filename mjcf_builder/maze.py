"""A maze arena read from a text layout (see :class:`Maze`).

Facts (SI units): a plane ``floor`` under square cells ``cell_size`` wide (row 0 at +y, column 0
at -x). Wall cells become boxes ``wall_0``, ... ``wall_height`` tall: a run of walls in a row is one
box, merged with identical runs in the rows below. Goal cells carry sphere sites ``target_0``, ...
(reading order).
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Sequence

from mjcf_builder._ground import DEFAULT_FRICTION, _GroundArena, _positive

MAZE_WALL, MAZE_SPAWN, MAZE_GOAL = "*", "P", "G"
MAZE_CHARACTERS = {"*": "wall", ".": "floor", " ": "floor", "P": "spawn", "G": "goal"}
MAZE_CELL_SIZE = 2.0
MAZE_WALL_HEIGHT = 1.5
TARGET_RADIUS_FRACTION = 0.2  # target site radius / cell size


class Maze(_GroundArena):
    """A maze read from a text layout: ``*`` wall, ``.`` (or space) floor, ``P`` spawn, ``G`` goal.

    The layout is dedented and stripped of blank first and last lines; it must be rectangular, use
    only those characters and hold at least one ``P``. Cell (row r, column c), counted from 0 at
    the top left, is centred at x = (c + 1/2 - ncol/2) cell_size, y = (nrow/2 - r - 1/2) cell_size.

    Args:
      layout: the text.
      cell_size: side of a square cell (m).
      wall_height: height of the wall boxes (m).
      friction: see :class:`Floor`.
    """

    def __init__(
        self,
        layout: str,
        cell_size: float = MAZE_CELL_SIZE,
        wall_height: float = MAZE_WALL_HEIGHT,
        *,
        friction=DEFAULT_FRICTION,
        name: str = "maze",
    ):
        super().__init__(name, friction)
        self.rows = parse_maze(layout)
        self.cell_size = _positive("Maze cell_size", cell_size)
        self.wall_height = _positive("Maze wall_height", wall_height)
        size, half_h = self.cell_size, self.wall_height / 2
        self._plane("floor", (0, 0, 0), len(self.rows[0]) * size / 2, len(self.rows) * size / 2)
        for i, (r0, r1, c0, c1) in enumerate(wall_rectangles(self.rows)):
            x, y = self.cell_centre((r0 + r1 - 1) / 2, (c0 + c1 - 1) / 2)
            self._box(
                f"wall_{i}", (x, y, half_h), ((c1 - c0) * size / 2, (r1 - r0) * size / 2, half_h)
            )
        radius = TARGET_RADIUS_FRACTION * size
        for i, (x, y) in enumerate(self.target_positions):
            self.model.add(
                "site",
                name=f"target_{i}",
                type="sphere",
                pos=(x, y, radius),
                size=(radius, 0, 0),
                material="target",
            )
        self._light()

    def cell_centre(self, row: float, col: float) -> tuple[float, float]:
        """World (x, y) of the centre of cell (row, col) (m)."""
        nrow, ncol = len(self.rows), len(self.rows[0])
        return ((col + 0.5 - ncol / 2) * self.cell_size, (nrow / 2 - row - 0.5) * self.cell_size)

    def _cells(self, character: str) -> tuple[tuple[float, float], ...]:
        return tuple(
            self.cell_centre(r, c)
            for r, row in enumerate(self.rows)
            for c, ch in enumerate(row)
            if ch == character
        )

    @property
    def spawn_positions(self) -> tuple[tuple[float, float], ...]:
        """World (x, y) of every ``P`` cell's centre (m), in reading order."""
        return self._cells(MAZE_SPAWN)

    @property
    def target_positions(self) -> tuple[tuple[float, float], ...]:
        """World (x, y) of every ``G`` cell's centre (m), in reading order: site ``target_i``."""
        return self._cells(MAZE_GOAL)

    @property
    def spawn_position(self) -> tuple[float, float, float]:
        """The first spawn cell's centre, on the floor."""
        return (*self.spawn_positions[0], 0.0)


def parse_maze(layout: str) -> list[str]:
    """The rows of a maze layout, validated as :class:`Maze` says; raises ValueError."""
    if not isinstance(layout, str) or not layout.strip():
        raise ValueError(f"maze layout must be a non-empty string, got {layout!r}")
    rows = textwrap.dedent(layout).strip("\n").split("\n")
    known = ", ".join(f"{c!r} ({what})" for c, what in MAZE_CHARACTERS.items())
    for r, row in enumerate(rows):
        if len(row) != len(rows[0]):
            raise ValueError(
                f"maze layout row {r} has {len(row)} columns but row 0 has "
                f"{len(rows[0])}: the layout must be rectangular"
            )
        for c, ch in enumerate(row):
            if ch not in MAZE_CHARACTERS:
                raise ValueError(
                    f"maze layout row {r}, column {c} (from 0, top left): unknown "
                    f"character {ch!r}; use {known}"
                )
    if not any(MAZE_SPAWN in row for row in rows):
        raise ValueError(f"maze layout has no spawn cell {MAZE_SPAWN!r}")
    return rows


def wall_rectangles(rows: Sequence[str]) -> list[tuple[int, int, int, int]]:
    """Wall cells as few boxes ``(r0, r1, c0, c1)``, each covering rows r0..r1-1 and columns
    c0..c1-1: a run of walls in a row, merged down through the rows below that have exactly the
    same run. Sorted by (r0, c0)."""
    pattern = re.compile(re.escape(MAZE_WALL) + "+")
    rectangles, open_runs = [], {}  # (c0, c1) -> first row
    for r, row in enumerate([*rows, ""]):
        runs = [(m.start(), m.end()) for m in pattern.finditer(row)]
        rectangles += [(r0, r, *run) for run, r0 in open_runs.items() if run not in runs]
        open_runs = {run: open_runs.get(run, r) for run in runs}
    return sorted(rectangles, key=lambda rect: (rect[0], rect[2]))
