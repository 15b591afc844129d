"""Named physical quantities that several tasks observe or reward, written once.

Each function takes the compiled physics (for name -> index tables) and one env's ``mjx.Data``;
names resolve to static indices at trace time.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from mjxcontrol._mjx import mjx
from mjxcontrol.physics import Physics

_AXIS = {"x": 0, "y": 1, "z": 2}


def rotation_entries(
    physics: Physics, data: mjx.Data, bodies: Sequence[str], entries: Sequence[str]
) -> jax.Array:
    """Entries of each body's world rotation matrix (``xmat``), e.g. ``("zz", "xz")``.

    Args:
      physics: the compiled physics.
      data: one env's data (positions current).
      bodies: body names.
      entries: two-letter names, row axis then column axis: ``"xz"`` is ``xmat[0, 2]``.

    Returns:
      ``[len(bodies), len(entries)]`` float array (dimensionless, in [-1, 1]).
    """
    xmat = data.xmat[physics.names.ids("body", bodies)]
    rows = [_AXIS[e[0]] for e in entries]
    cols = [_AXIS[e[1]] for e in entries]
    return xmat[:, rows, cols] if len(entries) else jnp.zeros((len(bodies), 0))


def to_body_frame(physics: Physics, data: mjx.Data, body: str, vectors: jax.Array) -> jax.Array:
    """World vectors ``[..., 3]`` expressed in ``body``'s frame (``vectors @ xmat[body]``).

    dm_control's egocentric observations (humanoid extremities, quadruped ball and target) are
    this product with a world displacement or velocity.
    """
    return vectors @ data.xmat[physics.names.id("body", body)]


def point_velocity(physics: Physics, data: mjx.Data, body: str, point: jax.Array) -> jax.Array:
    """World linear velocity (m/s) of the world ``point`` [3] moving with ``body`` (MuJoCo's
    ``mj_objectVelocity`` of a site or geom there, in the world frame).

    ``cvel`` holds the body's angular and linear velocity at its tree's centre of mass
    (``subtree_com`` of the root body); the point's is the linear part plus the angular part
    crossed with the offset. Needs ``cvel`` current (a forward pass or step).
    """
    i = physics.names.id("body", body)
    root = int(physics.mj_model.body_rootid[i])
    angular, linear = data.cvel[i, :3], data.cvel[i, 3:]
    return linear + jnp.cross(angular, point - data.subtree_com[root])


def relative_positions(
    physics: Physics, data: mjx.Data, body: str, others: Sequence[str]
) -> jax.Array:
    """``[len(others), 3]``: origins of the ``others`` bodies relative to ``body``'s origin, in
    ``body``'s frame (m)."""
    ids = physics.names.ids("body", others)
    origin = data.xpos[physics.names.id("body", body)]
    return to_body_frame(physics, data, body, data.xpos[ids] - origin)


def in_contact(physics: Physics, model: mjx.Model, data: mjx.Data) -> jax.Array:
    """Whether any geoms touch or overlap at ``data``'s ``qpos``: dm_control's ``ncon > 0`` after
    ``mj_forward``, the test of its collision-free reset loops (finger, ball_in_cup, ...).

    A geom pair is in contact, as MuJoCo counts it in ``ncon``, when its distance is below the
    pair's margin (the larger of the two geoms' ``geom_margin``).

    * ``impl="jax"`` runs only kinematics and collision detection.
    * ``impl="warp"`` exposes no collision stage of its own, so this runs ``mjx.forward`` and
      counts the contact rows of the constraint problem: every row but the equality, friction
      loss and joint limit ones. With no contact gap (MuJoCo's default, which this checks)
      every contact gives rows.

    Returns:
      A bool scalar.
    """
    if physics.impl == "warp":
        if np.any(physics.mj_model.geom_gap > 0):
            raise NotImplementedError("in_contact under impl='warp' needs geom gap 0")
        impl = mjx.forward(model, data)._impl  # noqa: SLF001
        return impl.nefc - impl.ne - impl.nf - impl.nl > 0
    d = mjx.collision(model, mjx.kinematics(model, data))
    contact = d._impl.contact
    margin = jnp.max(model.geom_margin[contact.geom], axis=-1)
    return jnp.any(contact.dist < margin)


def redraw_while_in_contact(
    physics: Physics,
    model: mjx.Model,
    draw: Callable[..., mjx.Data],
    key: jax.Array,
    max_attempts: int,
    start: mjx.Data | None = None,
) -> mjx.Data:
    """dm_control's ``while ncon > 0: draw again`` reset loops, as a bounded in-graph loop.

    Args:
      physics: the compiled physics.
      model: this env's ``mjx.Model``.
      draw: ``key -> data`` with a newly drawn ``qpos``; with ``start``, ``(key, previous) ->
        data``, for resets whose draws build on the rejected one.
      key: PRNG key (split once per draw).
      max_attempts: most draws made; if every one touches (:func:`in_contact`), the last is kept.
      start: the ``previous`` of the first draw (``None``: draws are independent).

    Returns:
      The first draw whose geoms do not touch (or the last draw).

    Raises:
      NotImplementedError: under ``impl="warp"``, for chained draws (``start``). MJX-Warp's data
        holds buffers that the whole batch shares (its contacts), which a vmapped loop cannot
        carry per env, so there the loop carries the drawn ``qpos`` alone: draws must change
        nothing else.
    """
    if physics.impl != "warp":
        return redraw_while(
            draw, lambda data: in_contact(physics, model, data), key, max_attempts, start
        )
    if start is not None:
        raise NotImplementedError("chained redraws (start=...) need impl='jax'")
    template = draw(key)
    _check_draws_change_qpos_only(template, draw(jax.random.fold_in(key, 1)))
    qpos = redraw_while(
        lambda k: draw(k).qpos,
        lambda q: in_contact(physics, model, template.replace(qpos=q)),
        key,
        max_attempts,
    )
    return template.replace(qpos=qpos)


def _check_draws_change_qpos_only(a: mjx.Data, b: mjx.Data) -> None:
    """Two traced draws share every array but ``qpos`` (untouched fields are the same objects)."""
    changed = [
        jax.tree_util.keystr(path)
        for (path, x), y in zip(
            jax.tree_util.tree_leaves_with_path(a.replace(qpos=None)),
            jax.tree.leaves(b.replace(qpos=None)),
            strict=True,
        )
        if x is not y
    ]
    if changed:
        raise NotImplementedError(
            f"on impl='warp' a redrawn reset may change qpos only; this draw also changes "
            f"{', '.join(changed)}"
        )


def redraw_while(
    draw: Callable[..., Any],
    rejected: Callable[[Any], jax.Array],
    key: jax.Array,
    max_attempts: int,
    start: Any = None,
) -> Any:
    """A rejection-sampling loop in the graph: draws until ``rejected(sample)`` is False.

    Args:
      draw: ``key -> sample`` (any pytree); with ``start``, ``(key, previous) -> sample``.
      rejected: ``sample -> bool scalar``, e.g. whether its geoms touch.
      key: PRNG key (split once per draw).
      max_attempts: most draws made; if all are rejected, the last is kept.
      start: the ``previous`` of the first draw (``None``: draws are independent).

    Returns:
      The first accepted sample (or the last one drawn).

    Raises:
      NotImplementedError: if a sample holds an ``impl="warp"`` ``mjx.Data``, whose contact
        buffers the whole batch shares: a vmapped loop cannot carry them per env. Carry the
        fields a draw changes (``qpos``, ...) and rebuild the data after the loop.

    Every draw, the first included, is made inside the loop, so the compiled reset holds one copy
    of the rejection test (checking the first draw outside the loop doubled the reset's compile
    time). The loop starts from a zero placeholder marked as rejected, which is never returned.
    """

    def again(carry):
        attempts, _, _, reject = carry
        return reject & (attempts < max_attempts)

    chained = start is not None

    def redraw(carry):
        attempts, k, previous, _ = carry
        k, sub = jax.random.split(k)
        sample = draw(sub, previous) if chained else draw(sub)
        return attempts + 1, k, sample, rejected(sample)

    if not chained:  # a placeholder of the right structure, never returned
        shapes = jax.eval_shape(draw, key)
        start = jax.tree.map(lambda x: jnp.zeros(x.shape, x.dtype), shapes)
    _refuse_warp_data(start)  # the carry's structure: the placeholder's or the caller's start
    carry = (0, key, start, jnp.asarray(True))
    return jax.lax.while_loop(again, redraw, carry)[2]


def _refuse_warp_data(sample: Any) -> None:
    """Raises if ``sample`` holds an MJX-Warp ``mjx.Data`` (see :func:`redraw_while`)."""
    is_data = lambda x: isinstance(x, mjx.Data)  # noqa: E731
    if any(is_data(x) and x.impl == mjx.Impl.WARP for x in jax.tree.leaves(sample, is_data)):
        raise NotImplementedError(
            "redraw_while cannot carry an impl='warp' mjx.Data through its loop: MJX-Warp's "
            "contact buffers are shared by the whole batch, not per env. Carry the fields a draw "
            "changes (qpos, qvel, ...) and rebuild the data after the loop, or use "
            "redraw_while_in_contact."
        )
