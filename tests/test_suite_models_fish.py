"""Our MjSpec-built fish compiles to the same physics as dm_control's model."""

from __future__ import annotations

import mujoco
import numpy as np
import pytest
from dm_control import suite  # noqa: E402  (a test dependency: fail loudly if missing)

from mjxcontrol.tasks.models import fish
from mjxcontrol.testing.model_equivalence import assert_models_equivalent, assert_views_equivalent

pytestmark = pytest.mark.parity


@pytest.fixture(scope="module")
def models():
    return fish.spec().compile(), suite.load("fish", "swim").physics.model.ptr


def test_model_matches_dm_control(models):
    assert_models_equivalent(*models)


def test_cameras_and_lights_match_dm_control(models):
    assert_views_equivalent(*models)


def test_only_the_massive_box_weighs_on_the_torso(models):
    ours, _ = models
    torso = ours.body("torso")
    box = np.prod(2 * np.asarray(ours.geom("torso_massive").size))
    np.testing.assert_allclose(torso.mass, fish.GEOM_DENSITY * box)


def test_servos_hold_their_set_points(models):
    ours, _ = models
    data = mujoco.MjData(ours)
    data.ctrl[:] = 0.5
    for _ in range(500):
        mujoco.mj_step(ours, data)
    assert np.all(np.isfinite(data.qpos))
    assert abs(data.joint("tail1").qpos[0]) > 0.05  # the tail servo moved the tail
