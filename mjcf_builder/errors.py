"""Errors raised by :mod:`mjcf_builder`; each names the element, attribute and value at fault.

All derive from :class:`BuilderError` (a ``ValueError``), so ``except ValueError`` still catches
them, and none leaks MuJoCo's pybind11 signature dumps.
"""

from __future__ import annotations


class BuilderError(ValueError):
    """Base class of every error raised by the builder."""


class UnknownElementError(BuilderError):
    """An element kind that the builder does not know (e.g. ``add("gem", ...)``)."""


class UnknownAttributeError(BuilderError):
    """An attribute that the element kind does not have."""


class AttributeTypeError(BuilderError):
    """A value that cannot be converted to the attribute's type."""


class DuplicateNameError(BuilderError):
    """A name already used by another element of the same kind."""


class MissingAssetError(BuilderError):
    """A file or named asset (mesh, texture, height field, material) that cannot be found."""


class NotFoundError(BuilderError, KeyError):
    """``find`` was asked for a name that no element of that kind has."""

    def __str__(self) -> str:  # KeyError would quote the message.
        return str(self.args[0]) if self.args else ""


class MjcfError(BuilderError):
    """Malformed MJCF text or a model that MuJoCo refuses to compile."""
