"""The guards on MJX's contact caps (mjxcontrol.contact_guard): a geom-pair cull that could lose
a contact collides every pair instead; a full contact cap is flagged, in whichever substep."""

import jax
import jax.numpy as jnp
import mujoco
import numpy as np

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


def test_a_pair_cull_falls_back_to_every_pair_where_it_could_lose_a_contact():
    """Random clusters of capsules. MJX's plain cull to the 2 nearest pairs by bounding sphere
    loses touching contacts on some; the guarded cull (the exact profile's) never does: batched,
    a batch with no env near (more than 2 pairs within their bounding spheres) is culled and one
    with any is collided whole; unbatched, each state takes its own branch. The plane's group is
    never culled."""
    caps = {"max_geom_pairs": 2}
    capsule = '<geom type="capsule" fromto="-.3 0 0 .3 0 0" size=".05"/>'
    mj_model = _model(capsule, CAPSULES, caps)
    guarded = mjxcontrol.compile_physics(mj_model, guard_contact_cap=True)
    plain = mjxcontrol.compile_physics(mj_model)
    full = mjxcontrol.compile_physics(_model(capsule, CAPSULES, {}))
    guard = guarded.guard
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

    data_full, _ = _collide(full, qpos)
    near = np.asarray(
        contact_guard.near_pairs(guard.pair_groups[0], data_full.geom_xpos, full.model.geom_rbound)
    )
    lost = _touching(_collide(plain, qpos)[0]) < _touching(data_full)
    assert lost.any() and (near <= 2).any(), "the states must include both cases"
    assert not (lost & (near <= 2)).any(), "the plain cull lost a contact with few pairs near"

    quiet, few = np.flatnonzero(near <= 2), np.flatnonzero(lost)[:4]
    for which, batched in ((np.arange(num), True), (quiet, True), (few, False)):
        data, dropped = _collide(guarded, qpos[which], batched)
        assert not np.asarray(dropped).any()
        np.testing.assert_array_equal(_touching(data), _touching(data_full)[which])
        np.testing.assert_allclose(_deepest(data), _deepest(data_full)[which], atol=1e-6)


def _collide(physics, qpos, batched=True):
    """(data after ``physics.forward`` at each of ``qpos`` ``[N, nq]``, contacts_dropped):
    jit(vmap), or one jit call per state stacked."""

    def one(q):
        data = physics.forward(physics.model, physics.data0.replace(qpos=q))
        return data, physics.contacts_dropped(data)

    if batched:
        return jax.jit(jax.vmap(one))(qpos)
    outs = [jax.jit(one)(q) for q in qpos]
    return jax.tree.map(lambda *x: jnp.stack(x), *outs)


def _deepest(data) -> np.ndarray:
    """Each env's 8 deepest contact distances, sorted, apart ones as 0."""
    dist = np.asarray(data._impl.contact.dist)
    return np.sort(np.minimum(dist, 0.0), axis=-1)[..., :8]


def test_a_contact_cap_that_binds_in_a_middle_substep_ends_the_step_as_a_physics_error():
    """Three 10 cm spheres, the outer two flying apart from the middle one at 5 m/s: they
    overlap in the first substeps of a ten-substep control step and are apart at its end, where
    :meth:`Physics.contacts_dropped` looks. The substep whose capped collision may have dropped
    a contact makes the step's positions NaN (a physics error, as a diverged step); without the
    guard the step is finite."""
    sphere = '<geom type="sphere" size=".1"/>'
    mj_model = _model(sphere, 3, {"max_contact_points": 1})
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
