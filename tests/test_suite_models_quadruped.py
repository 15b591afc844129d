"""Our MjSpec-built quadruped variants compile to the same physics as dm_control's.

walk, run and fetch are compared with the model inside ``dm_control.suite.load``; escape's model is
compiled from dm_control's own ``make_model`` (loading the escape task needs an OpenGL context
in dm_control 1.0.50). Beyond the shared field list, the tendon equalities, the height field and
the rangefinders' settings are compared too.
"""

from __future__ import annotations

import numpy as np
import pytest
from dm_control import suite  # noqa: E402  (a test dependency: fail loudly if missing)

from mjxcontrol.tasks.models import quadruped
from mjxcontrol.testing.model_equivalence import assert_looks_equivalent, assert_models_equivalent

# dm_control task -> our spec() arguments (dm_control's make_model arguments for that task).
VARIANTS = {
    "walk": {"floor_size": 10},
    "run": {"floor_size": 100},
    "escape": {"floor_size": 40, "terrain": True, "rangefinders": True},
    "fetch": {"walls_and_ball": True},
}
# Physics arrays beyond model_equivalence's list: the tendon equalities, the height field and the
# rangefinders' settings.
EXTRA_FIELDS = (
    "eq_type",
    "eq_obj1id",
    "eq_obj2id",
    "eq_data",
    "eq_solref",
    "eq_solimp",
    "hfield_size",
    "hfield_nrow",
    "hfield_ncol",
    "hfield_data",
    "sensor_intprm",
    "geom_rbound",
)
# Looks: materials and colours (the rangefinders' rays are drawn in vis.rgba.rangefinder).
LOOK_FIELDS = ("geom_matid", "geom_rgba", "site_matid", "site_rgba", "site_group", "mat_texid")


def _reference_model(task: str):
    if task != "escape":
        return suite.load("quadruped", task).physics.model.ptr
    from dm_control import mujoco as dm_mujoco
    from dm_control.suite import common
    from dm_control.suite import quadruped as dm_quadruped

    xml = dm_quadruped.make_model(**VARIANTS["escape"])
    return dm_mujoco.Physics.from_xml_string(xml, common.ASSETS).model.ptr


@pytest.mark.parametrize("task", VARIANTS)
def test_model_matches_dm_control(task):
    ours, ref = quadruped.spec(**VARIANTS[task]).compile(), _reference_model(task)
    assert_models_equivalent(ours, ref)
    for field in EXTRA_FIELDS:
        np.testing.assert_allclose(
            getattr(ours, field), getattr(ref, field), atol=1e-8, err_msg=field
        )
    assert_looks_equivalent(ours, ref, LOOK_FIELDS)
    np.testing.assert_allclose(ours.tex_type, ref.tex_type)
    np.testing.assert_allclose(ours.vis.map.zfar, ref.vis.map.zfar)
    np.testing.assert_allclose(ours.vis.rgba.rangefinder, ref.vis.rgba.rangefinder)
