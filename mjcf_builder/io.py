"""Reading and writing models: MJCF text and files, and export with every asset file.

* :func:`from_xml_string` / :func:`from_file` / :func:`from_zip` parse MJCF into a
  :class:`~mjcf_builder.model.Model`; malformed text raises :class:`MjcfError` naming MuJoCo's
  reason (element and line).
* :func:`export` writes ``<dir>/<name>.xml`` plus each mesh, texture, height field and skin file
  next to it (from disk or from in-memory assets), with the XML rewritten to refer to them there;
  :func:`to_zip` does the same into one zip archive.
"""

from __future__ import annotations

import io as _io
import os
import pathlib
import tempfile
import zipfile
from collections.abc import Mapping

import mujoco

from mjcf_builder.errors import MissingAssetError, MjcfError
from mjcf_builder.model import Model

# Asset kinds that may load a file: kind -> (MjSpec list property, directory attribute).
FILE_ASSETS = {
    "mesh": ("meshes", "meshdir"),
    "texture": ("textures", "texturedir"),
    "hfield": ("hfields", "meshdir"),
    "skin": ("skins", "meshdir"),
}


def from_xml_string(xml: str, assets: Mapping[str, bytes] | None = None) -> Model:
    """Parses MJCF text. ``assets`` maps file names used in the XML to their bytes."""
    try:
        spec = mujoco.MjSpec.from_string(xml, assets=dict(assets or {}))
    except ValueError as err:
        raise MjcfError(f"malformed MJCF: {err}") from None
    return Model(spec=spec)


def from_file(path: str | os.PathLike, assets: Mapping[str, bytes] | None = None) -> Model:
    """Parses an MJCF file; relative asset paths resolve against its folder."""
    path = pathlib.Path(path)
    if not path.is_file():
        raise MissingAssetError(f"no MJCF file at {str(path)!r}")
    try:
        spec = mujoco.MjSpec.from_file(str(path), assets=dict(assets or {}))
    except ValueError as err:
        raise MjcfError(f"malformed MJCF in {str(path)!r}: {err}") from None
    return Model(spec=spec)


def from_zip(path: str | os.PathLike) -> Model:
    """Reads an archive written by :func:`to_zip` (one XML file at its root plus assets)."""
    with zipfile.ZipFile(path) as archive:
        xml_names = [n for n in archive.namelist() if n.endswith(".xml") and "/" not in n]
        if len(xml_names) != 1:
            raise MjcfError(f"{str(path)!r} must hold exactly one top-level .xml, has {xml_names}")
        assets = {n: archive.read(n) for n in archive.namelist() if n not in xml_names}
        return from_xml_string(archive.read(xml_names[0]).decode(), assets)


def asset_files(model: Model) -> list[tuple[str, object, bytes]]:
    """``(kind, element, bytes)`` for every asset element that loads a file.

    Raises:
      MissingAssetError: a file that is neither in the spec's in-memory assets nor on disk.
    """
    spec = model.spec
    out = []
    for kind, (plural, dir_attr) in FILE_ASSETS.items():
        for element in getattr(spec, plural):
            if not element.file:
                continue
            out.append((kind, element, _read_asset(model, kind, element, getattr(spec, dir_attr))))
    return out


def check_asset_files(model: Model) -> None:
    """Raises :class:`MissingAssetError` if any asset file cannot be found."""
    asset_files(model)


def export(model: Model, directory: str | os.PathLike, xml_name: str | None = None) -> pathlib.Path:
    """Writes the model and its asset files into ``directory`` (created if needed).

    Returns:
      The path of the written XML file; :func:`from_file` on it rebuilds the same model.
    """
    directory = pathlib.Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    copy = model.spec.copy()
    written: dict[str, bytes] = {}
    files = asset_files(model)
    for (_, element, data), twin in zip(files, _file_elements(copy), strict=True):
        name = _unique_name(pathlib.PurePath(element.file).name, data, written)
        written[name] = data
        (directory / name).write_bytes(data)
        twin.file = name
    copy.meshdir = copy.texturedir = ""
    copy.modelfiledir = str(directory)
    path = directory / (xml_name or f"{_safe(model.name)}.xml")
    try:
        copy.compile()
    except ValueError as err:
        raise MjcfError(f"model {model.name!r} does not compile: {err}") from None
    path.write_text(copy.to_xml())
    return path


def to_zip(model: Model, path: str | os.PathLike) -> pathlib.Path:
    """Writes :func:`export`'s files into one zip archive at ``path``."""
    path = pathlib.Path(path)
    with tempfile.TemporaryDirectory() as tmp:
        export(model, tmp)
        buffer = _io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for file in sorted(pathlib.Path(tmp).iterdir()):
                archive.write(file, file.name)
    path.write_bytes(buffer.getvalue())
    return path


def _file_elements(spec: mujoco.MjSpec) -> list[object]:
    return [e for plural, _ in FILE_ASSETS.values() for e in getattr(spec, plural) if e.file]


def _read_asset(model: Model, kind: str, element, asset_dir: str) -> bytes:
    spec = model.spec
    file = element.file
    if file in spec.assets:
        return bytes(spec.assets[file])
    candidates = [pathlib.Path(file)]
    if not candidates[0].is_absolute():
        base = pathlib.Path(spec.modelfiledir or ".")
        candidates = [base / asset_dir / file, base / file]
    for candidate in candidates:
        if candidate.is_file():
            return candidate.read_bytes()
    raise MissingAssetError(
        f"{kind} {element.name!r} of model {model.name!r}: file={file!r} not found "
        f"(looked in the in-memory assets and at {[str(c) for c in candidates]})"
    )


def _unique_name(name: str, data: bytes, written: dict[str, bytes]) -> str:
    stem, suffix = os.path.splitext(name)
    candidate, index = name, 1
    while candidate in written and written[candidate] != data:
        candidate = f"{stem}_{index}{suffix}"
        index += 1
    return candidate


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in name) or "model"
