"""Corridor: the suite's planar walker running along a corridor with gaps, built with mjcf_builder.

Not a Control Suite task: the example of a task assembled purely by composition (an arena from
:mod:`mjcf_builder.arenas`, the walker attached as an :class:`~mjcf_builder.entity.Entity` with
declared observables and initializers) and run by :mod:`mjxcontrol.composer`.

Observation (``OrderedDict``, float32), keys namescoped by the attachment:
  * ``walker/orientations`` (14,): ``[xx, xz]`` of each walker body's world rotation, as in
    ``walker/*``;
  * ``walker/height`` (): torso height above the corridor's surface (m);
  * ``walker/velocity`` (9,): the walker's joint velocities (root slides and hinge, then legs).

Action (6,) in [-1, 1]: the walker's hip, knee and ankle motors, right leg then left.

Reward: ``walker/walk``'s formula at ``RUN_SPEED``: ``stand * (5 * move + 1) / 6`` with
``stand = (3 * standing + upright) / 4``, ``standing = tolerance(torso_z, (1.2, inf), margin
0.6)``, ``upright = (1 + torso_zz) / 2`` and ``move = tolerance(v_x, (s, inf), margin s / 2,
linear, value_at_margin 0.5)`` with ``v_x`` the centre-of-mass velocity along the corridor.

Termination: the torso falls below ``FALL_HEIGHT`` (into a gap): ``terminated``, discount 0.
Episodes are truncated after 25 s (1000 steps of 0.025 s, 10 physics steps each).

Reset: each leg joint ~ U(its range) (the torso stays upright), on the first platform.

The layout is fixed when the model is built (an MJX model compiles once): platforms of
``PLATFORMS`` metres separated by gaps of ``GAPS`` metres. The side walls and the pit floor are
removed: the walker is planar and cannot reach the walls, an episode ends before the walker could
reach the pit floor, and each would add seven collision pairs to every physics step.
"""

from __future__ import annotations

from mjcf_builder.arenas import Corridor
from mjcf_builder.entity import Entity, JointInitializer
from mjcf_builder.model import Model
from mjxcontrol.composer import ComposedTask
from mjxcontrol.registry import register
from mjxcontrol.tasks import walker as walker_task
from mjxcontrol.tasks.models import walker as walker_model

PREFIX = "walker/"
LEG_JOINTS = tuple(f"{side}_{j}" for side in ("right", "left") for j in ("hip", "knee", "ankle"))

PLATFORMS = (4.0, 3.0, 30.0)  # m
GAPS = (0.5, 0.6)  # m
FALL_HEIGHT = -0.3  # m: the torso is in a gap below this
RUN_SPEED = 3.0  # m/s
TIME_LIMIT = 25.0  # s
CONTROL_TIMESTEP = 0.025  # s


def walker_entity() -> Entity:
    """The suite's walker without its floor and skybox, with its observables and initializer."""
    model = Model(spec=walker_model.spec())
    model.spec.delete(model.find("geom", "floor"))
    model.spec.delete(model.find("texture", "skybox"))
    walker = Entity(model)
    walker.add_observable("orientations", fn=walker_task.orientations)
    walker.add_observable("height", fn=walker_task.torso_height)
    walker.add_observable("velocity", fn=lambda physics, data, scope: data.qvel)
    walker.add_initializer(JointInitializer(LEG_JOINTS))
    return walker


def build() -> Corridor:
    """The gap corridor with the walker attached at its spawn point."""
    arena = Corridor(platforms=PLATFORMS, gaps=GAPS, name="walker corridor")
    for geom in ("side_wall_left", "side_wall_right", "pit_floor"):
        arena.model.spec.delete(arena.model.find("geom", geom))
    arena.model.spec.option.timestep = walker_model.TIMESTEP
    x, y, z = arena.spawn_position
    arena.attach(walker_entity(), PREFIX, pos=(x, y, z))
    return arena


def _run_reward(physics, data):
    return walker_task.walker_reward(physics, data, RUN_SPEED, prefix=PREFIX)


def _fell(physics, data):
    return data.xpos[physics.names.id("body", PREFIX + "torso"), 2] < FALL_HEIGHT


@register("walker_gaps")
def walker_gaps(**overrides) -> ComposedTask:
    return ComposedTask(
        **{
            "build": build,
            "reward_fn": _run_reward,
            "terminated_fn": _fell,
            "time_limit": TIME_LIMIT,
            "control_timestep": CONTROL_TIMESTEP,
            **overrides,
        }
    )
