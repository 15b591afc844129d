"""Guards on MJX's contact caps: flag a physics step that may have left out a contact C MuJoCo has.

The exact profile may set two of MJX's caps (:data:`mjxcontrol.profiles.MJX_NUMERICS`), each only
where a sweep against dm_control found it changes nothing. A guard makes that a checked claim
for every state a user meets, not only the swept ones:

* ``max_contact_points`` keeps the deepest contacts of each contact dimension. While fewer than
  the cap touch, nothing is dropped; when every kept contact of a capped run touches, a shallower
  one may have been left out.
* ``max_geom_pairs`` collides, in each collision group (one collision function and contact
  dimension; groups with a plane or a height field are exempt), only the pairs nearest by
  bounding-sphere distance: ``|xpos_1 - xpos_2| - rbound_1 - rbound_2``, a lower bound on the two
  geoms' distance. A pair whose bound distance exceeds its margin cannot produce a contact, so
  the cull is exact while no more pairs of a group than the cap come within the group's largest
  margin; more may mean a touching pair was not collided.

:class:`ContactGuard` holds both checks, built host-side from the compiled model and MJX's own
grouping (``collision_driver``); :meth:`mjxcontrol.Physics.contacts_dropped` applies it, and every
physics substep applies it to the collisions it computes (see :mod:`mjxcontrol.physics`).
``impl="warp"`` ignores both caps and guards its own buffers instead.
"""

from __future__ import annotations

import copy
import dataclasses

import jax
import jax.numpy as jnp
import mujoco
import numpy as np

from mjxcontrol._mjx import mjx

NUMERICS = ("max_geom_pairs", "max_contact_points")


def numeric(mj_model: mujoco.MjModel, name: str) -> int | None:
    """The model's custom numeric ``name`` as an int, or None where it has none (no cap)."""
    i = mujoco.mj_name2id(mj_model, mujoco.mjtObj.mjOBJ_NUMERIC, name)
    return None if i < 0 else int(mj_model.numeric_data[mj_model.numeric_adr[i]])


@dataclasses.dataclass(frozen=True, eq=False)
class PairGroup:
    """One collision group that ``max_geom_pairs`` culls.

    Attributes:
      geom1, geom2: ``[P]`` int geom ids of the group's ``P`` pairs (P > the cap).
      margin: the largest contact margin (m) of the group's pairs.
      name: e.g. ``"capsule-cylinder, dim 1"``, for messages.
    """

    geom1: np.ndarray
    geom2: np.ndarray
    margin: float
    name: str


def culled_pair_groups(mj_model: mujoco.MjModel) -> tuple[PairGroup, ...]:
    """The collision groups whose pairs the model's ``max_geom_pairs`` cuts short."""
    cap = numeric(mj_model, "max_geom_pairs")
    return () if cap is None or cap < 0 else pair_groups(mj_model, cap)


def pair_groups(mj_model: mujoco.MjModel, cap: int = 0) -> tuple[PairGroup, ...]:
    """The collision groups that a pair cap of ``cap`` would cull: those of more than ``cap``
    pairs (MJX's ``collision_driver`` grouping; plane and height-field groups are never culled).
    """
    from mujoco.mjx._src import collision_driver  # MJX's own grouping and broad-phase rule

    if mj_model.opt.disableflags & mujoco.mjtDisableBit.mjDSBL_CONTACT:
        return ()
    groups = []
    for key, pairs in collision_driver._geom_groups(mj_model).items():
        if set(key.types) & collision_driver._GEOM_NO_BROADPHASE or len(pairs) <= cap:
            continue
        geom1, geom2, pair = np.asarray(pairs).T
        margins = np.where(
            pair >= 0,
            mj_model.pair_margin[np.maximum(pair, 0)] if mj_model.npair else 0.0,
            mj_model.geom_margin[geom1] + mj_model.geom_margin[geom2],
        )
        types = "-".join(
            mujoco.mjtGeom(int(t)).name.removeprefix("mjGEOM_").lower() for t in key.types
        )
        groups.append(PairGroup(geom1, geom2, float(margins.max()), f"{types}, dim {key.condim}"))
    return tuple(groups)


def capped_contact_runs(mj_model: mujoco.MjModel) -> tuple[tuple[int, int], ...]:
    """``(start, stop)`` in MJX's contact array of each contact dimension whose contacts the
    model's MJX caps cut short (MJX's JAX impl groups contacts by dimension and, under
    ``max_contact_points``, keeps the deepest of each group). When every contact of such a run
    touches, more may have touched and been left out. Empty for a model without caps."""
    from mujoco.mjx._src.collision_driver import make_condim  # MJX's own contact layout

    if all(numeric(mj_model, name) in (None, -1) for name in NUMERICS):
        return ()
    uncapped = copy.copy(mj_model)
    for name in NUMERICS:
        i = mujoco.mj_name2id(uncapped, mujoco.mjtObj.mjOBJ_NUMERIC, name)
        if i >= 0:
            uncapped.numeric_data[uncapped.numeric_adr[i]] = -1
    capped, full = make_condim(mj_model), make_condim(uncapped)
    runs, start = [], 0
    for dim in sorted(set(capped.tolist())):
        kept = int(np.sum(capped == dim))
        if int(np.sum(full == dim)) > kept:
            runs.append((start, start + kept))
        start += kept
    return tuple(runs)


def near_pairs(group: PairGroup, geom_xpos, geom_rbound) -> jax.Array:
    """Int ``[...]``: how many of ``group``'s pairs have bounding spheres within its margin, at
    ``geom_xpos`` (``[..., ngeom, 3]``, m) with radii ``geom_rbound`` (``[ngeom]``, m)."""
    xpos = jnp.asarray(geom_xpos)
    gap = jnp.linalg.norm(xpos[..., group.geom2, :] - xpos[..., group.geom1, :], axis=-1)
    gap -= geom_rbound[group.geom1] + geom_rbound[group.geom2]
    return jnp.sum(gap <= group.margin, axis=-1)


@dataclasses.dataclass(frozen=True, eq=False)
class ContactGuard:
    """The exact profile's checks on MJX's contact caps (see the module docstring).

    Attributes:
      contact_runs: :func:`capped_contact_runs`.
      pair_groups: :func:`culled_pair_groups`.
      max_geom_pairs: the pair cap (-1: none).
    """

    contact_runs: tuple[tuple[int, int], ...]
    pair_groups: tuple[PairGroup, ...]
    max_geom_pairs: int

    @classmethod
    def of(cls, mj_model: mujoco.MjModel) -> ContactGuard | None:
        """The guard of a model's MJX caps, or None if it has none that can drop a contact."""
        runs, groups = capped_contact_runs(mj_model), culled_pair_groups(mj_model)
        if not runs and not groups:
            return None
        cap = numeric(mj_model, "max_geom_pairs")
        return cls(runs, groups, -1 if cap is None else cap)

    def dropped(self, model: mjx.Model, data: mjx.Data) -> jax.Array:
        """Bool ``[...]`` (``data``'s batch shape): whether the collision that ``data`` holds
        (its position stage's) may lack a contact: a capped run of contacts all touching, or
        more pairs of a culled group near enough to touch than the pair cap kept
        (``model.geom_rbound``: the env's own radii)."""
        flags = []
        if self.contact_runs:
            contact = data._impl.contact
            touching = contact.dist < contact.includemargin
            flags += [jnp.all(touching[..., a:b], axis=-1) for a, b in self.contact_runs]
        flags += [
            near_pairs(g, data.geom_xpos, model.geom_rbound) > self.max_geom_pairs
            for g in self.pair_groups
        ]
        return jnp.any(jnp.stack(flags), axis=0)

    def mark(self, model: mjx.Model, data: mjx.Data) -> mjx.Data:
        """``data`` (just after its position stage) with NaN positions where :meth:`dropped`:
        the physics step then ends as a physics error, as a diverged one does, whichever
        substep lost the contact."""
        return data.replace(qpos=jnp.where(self.dropped(model, data), jnp.nan, data.qpos))
