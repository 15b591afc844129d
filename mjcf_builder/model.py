"""``Model``: an MJCF model under construction, a thin checked layer over ``mujoco.MjSpec``.

Elements are created by kind with keyword attributes, found by (namescoped) name, and whole models
are attached into one another under a prefix, as dm_control's PyMJCF does, but the tree is MuJoCo's
own ``MjSpec``, so the result compiles straight into ``mujoco.MjModel`` and then MJX::

    arm = Model("arm")
    upper = arm.add("body", name="upper", pos=(0, 0, 1))
    arm.add("joint", parent=upper, name="shoulder", type="hinge", axis=(0, 1, 0))
    arm.add("geom", parent=upper, type="capsule", fromto=(0, 0, 0, 0, 0, 0.5), size=0.04)
    arm.add("actuator", name="shoulder", target="shoulder", trntype="joint", gear=10)
    scene = Model("scene")
    scene.attach(arm, prefix="left")           # names become "left/upper", "left/shoulder", ...
    scene.find("joint", "left/shoulder")

The spec is always reachable as ``model.spec`` for anything this layer does not wrap. File I/O
(``from_file``, ``export``, ``to_zip``) lives in :mod:`mjcf_builder.io`.
"""

from __future__ import annotations

import contextlib
import difflib
from collections import Counter
from collections.abc import Sequence
from typing import Any

import mujoco

from mjcf_builder import attributes
from mjcf_builder.errors import (
    DuplicateNameError,
    MissingAssetError,
    MjcfError,
    NotFoundError,
    UnknownElementError,
)
from mjcf_builder.kinds import (
    ASSET_REFERENCES,
    BODY_KINDS,
    KINDS,
    LOOKUP_KIND,
    PLURAL,
    SEPARATOR,
    SPEC_KINDS,
)


class Model:
    """An MJCF model being built. Wraps (and owns) one ``mujoco.MjSpec``.

    A new model measures angles in radians (``compiler.degree = False``).

    Args:
      name: the model name (``<mujoco model=...>``); ignored when ``spec`` is given.
      spec: an existing spec to wrap (e.g. from :func:`mjcf_builder.io.from_xml_string`).
    """

    def __init__(self, name: str = "model", spec: mujoco.MjSpec | None = None):
        self.spec = mujoco.MjSpec() if spec is None else spec
        if spec is None:
            self.spec.modelname = name
            # Angles (joint ranges, euler) in radians, as MuJoCo and JAX use them; a parsed
            # MJCF keeps its own <compiler angle=...>.
            self.spec.compiler.degree = False
        # Attaching copies the child, so the child stays usable (and re-attachable) afterwards.
        self.spec.copy_during_attach = True

    @property
    def name(self) -> str:
        return self.spec.modelname

    @property
    def worldbody(self) -> mujoco.MjsBody:
        return self.spec.worldbody

    def __repr__(self) -> str:
        counts = ", ".join(f"{len(getattr(self.spec, PLURAL[k]))} {k}" for k in ("body", "geom"))
        return f"Model({self.name!r}: {counts})"

    # ----------------------------------------------------------------------------- elements
    def add(self, kind: str, parent: str | mujoco.MjsBody | None = None, **attrs: Any) -> Any:
        """Creates an element of ``kind`` and sets its attributes.

        Args:
          kind: one of :data:`KINDS` (``"body"``, ``"geom"``, ``"actuator"``, ...).
          parent: for body-level kinds, the parent body (object or name; default the world
            body). Must be omitted for spec-level kinds such as actuators and assets.
          **attrs: MjSpec attribute names with MJCF-like values (see :mod:`.attributes`).

        Returns:
          The new ``Mjs*`` element (e.g. ``mujoco.MjsGeom``).

        Raises:
          UnknownElementError, UnknownAttributeError, AttributeTypeError, DuplicateNameError.
        """
        if kind in BODY_KINDS:
            owner = self._body(parent)
            method = BODY_KINDS[kind]
        elif kind in SPEC_KINDS:
            if parent is not None:
                raise UnknownElementError(
                    f"a {kind} belongs to the model, not to a body: drop parent="
                )
            owner, method = self.spec, SPEC_KINDS[kind]
        else:
            raise UnknownElementError(f"unknown element kind {kind!r}{_suggest(kind, KINDS)}")
        name = attrs.get("name")
        if name and kind != "frame" and self.lookup(LOOKUP_KIND.get(kind, kind), name) is not None:
            raise DuplicateNameError(
                f"a {kind} named {name!r} already exists in model {self.name!r}"
            )
        element = getattr(owner, method)()
        try:
            attributes.set_attributes(kind, element, attrs)
        except Exception:
            self.spec.delete(element)  # leave the model as it was
            raise
        return element

    def lookup(self, kind: str, name: str) -> Any | None:
        """The element of ``kind`` named ``name``, or ``None`` (see :meth:`find`)."""
        if kind not in PLURAL:
            raise UnknownElementError(
                f"unknown element kind {kind!r}{_suggest(kind, tuple(PLURAL))}"
            )
        if kind == "body" and name == "world":
            return self.spec.worldbody
        for element in getattr(self.spec, PLURAL[kind]):
            if element.name == name:
                return element
        return None

    def find(self, kind: str, name: str) -> Any:
        """The element of ``kind`` with the full (namescoped) ``name``, e.g. ``"walker/torso"``.

        Raises:
          NotFoundError: no such element; the message lists close names.
        """
        element = self.lookup(kind, name)
        if element is None:
            raise NotFoundError(
                f"model {self.name!r} has no {kind} named {name!r}"
                f"{_suggest(name, self.names(kind))}"
            )
        return element

    def find_all(self, kind: str, scope: str = "") -> list[Any]:
        """Every element of ``kind`` in model order (optionally only under ``scope``)."""
        if kind not in PLURAL:
            raise UnknownElementError(
                f"unknown element kind {kind!r}{_suggest(kind, tuple(PLURAL))}"
            )
        elements = list(getattr(self.spec, PLURAL[kind]))
        if scope:
            prefix = _as_prefix(scope)
            elements = [e for e in elements if e.name.startswith(prefix)]
        return elements

    def names(self, kind: str, scope: str = "") -> list[str]:
        """Names of :meth:`find_all`'s elements (unnamed ones left out)."""
        return [e.name for e in self.find_all(kind, scope) if e.name]

    # --------------------------------------------------------------------------- composition
    def attach(
        self,
        child: Model,
        prefix: str,
        *,
        site: str | None = None,
        body: str | None = None,
        free: bool = False,
        pos: Sequence[float] = (0.0, 0.0, 0.0),
        **orientation: Any,
    ) -> mujoco.MjsBody | mujoco.MjsFrame:
        """Copies ``child`` into this model under the namescope ``prefix``.

        Every named element of the child (bodies, joints, actuators, sensors, assets, defaults)
        gets the name ``"<prefix>/<name>"``. The child is unchanged and may be attached again.

        Args:
          child: the model to attach.
          prefix: its namescope (a trailing ``/`` is added if missing).
          site: attach at this site of ours (its frame); mutually exclusive with ``body``.
          body: attach inside this body of ours (default the world body).
          free: put the child on a free joint ``"<prefix>/free"`` (dm_control's
            ``add_free_entity``). The joint goes in the child's single root body, or, for a
            prop whose geoms sit in its world body, in a new body named ``"<prefix>/"``.
          pos: offset of the attachment frame in the parent's frame.
          **orientation: ``quat``, ``euler``, ``axisangle``, ``xyaxes`` or ``zaxis`` of the frame.

        Returns:
          The attachment frame (or, with ``free=True``, the body carrying the free joint).
        """
        prefix = _as_prefix(prefix)
        # Every check runs before the first change, so a failed attach leaves the model as it was.
        if site is not None and body is not None:
            raise ValueError("attach at a site or in a body, not both")
        roots = list(child.worldbody.bodies)
        loose = list(child.worldbody.geoms)
        if free and not loose and (len(roots) != 1 or list(roots[0].joints)):
            detail = (
                f"{len(roots)} root bodies"
                if len(roots) != 1
                else f"its root body {roots[0].name!r} already has joints"
            )
            raise ValueError(
                f"free attachment of {child.name!r} needs geoms in its world body or exactly one "
                f"root body without joints; {detail}"
            )
        new_names = [(kind, prefix + n) for kind in PLURAL for n in child.names(kind)]
        if free:
            new_names.append(("joint", prefix + "free"))
            if loose:
                new_names.append(("body", prefix))
        clashes = [f"{kind} {name!r}" for kind, name in new_names if self.lookup(kind, name)]
        repeated = {name for (_, name), count in Counter(new_names).items() if count > 1}
        if clashes or repeated:
            listed = clashes + [f"{n!r} (twice in the attached model)" for n in sorted(repeated)]
            raise DuplicateNameError(
                f"attaching {child.name!r} with prefix {prefix!r} would repeat "
                f"{', '.join(listed[:5])}"
            )
        if site is not None:
            anchor = self.find("site", site)
            parent = self.find("body", anchor.parent.name) if anchor.parent.name else self.worldbody
            pose = {"pos": anchor.pos, "quat": anchor.quat}
            extra = {"pos": pos, **orientation}
        else:
            parent = self._body(body)
            pose, extra = {"pos": pos, **orientation}, {}
        created = []  # elements to delete again if something unforeseen fails below
        try:
            carrier = parent
            if free and loose:  # a prop whose geoms sit in its world body: give them a body
                carrier = self.add("body", parent=parent, name=prefix, **pose)
                created.append(carrier)
                pose = {}
            frame = self.add("frame", parent=carrier, **pose)
            created.append(frame)
            if extra:  # a site's pose composed with the requested offset
                frame = self.add("frame", parent=frame, **extra)
            self.spec.attach(child.spec, prefix=prefix, frame=frame)
            if not free:
                return frame
            if carrier is parent:
                carrier = self.find("body", prefix + roots[0].name)
            self.add("freejoint", parent=carrier, name=prefix + "free")
            return carrier
        except Exception:
            self._undo_attach(prefix, created)
            raise

    def _undo_attach(self, prefix: str, created: list) -> None:
        """Removes what a failed :meth:`attach` added (best effort, then re-raises upstream)."""
        if any(b.name.startswith(prefix) for b in self.spec.bodies):
            self.detach(prefix)
        for element in reversed(created):
            with contextlib.suppress(Exception):  # already gone with a detached subtree
                self.spec.delete(element)

    def detach(self, prefix: str) -> None:
        """Removes everything attached under namescope ``prefix`` (bodies, and the actuators,
        sensors, assets and defaults named in it)."""
        prefix = _as_prefix(prefix)
        roots = [
            b
            for b in self.spec.bodies
            if b.name.startswith(prefix) and not b.parent.name.startswith(prefix)
        ]
        if not roots:
            raise NotFoundError(f"model {self.name!r} has nothing attached under {prefix!r}")
        for root in roots:
            self.spec.delete(root)
        for kind in (
            "actuator",
            "sensor",
            "tendon",
            "equality",
            "exclude",
            "pair",
            "material",
            "texture",
            "mesh",
            "hfield",
            "numeric",
            "text",
            "tuple",
            "key",
        ):
            for element in self.find_all(kind, prefix):
                self.spec.delete(element)

    def copy(self) -> Model:
        """An independent deep copy."""
        return Model(spec=self.spec.copy())

    # ------------------------------------------------------------------------------ compiling
    def check_assets(self) -> None:
        """Raises :class:`MissingAssetError` for a reference to an asset the model lacks."""
        for kind, attribute, asset_kind in ASSET_REFERENCES:
            for element in self.find_all(kind):
                ref = getattr(element, attribute)
                if ref and self.lookup(asset_kind, ref) is None:
                    raise MissingAssetError(
                        f"{attributes.label(kind, element)}: {attribute}={ref!r} names no "
                        f"{asset_kind}"
                        f" of model {self.name!r}{_suggest(ref, self.names(asset_kind))}"
                    )
        from mjcf_builder import io  # io imports this module

        io.check_asset_files(self)

    def compile(self) -> mujoco.MjModel:
        """Compiles to a ``mujoco.MjModel``; MuJoCo's refusals become :class:`MjcfError`."""
        self.check_assets()
        try:
            return self.spec.compile()
        except ValueError as err:
            raise MjcfError(f"model {self.name!r} does not compile: {err}") from None

    def to_xml_string(self) -> str:
        """The model as MJCF text (compiles first, as MjSpec requires)."""
        self.compile()
        return self.spec.to_xml()

    # ------------------------------------------------------------------- files (see io.py)
    @staticmethod
    def from_xml_string(xml: str, assets: dict[str, bytes] | None = None) -> Model:
        """Parses MJCF text (:func:`mjcf_builder.io.from_xml_string`)."""
        from mjcf_builder import io

        return io.from_xml_string(xml, assets)

    @staticmethod
    def from_file(path, assets: dict[str, bytes] | None = None) -> Model:
        """Parses an MJCF file (:func:`mjcf_builder.io.from_file`)."""
        from mjcf_builder import io

        return io.from_file(path, assets)

    def export(self, directory, xml_name: str | None = None):
        """Writes the XML and its asset files into ``directory`` (see :func:`.io.export`)."""
        from mjcf_builder import io

        return io.export(self, directory, xml_name)

    def to_zip(self, path):
        """Writes the XML and its assets into a zip archive (:func:`mjcf_builder.io.to_zip`)."""
        from mjcf_builder import io

        return io.to_zip(self, path)

    # -------------------------------------------------------------------------------- helpers
    def _body(self, body: str | mujoco.MjsBody | None) -> mujoco.MjsBody:
        if body is None:
            return self.spec.worldbody
        if isinstance(body, str):
            return self.find("body", body)
        return body


def _as_prefix(prefix: str) -> str:
    if not prefix or prefix == SEPARATOR:
        raise ValueError(f"a namescope prefix must be a non-empty name, got {prefix!r}")
    return prefix if prefix.endswith(SEPARATOR) else prefix + SEPARATOR


def _suggest(name: str, choices) -> str:
    close = difflib.get_close_matches(name, list(choices), n=3)
    return f"; did you mean {' or '.join(map(repr, close))}?" if close else ""
