"""Our MjSpec-built humanoid_CMU compiles to the same physics as dm_control's ``humanoid_CMU``."""

from __future__ import annotations

from dm_control import suite  # (a test dependency: fail loudly if missing)

from mjxcontrol.tasks.models import humanoid_CMU
from mjxcontrol.testing.model_equivalence import assert_looks_equivalent, assert_models_equivalent

# Looks beyond the cameras and lights (VIEW_FIELDS): materials and site colours.
LOOK_FIELDS = ("geom_matid", "site_rgba", "site_group")


def _reference_model():
    return suite.load("humanoid_CMU", "run").physics.model.ptr


def test_model_matches_dm_control():
    assert_models_equivalent(humanoid_CMU.spec().compile(), _reference_model())


def test_cameras_lights_and_looks_match_dm_control():
    assert_looks_equivalent(humanoid_CMU.spec().compile(), _reference_model(), LOOK_FIELDS)


def test_hinge_names_follow_the_model():
    model = humanoid_CMU.spec().compile()
    names = tuple(model.joint(i).name for i in range(1, model.njnt))
    assert names == humanoid_CMU.hinge_names()
