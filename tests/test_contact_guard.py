"""The guards on MJX's contact caps (mjxcontrol.contact_guard): a cap that may have left out a
contact is flagged, in whichever substep it happened; a cull that lost nothing is not."""

import jax
import jax.numpy as jnp
import mujoco
import numpy as np
import pytest

import mjxcontrol
from mjxcontrol import contact_guard, profiles

# Free capsules of 0.3 m half-length and 5 cm radius (bounding spheres of 0.35 m: far larger than
# the capsules, so a pair can be near by bounding sphere and not touch) over a plane, and in
# zero gravity with the constraint solver off: collision only, positions as set, velocities kept.
CAPSULES = 5
_CAPSULE_XML = """
<mujoco>
  <option gravity="0 0 0" timestep=".01"><flag constraint="disable"/></option>
  <worldbody>
    <geom name="floor" type="plane" size="2 2 .1" pos="0 0 -2"/>
    {bodies}
  </worldbody>
</mujoco>
"""


def _model(geom: str, count: int, caps: dict) -> mujoco.MjModel:
    bodies = "".join(f'<body pos="{i} 0 0"><freejoint/>{geom}</body>' for i in range(count))
    spec = mujoco.MjSpec.from_string(_CAPSULE_XML.format(bodies=bodies))
    return profiles.apply(spec, caps)


def _touching(data) -> np.ndarray:
    """Touching contacts per env (MJX data batched over envs)."""
    contact = data._impl.contact
    return np.asarray(jnp.sum(contact.dist < contact.includemargin, axis=-1))


def test_a_pair_cull_that_may_have_skipped_a_touching_pair_is_flagged():
    """Random clusters of capsules, collided with every pair and with only the 2 nearest by
    bounding sphere: wherever the cull lost a touching contact, the guard flagged the state; it
    flagged only states where more pairs than kept were near; the plane's group is never culled."""
    caps = {"max_geom_pairs": 2}
    capsule = '<geom type="capsule" fromto="-.3 0 0 .3 0 0" size=".05"/>'
    culled = mjxcontrol.compile_physics(_model(capsule, CAPSULES, caps), guard_contact_cap=True)
    full = mjxcontrol.compile_physics(_model(capsule, CAPSULES, {}))
    guard = culled.guard
    assert guard is not None and guard.max_geom_pairs == 2
    assert [g.name for g in guard.pair_groups] == ["capsule-capsule, dim 3"]  # plane exempt
    assert len(guard.pair_groups[0].geom1) == CAPSULES * (CAPSULES - 1) // 2

    rng = np.random.default_rng(0)
    num = 512
    qpos = np.zeros((num, CAPSULES, 7), np.float32)
    qpos[..., :3] = rng.uniform(-0.7, 0.7, (num, CAPSULES, 3))  # a cluster 1.4 m across
    quat = rng.normal(size=(num, CAPSULES, 4))
    qpos[..., 3:] = quat / np.linalg.norm(quat, axis=-1, keepdims=True)
    qpos = jnp.asarray(qpos.reshape(num, -1))

    def collide(physics):
        def one(q):
            data = physics.forward(physics.model, physics.data0.replace(qpos=q))
            return data, physics.contacts_dropped(data)

        return jax.jit(jax.vmap(one))(qpos)

    (data_full, _), (data_culled, flagged) = collide(full), collide(culled)
    lost = _touching(data_culled) < _touching(data_full)
    near = np.asarray(
        contact_guard.near_pairs(
            guard.pair_groups[0], data_culled.geom_xpos, culled.model.geom_rbound
        )
    )
    flagged = np.asarray(flagged)
    assert lost.any() and (~flagged).any(), "the states must include both cases"
    assert not (lost & ~flagged).any(), "a cull that lost a touching contact went unflagged"
    assert (flagged == ((near > 2) | _runs_full(guard, data_culled))).all()


def _runs_full(guard, data) -> np.ndarray:
    contact = data._impl.contact
    touching = np.asarray(contact.dist < contact.includemargin)
    return np.any([touching[:, a:b].all(-1) for a, b in guard.contact_runs], axis=0)


@pytest.mark.parametrize("caps", [{"max_geom_pairs": 1}, {"max_contact_points": 1}])
def test_a_cap_that_binds_in_a_middle_substep_ends_the_step_as_a_physics_error(caps):
    """Three 10 cm spheres, the outer two flying apart from the middle one at 5 m/s: they
    overlap in the first substeps of a ten-substep control step and are apart at its end, where
    :meth:`Physics.contacts_dropped` looks. The substep whose capped collision may have dropped
    a contact makes the step's positions NaN (a physics error, as a diverged step); without the
    guard the step is finite."""
    sphere = '<geom type="sphere" size=".1"/>'
    mj_model = _model(sphere, 3, caps)
    stepped = {}
    for guard in (True, False):
        physics = mjxcontrol.compile_physics(
            mj_model, guard_contact_cap=guard, control_timestep=10 * mj_model.opt.timestep
        )
        qpos = np.zeros((3, 7), np.float32)
        qpos[:, 0], qpos[:, 3] = (-0.05, 0.0, 0.05), 1.0
        qvel = np.zeros((3, 6), np.float32)
        qvel[:, 0] = (-5.0, 0.0, 5.0)
        data = physics.data0.replace(qpos=jnp.asarray(qpos.ravel()), qvel=jnp.asarray(qvel.ravel()))
        data = jax.jit(physics.forward)(physics.model, data)
        out = jax.jit(physics.control_step)(physics.model, data)
        stepped[guard] = bool(jnp.all(jnp.isfinite(out.qpos)))
        if not guard:
            assert float(jnp.min(jnp.abs(out.qpos[7:8] - out.qpos[0:1]))) > 0.4  # apart at the end
            assert not bool(physics.contacts_dropped(out))
    assert stepped == {True: False, False: True}
