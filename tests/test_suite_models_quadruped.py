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

from mjxcontrol.tasks.models import quadruped, quadruped_terrain
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
TERRAIN_SHAPE = (quadruped.TERRAIN_SAMPLES, quadruped.TERRAIN_SAMPLES)
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


def test_escape_pool_model_matches_dm_control():
    """escape's pool model with one terrain is dm_control's escape model, but for the terrain's
    mocap body (so that MJX-Warp places it per env): compared with the terrain back on the world."""
    pool = quadruped_terrain.spec(1)
    assert pool.body(quadruped.TERRAIN_POOL_BODY).mocap
    ours = pool.compile()
    ref = _reference_model("escape")
    ours_world = quadruped.spec(**VARIANTS["escape"]).compile()
    assert ours.nbody == ref.nbody + 1 and ours.nmocap == ref.nmocap + 1
    terrain = ours.geom(quadruped.TERRAIN_NAME).id
    assert terrain == ref.geom("terrain").id, "the terrain keeps its place among the geoms"
    for field in (
        "geom_type",
        "geom_size",
        "geom_pos",
        "geom_contype",
        "geom_conaffinity",
        "geom_solref",
        "geom_solimp",
        "geom_friction",
        "geom_dataid",
        *EXTRA_FIELDS,
    ):
        np.testing.assert_allclose(
            getattr(ours, field), getattr(ours_world, field), atol=1e-8, err_msg=field
        )


def test_terrain_matches_dm_control_draw(gl_free):
    """From the same bump draws, our terrain equals the one dm_control's escape reset writes."""
    env = suite.load("quadruped", "escape", task_kwargs={"random": 7})
    for _ in range(2):
        draws = np.random.RandomState()
        draws.set_state(env.task.random.get_state())  # the bumps are the reset's first draw
        env.reset()
        bumps = draws.uniform(quadruped_terrain.SMOOTHNESS, 1, quadruped_terrain.bump_shape())
        np.testing.assert_allclose(
            env.physics.model.hfield_data.reshape(TERRAIN_SHAPE),
            quadruped_terrain.terrain(bumps),
            atol=1e-12,
        )


def test_terrain_pool_parks_all_but_terrain_zero():
    pool = quadruped_terrain.draw_terrains(3, seed=1)
    model = quadruped_terrain.model(pool)
    names = quadruped.terrain_names(3)
    ids = [model.geom(n).id for n in names]
    np.testing.assert_allclose(model.geom_pos[ids[0]], quadruped_terrain.home_pos())
    for i in ids[1:]:
        np.testing.assert_allclose(model.geom_pos[i], quadruped_terrain.parked_pos())
    for k, name in enumerate(names):
        field = model.hfield(name)
        data = model.hfield_data[field.adr[0] : field.adr[0] + pool[k].size]
        np.testing.assert_allclose(data.reshape(TERRAIN_SHAPE), pool[k], atol=1e-6)
    with pytest.raises(ValueError, match="terrains must be"):
        quadruped_terrain.model(pool[0])
