"""Guards on MJX's contact caps, so that the exact profile's never silently lose a contact.

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
  margin. Where more do, :meth:`ContactGuard.collision` collides every pair instead (for the
  whole batch under ``vmap``: :func:`batch_cond`), so this cap never loses a contact.

:class:`ContactGuard` holds both, built host-side from the compiled model and MJX's own grouping
(``collision_driver``); :meth:`mjxcontrol.Physics.contacts_dropped` applies the contact-cap
check, every physics substep applies it to the collisions it computes, and the physics traces
MJX with :meth:`ContactGuard.collision` as its collision driver (see :mod:`mjxcontrol.physics`).
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
    capped, full = make_condim(mj_model), make_condim(_without_numerics(mj_model, NUMERICS))
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


def batch_cond(pred: jax.Array, true_fun, false_fun, *operands):
    """``lax.cond(pred, true_fun, false_fun, *operands)`` that stays a branch under ``vmap``: there
    ``pred`` is reduced with ``any`` over the batch and the one branch taken runs for every env
    (``jax.lax.cond`` would run both and select). For branches that give the same answer
    wherever ``pred`` is false, as a cheap path and its exact fallback."""

    @jax.custom_batching.custom_vmap
    def cond(pred, *operands):
        return jax.lax.cond(pred, true_fun, false_fun, *operands)

    @cond.def_vmap
    def _batched(axis_size, in_batched, pred, *operands):
        pred_batched, *operands_batched = in_batched
        axes = [jax.tree.map(lambda b: 0 if b else None, tree) for tree in operands_batched]
        true_b, false_b = (
            jax.vmap(f, in_axes=tuple(axes), axis_size=axis_size) for f in (true_fun, false_fun)
        )
        out = jax.lax.cond(jnp.any(pred) if pred_batched else pred, true_b, false_b, *operands)
        return out, jax.tree.map(lambda _: True, out)

    return cond(pred, *operands)


@dataclasses.dataclass(frozen=True, eq=False)
class ContactGuard:
    """The exact profile's check of its contact cap and fallback for its pair cap (see the
    module docstring).

    Attributes:
      contact_runs: :func:`capped_contact_runs`.
      pair_groups: :func:`culled_pair_groups`.
      max_geom_pairs: the pair cap (-1: none).
      capped_dims: ``[ncon]`` MJX's contact dimensions under the model's caps (its layout).
      uncut_dims: ``[ncon']`` the same without the pair cap.
      uncut_numerics: the model's ``numeric_data`` without the pair cap.
    """

    contact_runs: tuple[tuple[int, int], ...]
    pair_groups: tuple[PairGroup, ...]
    max_geom_pairs: int
    capped_dims: np.ndarray
    uncut_dims: np.ndarray
    uncut_numerics: np.ndarray

    @classmethod
    def of(cls, mj_model: mujoco.MjModel) -> ContactGuard | None:
        """The guard of a model's MJX caps, or None if it has none that can drop a contact."""
        from mujoco.mjx._src.collision_driver import make_condim

        runs, groups = capped_contact_runs(mj_model), culled_pair_groups(mj_model)
        if not runs and not groups:
            return None
        cap = numeric(mj_model, "max_geom_pairs")
        uncut = _without_numerics(mj_model, ("max_geom_pairs",))
        return cls(
            runs,
            groups,
            -1 if cap is None else cap,
            make_condim(mj_model),
            make_condim(uncut),
            np.array(uncut.numeric_data),
        )

    def dropped(self, model: mjx.Model, data: mjx.Data) -> jax.Array:
        """Bool ``[...]`` (``data``'s batch shape): whether the collision that ``data`` holds
        (its position stage's) may lack a contact: a capped run of contacts all touching. (The
        pair cap never loses one: :meth:`collision`.)"""
        if not self.contact_runs:
            return jnp.zeros(data.time.shape, bool)
        contact = data._impl.contact
        touching = contact.dist < contact.includemargin
        full = [jnp.all(touching[..., a:b], axis=-1) for a, b in self.contact_runs]
        return jnp.any(jnp.stack(full), axis=0)

    def pairs_near(self, model: mjx.Model, data: mjx.Data) -> jax.Array:
        """Bool ``[...]``: whether some culled group has more pairs near enough to touch than
        the pair cap keeps, at ``data``'s kinematics (``model.geom_rbound``: the env's radii)."""
        flags = [
            near_pairs(g, data.geom_xpos, model.geom_rbound) > self.max_geom_pairs
            for g in self.pair_groups
        ]
        return jnp.any(jnp.stack(flags), axis=0)

    def collision(self, model: mjx.Model, data: mjx.Data, mjx_collision) -> mjx.Data:
        """MJX's collision driver ``mjx_collision`` with the pair cap where it loses nothing
        (:meth:`pairs_near` false, for every env of the batch), else without it, its contacts
        cut per contact dimension to the capped layout (the deepest kept, as MJX's contact cap
        keeps them; the contact-cap check covers that cut). Same results either way, up to
        float rounding and the order of the contacts."""
        if not self.pair_groups:
            return mjx_collision(model, data)

        def culled(m, d):
            return mjx_collision(m, d)._impl.contact

        def uncut(m, d):
            contact = mjx_collision(m.replace(numeric_data=self.uncut_numerics), d)._impl.contact
            parts, start = [], 0
            for dim in sorted(set(self.uncut_dims.tolist())):
                count = int(np.sum(self.uncut_dims == dim))
                keep = int(np.sum(self.capped_dims == dim))
                part = jax.tree.map(lambda x, a=start, n=count: x[a : a + n], contact)
                if count > keep:
                    _, idx = jax.lax.top_k(-part.dist, keep)
                    part = jax.tree.map(lambda x, i=idx: x[i], part)
                parts.append(part)
                start += count
            return jax.tree.map(lambda *x: jnp.concatenate(x), *parts)

        contact = batch_cond(self.pairs_near(model, data), uncut, culled, model, data)
        out: mjx.Data = data.tree_replace({"_impl.contact": contact})  # pyright: ignore[reportAssignmentType]
        return out


def _without_numerics(mj_model: mujoco.MjModel, names) -> mujoco.MjModel:
    """A copy of ``mj_model`` whose custom numerics ``names`` are -1 (no cap)."""
    out = copy.copy(mj_model)
    for name in names:
        i = mujoco.mj_name2id(out, mujoco.mjtObj.mjOBJ_NUMERIC, name)
        if i >= 0:
            out.numeric_data[out.numeric_adr[i]] = -1
    return out
