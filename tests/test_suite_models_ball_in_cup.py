"""Our MjSpec-built ball in cup compiles to the same physics as dm_control's model."""

from __future__ import annotations

import numpy as np
import pytest
from dm_control import suite  # noqa: E402  (a test dependency: fail loudly if missing)

from mjxcontrol.tasks.models import ball_in_cup
from mjxcontrol.testing.model_equivalence import assert_models_equivalent, assert_views_equivalent

pytestmark = pytest.mark.parity


@pytest.fixture(scope="module")
def models():
    return ball_in_cup.spec().compile(), suite.load("ball_in_cup", "catch").physics.model.ptr


def test_model_matches_dm_control(models):
    assert_models_equivalent(*models)


def test_string_is_drawn_as_dm_control_draws_it(models):
    ours, ref = models
    np.testing.assert_allclose(ours.tendon_width, ref.tendon_width, atol=1e-12)


def test_cameras_and_lights_match_dm_control(models):
    ours, ref = models
    assert_views_equivalent(ours, ref)
