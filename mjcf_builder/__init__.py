"""Host-side procedural model builder on ``mujoco.MjSpec`` (mujoco and numpy only, no JAX).

* :class:`Model`: create, find, attach (namescopes), detach and copy MJCF elements; read and write
  MJCF with its assets (:mod:`mjcf_builder.io`).
* :func:`check_mjx`: what an MJX implementation cannot run in a model, before compiling it there.
* :class:`Entity` / :class:`Arena` (:mod:`mjcf_builder.entity`, :mod:`mjcf_builder.arenas`):
  Composer-style parts with attachment sites, declared observables and initializers.
* :mod:`mjxcontrol.tasks.models` and :mod:`mjcf_builder.props`: procedural suite models and props.
"""

from mjcf_builder.errors import (
    AttributeTypeError,
    BuilderError,
    DuplicateNameError,
    MissingAssetError,
    MjcfError,
    NotFoundError,
    UnknownAttributeError,
    UnknownElementError,
)
from mjcf_builder.io import export, from_file, from_xml_string, from_zip, to_zip
from mjcf_builder.kinds import KINDS
from mjcf_builder.model import Model

__all__ = [
    "KINDS",
    "AttributeTypeError",
    "BuilderError",
    "DuplicateNameError",
    "MissingAssetError",
    "MjcfError",
    "Model",
    "NotFoundError",
    "UnknownAttributeError",
    "UnknownElementError",
    "export",
    "from_file",
    "from_xml_string",
    "from_zip",
    "to_zip",
]
