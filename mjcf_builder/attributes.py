"""Keyword attributes of MjSpec elements, set with MJCF-like conversions and clear errors.

MjSpec's own ``add_geom(type="box")`` fails with a pybind11 dump of every argument; here the same
call converts ``"box"`` to ``mjtGeom.mjGEOM_BOX`` and any value that cannot be converted raises one
error naming the element, the attribute, the value and the type it needs.

Conversions:
  * enum attributes take the enum, its integer, or its MJCF keyword (``type="capsule"``,
    ``limited=True`` / ``"auto"``);
  * vector attributes take a scalar or a shorter sequence that fills their leading entries
    (``size=0.1``, ``damping=0.5``) and leaves the rest at MuJoCo's defaults, as MJCF does, except
    poses and directions, which need every entry;
  * ``euler``, ``axisangle``, ``xyaxes`` and ``zaxis`` set the element's alternative orientation
    (radians, as MjSpec compiles by default).
"""

from __future__ import annotations

import difflib
import numbers
from typing import Any

import mujoco
import numpy as np

from mjcf_builder.errors import AttributeTypeError, UnknownAttributeError

ORIENTATION_KEYS = ("euler", "axisangle", "xyaxes", "zaxis")
_ORIENTATION_TYPES = {
    "euler": mujoco.mjtOrientation.mjORIENTATION_EULER,
    "axisangle": mujoco.mjtOrientation.mjORIENTATION_AXISANGLE,
    "xyaxes": mujoco.mjtOrientation.mjORIENTATION_XYAXES,
    "zaxis": mujoco.mjtOrientation.mjORIENTATION_ZAXIS,
}
_ORIENTATION_SIZES = {"euler": 3, "axisangle": 4, "xyaxes": 6, "zaxis": 3}
# Vector attributes that MJCF only accepts in full.
FULL_LENGTH = frozenset({"pos", "quat", "axis", "ipos", "iquat", "fromto", "gravity", "wind"})


def label(kind: str, element: Any) -> str:
    """``geom 'torso'`` or ``geom (unnamed)``: how errors refer to an element."""
    name = getattr(element, "name", "")
    return f"{kind} {name!r}" if name else f"{kind} (unnamed)"


def attribute_names(element: Any) -> list[str]:
    """The settable attribute names of an MjSpec element (plus orientation shorthands)."""
    names = [
        a
        for a in dir(element)
        if not a.startswith("_")
        and not callable(getattr(element, a))
        and a not in ("id", "signature")
    ]
    if hasattr(element, "alt"):
        names += list(ORIENTATION_KEYS)
    return sorted(names)


def set_attributes(kind: str, element: Any, attrs: dict[str, Any]) -> None:
    """Sets ``attrs`` on ``element`` (an ``Mjs*`` object of element kind ``kind``).

    Raises:
      UnknownAttributeError: an attribute the element does not have (with close names).
      AttributeTypeError: a value that cannot be converted to the attribute's type.
    """
    # The name first, so that errors about the other attributes can show it.
    for key, value in sorted(attrs.items(), key=lambda item: item[0] != "name"):
        if key in ORIENTATION_KEYS and hasattr(element, "alt"):
            _set_orientation(kind, element, key, value)
            continue
        known = attribute_names(element)
        if key not in known:
            close = difflib.get_close_matches(key, known, n=3)
            hint = f"; did you mean {' or '.join(map(repr, close))}?" if close else ""
            raise UnknownAttributeError(
                f"{label(kind, element)} has no attribute {key!r} (value {value!r}){hint} "
                f"Attributes of a {kind}: {', '.join(known)}"
            )
        current = getattr(element, key)
        converted = convert(kind, element, key, current, value)
        try:
            setattr(element, key, converted)
        except (TypeError, ValueError) as err:
            raise AttributeTypeError(
                f"{label(kind, element)}: attribute {key!r} cannot take {value!r} "
                f"(it holds {_describe(current)}): {err}"
            ) from None


def convert(kind: str, element: Any, key: str, current: Any, value: Any) -> Any:
    """Converts ``value`` to the type of ``current`` (the attribute's present value)."""

    def fail(expected: str) -> AttributeTypeError:
        return AttributeTypeError(
            f"{label(kind, element)}: attribute {key!r} cannot take {value!r}; expected {expected}"
        )

    if hasattr(type(current), "__members__"):
        return _convert_enum(type(current), value, fail)
    if isinstance(current, np.ndarray):
        return _convert_vector(key, current, value, fail)
    if isinstance(current, bool):
        if not isinstance(value, (bool, np.bool_)):
            raise fail("True or False")
        return bool(value)
    if isinstance(current, numbers.Integral):
        if isinstance(value, bool) or not isinstance(value, numbers.Integral):
            raise fail("an integer")
        return int(value)
    if isinstance(current, numbers.Real):
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise fail("a number")
        return float(value)
    if isinstance(current, str):
        if not isinstance(value, str):
            raise fail("a string")
        return value
    return value


def _convert_enum(enum_type: type, value: Any, fail) -> Any:
    members = enum_type.__members__
    if isinstance(value, enum_type):
        return value
    if enum_type is mujoco.mjtLimited and isinstance(value, (bool, np.bool_)):
        return mujoco.mjtLimited.mjLIMITED_TRUE if value else mujoco.mjtLimited.mjLIMITED_FALSE
    keywords = {  # mjGEOM_BOX -> "box"; counters such as mjNGEOMTYPES are not choices
        name.split("_", 1)[1].lower(): member for name, member in members.items() if "_" in name
    }
    if isinstance(value, str):
        member = keywords.get(value.lower()) or members.get(value)
        if member is None:
            raise fail(f"one of {sorted(keywords)}")
        return member
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        for member in members.values():
            if int(member) == int(value):
                return member
    raise fail(f"one of {sorted(keywords)} or a {enum_type.__name__}")


def _convert_vector(key: str, current: np.ndarray, value: Any, fail) -> np.ndarray:
    if isinstance(value, (str, bytes)):
        raise fail(f"{current.size} numbers")
    try:
        given = np.asarray(value, dtype=current.dtype).reshape(-1)
    except (TypeError, ValueError):
        raise fail(f"{current.size} numbers") from None
    if key in FULL_LENGTH and given.size != current.size:
        raise fail(f"exactly {current.size} numbers")
    if given.size > current.size:
        raise fail(f"at most {current.size} numbers")
    out = np.array(current)  # entries not given keep their defaults (a site's size is 0.005)
    out.reshape(-1)[: given.size] = given
    return out


def _set_orientation(kind: str, element: Any, key: str, value: Any) -> None:
    try:
        given = np.asarray(value, dtype=float).reshape(-1)
    except (TypeError, ValueError):
        given = None
    if given is None or given.size != _ORIENTATION_SIZES[key]:
        raise AttributeTypeError(
            f"{label(kind, element)}: attribute {key!r} cannot take {value!r}; "
            f"expected {_ORIENTATION_SIZES[key]} numbers"
        )
    element.alt.type = _ORIENTATION_TYPES[key]
    setattr(element.alt, key, given)


def _describe(value: Any) -> str:
    if isinstance(value, np.ndarray):
        return f"{value.size} numbers"
    return type(value).__name__
