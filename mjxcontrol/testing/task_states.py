"""What a dm_control env's reset wrote into its model for the episode (a target's place, say),
read as our task's ``task_state``, so that a one-step comparison gives both engines the same
episode: tests/parity and benchmarks/solver_sweep use the same readers.

Each reader takes a dm_control ``control.Environment`` after its reset and returns float arrays.
Tasks without one (:func:`for_task` gives ``None``) keep nothing per episode in the model that our
``task_state`` would carry, or (quadruped escape/fetch, point_mass/hard) need more than a reader:
their parity tests build it.
"""

from __future__ import annotations

import numpy as np

from mjxcontrol.testing.parity import TaskStateFn


def reacher_target(env) -> np.ndarray:
    """reacher: the target's ``[x, y]`` (m)."""
    return env.physics.named.model.geom_pos["target", :2].copy()


def manipulator_target_pose(env) -> np.ndarray:
    """manipulator: the target's pose ``[x, z, angle]`` (m, m, rad)."""
    name = "target_peg" if env.task._use_peg else "target_ball"  # noqa: SLF001
    model = env.physics.named.model
    x, z = model.body_pos[name][[0, 2]]
    qw, qy = model.body_quat[name][[0, 2]]
    return np.array([x, z, 2 * np.arctan2(qy, qw)], np.float32)


def stacker_target(env) -> np.ndarray:
    """stacker: the target's centre ``[x, z]`` (m)."""
    return env.physics.named.model.body_pos["target"][[0, 2]].astype(np.float32)


def finger_target(env) -> np.ndarray:
    """finger turn: the target site's position ``[x, y, z]`` (m)."""
    return env.physics.named.model.site_pos["target"].copy()


def fish_target(env) -> np.ndarray:
    """fish swim: the target's centre ``[x, y, z]`` (m)."""
    return env.physics.named.model.geom_pos["target"].astype(np.float32)


def swimmer_target(env) -> np.ndarray:
    """swimmer: the target's ``[x, y]`` (m)."""
    return env.physics.named.model.geom_pos["target", :2].astype(np.float32)


# Readers by domain, or by "domain/task" where only some of a domain's tasks keep a task state.
READERS: dict[str, TaskStateFn] = {
    "reacher": reacher_target,
    "manipulator": manipulator_target_pose,
    "stacker": stacker_target,
    "finger/turn_easy": finger_target,
    "finger/turn_hard": finger_target,
    "fish/swim": fish_target,
    "swimmer": swimmer_target,
}


def for_task(task_id: str) -> TaskStateFn | None:
    """The reader for ``task_id`` (``"domain/task"``), or None."""
    return READERS.get(task_id) or READERS.get(task_id.split("/")[0])
