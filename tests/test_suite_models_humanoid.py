"""Our MjSpec-built humanoid compiles to the same physics as dm_control's ``humanoid`` model."""

from __future__ import annotations

from dm_control import suite  # (a test dependency: fail loudly if missing)

from mjxcontrol.tasks.models import humanoid
from mjxcontrol.testing.model_equivalence import assert_looks_equivalent, assert_models_equivalent

# Looks beyond the cameras and lights (VIEW_FIELDS): materials and site colours.
LOOK_FIELDS = ("geom_matid", "site_rgba", "site_group")


def _reference_model():
    return suite.load("humanoid", "run").physics.model.ptr


def test_model_matches_dm_control():
    assert_models_equivalent(humanoid.spec().compile(), _reference_model())


def test_cameras_lights_and_looks_match_dm_control():
    assert_looks_equivalent(humanoid.spec().compile(), _reference_model(), LOOK_FIELDS)
