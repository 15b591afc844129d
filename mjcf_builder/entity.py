"""Composer-style entities: a model plus what a task needs to know about it, declared host-side.

An :class:`Entity` is a :class:`~mjcf_builder.model.Model` with

* **attachment sites** (any site of the model; :meth:`Entity.attach` puts a child there),
* **observables** (:class:`Observable`): a sensor, a named field of ``mjx.Data`` for one element,
  or a function, with optional Gaussian noise and a delay in control steps, and
* **initializers** (:class:`JointInitializer`, :class:`FreeBodyInitializer`): pose samplers.

Nothing here runs them: this package imports no JAX. ``mjxcontrol.composer`` turns an assembled
entity into a task whose jitted ``reset`` runs the initializers and whose jitted ``step`` computes
the observables, adds their noise and applies their delays. Attaching an entity under a prefix
prefixes every name its declarations refer to, so a declaration never has to know where its
entity ends up.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Sequence
from typing import Any

from mjcf_builder import look
from mjcf_builder.kinds import SEPARATOR
from mjcf_builder.model import Model

# mjx.Data fields an Observable may read, and the element kind that indexes each.
FIELD_KINDS = {
    "xpos": "body",
    "xquat": "body",
    "xmat": "body",
    "xipos": "body",
    "subtree_com": "body",
    "cvel": "body",
    "qpos": "joint",
    "qvel": "joint",
    "site_xpos": "site",
    "site_xmat": "site",
    "geom_xpos": "geom",
    "geom_xmat": "geom",
    "ctrl": "actuator",
    "act": "actuator",
}


@dataclasses.dataclass(frozen=True)
class Observable:
    """One observation an entity offers.

    Exactly one source: ``sensor`` (a sensor name), ``field`` + ``element`` (a field of
    ``mjx.Data`` from :data:`FIELD_KINDS` for the named element, e.g. ``("xpos", "torso")``), or
    ``fn(physics, data, scope) -> array``, a JAX function run inside the jitted step, where
    ``scope`` is the entity's namescope prefix (``""`` or ``"walker/"``) for looking names up.

    Attributes:
      name: observation key.
      noise_std: standard deviation of zero-mean Gaussian noise added each step (0: none).
      delay: control steps between measuring and observing (0: current).
    """

    name: str
    sensor: str | None = None
    field: str | None = None
    element: str | None = None
    fn: Callable[..., Any] | None = None
    noise_std: float = 0.0
    delay: int = 0
    scope: str = ""

    def __post_init__(self):
        sources = [self.sensor is not None, self.field is not None, self.fn is not None]
        if sum(sources) != 1:
            raise ValueError(f"observable {self.name!r}: give exactly one of sensor, field, fn")
        if self.field is not None:
            if self.field not in FIELD_KINDS:
                raise ValueError(
                    f"observable {self.name!r}: field {self.field!r} is not one of "
                    f"{sorted(FIELD_KINDS)}"
                )
            if not self.element:
                raise ValueError(f"observable {self.name!r}: field= needs element=")
        if not (math.isfinite(self.noise_std) and self.noise_std >= 0):
            raise ValueError(
                f"observable {self.name!r}: noise_std must be >= 0, got {self.noise_std}"
            )
        if isinstance(self.delay, bool) or not isinstance(self.delay, int) or self.delay < 0:
            raise ValueError(
                f"observable {self.name!r}: delay must be an int >= 0, got {self.delay!r}"
            )

    @property
    def kind(self) -> str | None:
        """Element kind that ``element`` names (``None`` for sensor and fn sources)."""
        return FIELD_KINDS.get(self.field) if self.field else None

    def scoped(self, prefix: str) -> Observable:
        """This declaration as seen from a parent that attached its entity under ``prefix``."""
        return dataclasses.replace(
            self,
            name=prefix + self.name,
            sensor=None if self.sensor is None else prefix + self.sensor,
            element=None if self.element is None else prefix + self.element,
            scope=prefix + self.scope,
        )


@dataclasses.dataclass(frozen=True)
class JointInitializer:
    """At reset, draws each listed hinge/slide joint's position uniformly in ``[low, high]``.

    ``low``/``high`` are scalars or one value per joint (radians or metres). ``None`` for both
    means each joint's own range (the joints must then be limited).
    """

    joints: tuple[str, ...]
    low: float | tuple[float, ...] | None = None
    high: float | tuple[float, ...] | None = None

    def __post_init__(self):
        object.__setattr__(self, "joints", tuple(self.joints))
        if (self.low is None) != (self.high is None):
            raise ValueError("JointInitializer: give both low and high, or neither")
        for bound in (self.low, self.high):
            if isinstance(bound, Sequence) and len(bound) != len(self.joints):
                raise ValueError(
                    f"JointInitializer: {len(bound)} bounds for {len(self.joints)} joints"
                )

    def scoped(self, prefix: str) -> JointInitializer:
        return dataclasses.replace(self, joints=tuple(prefix + j for j in self.joints))


@dataclasses.dataclass(frozen=True)
class FreeBodyInitializer:
    """At reset, places a free joint's body uniformly in a box, optionally with a random yaw.

    Attributes:
      joint: the free joint's name.
      low, high: corners of the box for the body's position (m, world frame).
      random_yaw: rotate about the world z axis by an angle drawn from U(-pi, pi).
    """

    joint: str
    low: tuple[float, float, float]
    high: tuple[float, float, float]
    random_yaw: bool = True

    def __post_init__(self):
        if len(self.low) != 3 or len(self.high) != 3:
            raise ValueError("FreeBodyInitializer: low and high are (x, y, z) positions")
        if any(lo > hi for lo, hi in zip(self.low, self.high, strict=True)):
            raise ValueError(f"FreeBodyInitializer: low {self.low} exceeds high {self.high}")

    def scoped(self, prefix: str) -> FreeBodyInitializer:
        return dataclasses.replace(self, joint=prefix + self.joint)


Initializer = JointInitializer | FreeBodyInitializer


class Entity:
    """A model with its observables and initializers (host-side; see module docstring).

    Args:
      model: the entity's model (an :class:`Model`, or a name for a new empty one).
    """

    def __init__(self, model: Model | str = "entity"):
        self.model = Model(model) if isinstance(model, str) else model
        self.observables: list[Observable] = []
        self.initializers: list[Initializer] = []
        self.children: dict[str, Entity] = {}

    @property
    def name(self) -> str:
        return self.model.name

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}({self.name!r}, {len(self.observables)} observables, "
            f"{len(self.initializers)} initializers, children={list(self.children)})"
        )

    def add_observable(self, name: str, **source: Any) -> Observable:
        """Declares an observable (see :class:`Observable` for the arguments)."""
        if any(o.name == name for o in self.observables):
            raise ValueError(f"{self.name!r} already has an observable named {name!r}")
        observable = Observable(name, **source)
        self._check_names(observable)
        self.observables.append(observable)
        return observable

    def add_initializer(self, initializer: Initializer) -> Initializer:
        """Declares a pose sampler run at every reset, in declaration order."""
        joints = (
            initializer.joints
            if isinstance(initializer, JointInitializer)
            else (initializer.joint,)
        )
        for joint in joints:
            self.model.find("joint", joint)
        self.initializers.append(initializer)
        return initializer

    def attachment_site(self, name: str):
        """The site ``name`` of this entity (where :meth:`attach` may put a child)."""
        return self.model.find("site", name)

    def attach(self, child: Entity | Model, prefix: str, **where: Any):
        """Attaches ``child`` under namescope ``prefix`` and adopts its declarations.

        Args:
          child: an entity (or bare model).
          prefix: its namescope.
          **where: ``site=``, ``body=``, ``free=``, ``pos=``, orientation (see
            :meth:`Model.attach`).

        Returns:
          What :meth:`Model.attach` returns (the frame, or the free body).
        """
        entity = child if isinstance(child, Entity) else Entity(child)
        scope = prefix if prefix.endswith(SEPARATOR) else prefix + SEPARATOR
        if scope in self.children:
            raise ValueError(f"{self.name!r} already has a child under {scope!r}")
        frame = self.model.attach(entity.model, scope, **where)
        self.children[scope] = entity
        self.observables += [o.scoped(scope) for o in entity.observables]
        self.initializers += [i.scoped(scope) for i in entity.initializers]
        return frame

    def _check_names(self, observable: Observable) -> None:
        if observable.sensor is not None:
            self.model.find("sensor", observable.sensor)
        if observable.element is not None:
            self.model.find(str(observable.kind), observable.element)


class Arena(Entity):
    """An entity that other entities are attached to: a world with a skybox and a light.

    Subclasses (see :mod:`mjcf_builder.arenas`) add floors, walls and terrain.
    """

    def __init__(self, name: str = "arena"):
        super().__init__(Model(name))
        look.apply(self.model.spec)  # the suite's skybox, grid and materials
