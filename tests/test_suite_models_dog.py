"""Our MjSpec-built dog compiles to the same physics as dm_control's ``dog``.

dm_control's bodies take their mass properties from bone meshes that never collide; ours states
them. The reference is therefore dm_control's own model with those mass properties frozen and
the bone geoms removed (the remaining 123 collision geoms keep their order), so that every other
field is compared as compiled.
"""

from __future__ import annotations

import mujoco
import numpy as np
import pytest
from dm_control.suite import dog as dm_dog  # (a test dependency: fail loudly if missing)

from mjxcontrol.tasks.models import dog
from mjxcontrol.testing.model_equivalence import assert_looks_equivalent, assert_models_equivalent

LOOK_FIELDS = ("geom_matid", "geom_group", "geom_rgba", "site_group", "jnt_group", "tendon_rgba")


def _reference(floor_size, ball):
    xml, assets = dm_dog.get_model_and_assets(floor_size=floor_size, remove_ball=not ball)
    compiled = mujoco.MjModel.from_xml_string(xml, assets)
    spec = mujoco.MjSpec.from_string(xml, assets)
    spec.compiler.meshdir = spec.compiler.texturedir = ""  # the assets are given by file name
    spec.assets = dict(assets)
    for body in spec.worldbody.find_all(mujoco.mjtObj.mjOBJ_BODY):
        b = compiled.body(body.name)
        body.explicitinertial = True
        body.mass, body.ipos, body.iquat, body.inertia = b.mass[0], b.ipos, b.iquat, b.inertia
    bones = [g for g in spec.worldbody.find_all(mujoco.mjtObj.mjOBJ_GEOM) if g.meshname]
    others = 7 if ball else 1  # the floor; the ball, target and 4 walls
    assert len(bones) == compiled.ngeom - len(dog.GEOMS) - others
    for geom in bones:
        spec.delete(geom)
    for mesh in spec.meshes:  # unused now; their files are not needed
        spec.delete(mesh)
    reduced = spec.compile()
    # Freezing must not have changed the mass properties.
    np.testing.assert_allclose(reduced.body_mass, compiled.body_mass, rtol=1e-12)
    return reduced


@pytest.mark.parametrize(("floor_size", "ball"), [(15, False), (10, True)])
def test_model_matches_dm_control(floor_size, ball):
    ours = dog.spec(floor_size, ball=ball).compile()
    reference = _reference(floor_size, ball)
    assert_models_equivalent(ours, reference)
    assert_looks_equivalent(ours, reference, LOOK_FIELDS)
    np.testing.assert_allclose(ours.geom_size[0], (floor_size, floor_size, 0.1))


def test_hinge_names_follow_the_model():
    model = dog.spec().compile()
    hinges = [model.joint(i).name for i in range(model.njnt) if model.jnt_type[i] == 3]
    assert tuple(hinges) == dog.hinge_names()
    assert len(hinges) == 73


def test_skin_is_optional():
    plain = dog.spec(ball=True, skin=False).compile()
    assert plain.nskin == 0 and plain.body("ball").id > 0
