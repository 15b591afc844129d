"""mjcf_builder.io: XML round trips, export with asset files, zip archives, malformed input."""

from __future__ import annotations

import struct
import zipfile
import zlib

import numpy as np
import pytest

from mjcf_builder import MissingAssetError, MjcfError, Model, from_file, from_xml_string, from_zip
from mjxcontrol.tasks.models import cartpole
from mjxcontrol.testing.model_equivalence import assert_models_equivalent

# A unit tetrahedron (Wavefront OBJ), a 2x2 RGB texture (PNG) and a 3x3 height field (MuJoCo's
# binary format: int32 nrow, int32 ncol, float32 elevations).
TETRAHEDRON_OBJ = b"v 0 0 0\nv 1 0 0\nv 0 1 0\nv 0 0 1\nf 1 3 2\nf 1 2 4\nf 1 4 3\nf 2 3 4\n"
HFIELD = struct.pack("<ii", 3, 3) + np.linspace(0, 1, 9, dtype="<f4").tobytes()


def _png(width: int, height: int) -> bytes:
    """A minimal 8-bit RGB PNG (checker of two colours)."""
    rows = b"".join(
        b"\x00" + b"".join(bytes((255 * ((x + y) % 2), 64, 128)) for x in range(width))
        for y in range(height)
    )

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def model_with_assets(tmp_path) -> Model:
    """A model using a mesh (on disk), a texture (on disk, in a subfolder) and a height field
    (in-memory asset)."""
    (tmp_path / "meshes").mkdir(parents=True)
    (tmp_path / "meshes" / "tet.obj").write_bytes(TETRAHEDRON_OBJ)
    (tmp_path / "checker.png").write_bytes(_png(2, 2))
    model = Model("assets")
    model.spec.modelfiledir = str(tmp_path)
    model.spec.meshdir = "meshes"
    model.spec.assets = {"bumps.bin": HFIELD}
    model.add("mesh", name="tet", file="tet.obj")
    model.add("texture", name="checker", type="2d", file="checker.png")
    model.add("hfield", name="bumps", file="bumps.bin", size=(1, 1, 0.2, 0.1))
    model.add("geom", name="terrain", type="hfield", hfieldname="bumps")
    body = model.add("body", name="rock", pos=(0, 0, 1))
    model.add("freejoint", parent=body, name="rock")
    model.add("geom", parent=body, name="rock", type="mesh", meshname="tet")
    return model


def test_cartpole_round_trips_through_xml():
    built = Model(spec=cartpole.spec(2))
    parsed = from_xml_string(built.to_xml_string())
    assert_models_equivalent(parsed.compile(), built.compile())


def test_export_writes_every_asset_and_recompiles_from_the_folder(tmp_path):
    model = model_with_assets(tmp_path / "src")
    out = tmp_path / "out"
    xml_path = model.export(out)
    assert sorted(p.name for p in out.iterdir()) == sorted(
        ["assets.xml", "tet.obj", "checker.png", "bumps.bin"]
    )
    assert (out / "tet.obj").read_bytes() == TETRAHEDRON_OBJ
    assert (out / "bumps.bin").read_bytes() == HFIELD
    reloaded = from_file(xml_path).compile()
    original = model.compile()
    assert_models_equivalent(reloaded, original)
    np.testing.assert_allclose(reloaded.mesh_vert, original.mesh_vert)
    np.testing.assert_allclose(reloaded.hfield_data, original.hfield_data)
    np.testing.assert_array_equal(reloaded.tex_data, original.tex_data)


def test_zip_round_trip(tmp_path):
    model = model_with_assets(tmp_path / "src")
    archive = model.to_zip(tmp_path / "model.zip")
    with zipfile.ZipFile(archive) as z:
        assert sorted(z.namelist()) == sorted(["assets.xml", "tet.obj", "checker.png", "bumps.bin"])
    assert_models_equivalent(from_zip(archive).compile(), model.compile())


def test_malformed_mjcf_names_the_cause():
    with pytest.raises(MjcfError, match=r"malformed MJCF: .*unrecognized attribute: 'sise'"):
        from_xml_string("<mujoco><worldbody><geom sise='1'/></worldbody></mujoco>")
    with pytest.raises(MjcfError, match=r"malformed MJCF"):
        from_xml_string("<mujoco><worldbody><geom size='1'></worldbody>")


def test_missing_files_are_named(tmp_path):
    with pytest.raises(MissingAssetError, match="no MJCF file at"):
        from_file(tmp_path / "nothing.xml")
    model = model_with_assets(tmp_path / "src")
    (tmp_path / "src" / "meshes" / "tet.obj").unlink()
    with pytest.raises(MissingAssetError, match=r"mesh 'tet' of model 'assets': file='tet.obj'"):
        model.export(tmp_path / "out")
