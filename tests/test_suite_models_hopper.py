"""Our MjSpec-built hopper compiles to the same physics as dm_control's hopper model."""

from __future__ import annotations

import pytest
from dm_control import suite  # noqa: E402  (a test dependency: fail loudly if missing)

from mjxcontrol.tasks.models import hopper
from mjxcontrol.testing.model_equivalence import assert_models_equivalent, assert_views_equivalent

pytestmark = pytest.mark.parity


@pytest.fixture(scope="module")
def models():
    return hopper.spec().compile(), suite.load("hopper", "hop").physics.model.ptr


def test_model_matches_dm_control(models):
    assert_models_equivalent(*models)


def test_cameras_and_lights_match_dm_control(models):
    ours, ref = models
    assert_views_equivalent(ours, ref)


def test_both_tasks_share_one_model():
    """stand and hop load the same XML; the task never edits the model."""
    stand = suite.load("hopper", "stand").physics.model.ptr
    assert_models_equivalent(hopper.spec().compile(), stand)
