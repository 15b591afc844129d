"""The places where mjxcontrol swaps parts of MJX's JAX implementation while tracing physics.

Each keeps MJX's mathematics and changes only how it is computed:

* the Cholesky factorisation of Newton's Hessian (:mod:`mjxcontrol.linalg` says why: jaxlib
  0.10's batched CPU LAPACK kernel can deadlock);
* the Newton Hessian under elliptic friction cones (:func:`update_gradient`). mujoco-mjx 3.17
  builds it as ``J.T @ C @ J`` with ``C`` a dense ``nefc x nefc`` matrix: the diagonal
  ``efc_D * active`` plus each contact's cone block, added with one scatter per contact. With
  hundreds of constraint rows that dominates the step: manipulator/bring_ball (527 rows, 173
  contacts, nv 11) spent 108 ms per solve of 64 envs with *one* Newton iteration, against 9 ms
  for the position stage (2 CPU cores). The same matrix is ``J.T diag(efc_D * active) J`` plus,
  per contact, ``J_c.T H_c J_c`` over that contact's ``condim`` rows ``J_c``: computed that way it
  never forms an ``nefc x nefc`` matrix. The results agree to float32 rounding
  (tests/test_mjx_patches.py compares the two on contact-rich states).
* the diagonal part ``J.T diag(efc_D * active) J``, under either cone, on a CPU
  (:func:`diagonal_hessian`): XLA:CPU runs a batch of small matrix products as a library call,
  which costs more than the arithmetic for the few dozen rows x 9 dofs of the small suite models.
  Up to :data:`OUTER_PRODUCT_MAX` it is computed as the rows' outer products, broadcast and
  summed, which XLA fuses into reduction loops over the batch; past :data:`SINGLE_PRODUCT_ROWS`
  rows, 16 rows per reduction, as one reduction of more rows runs slowly. The bench's step, 1,024
  envs on 2 cores, the same step compiled both ways in one process, chunks alternating (sessions
  31-32): cheetah/run exact (30 rows x 9 dofs) 1.32-1.41x, ball_in_cup/catch exact (25 x 4)
  1.74x, walker/walk fast (22 x 9) 1.23x, finger/spin (15 x 3) 1.05x, cartpole (1 x 2)
  unchanged, walker/walk exact (46 x 9, 16 rows at a time) 1.43x, hopper/hop exact (52 x 7) 1.13x,
  manipulator/bring_ball exact (44 x 11, 64 envs) 1.16x; at 256 envs quadruped/walk exact
  (60 x 22) 1.06x and humanoid/walk exact (121 x 27) 0.82x, so larger products stay dots.

* on a CPU, a batch of small matrix products (:func:`small_dot_batch_rule`): under ``vmap``, a
  ``dot_general`` that sums over at most :data:`SMALL_DOT_MAX` terms (``3 x 3`` rotations, the
  ``nv``-long products of the small models) becomes a broadcast multiply and a sum, which XLA
  fuses with its neighbours, instead of a library call per product. Bench step, 1,024 envs, same
  program both ways in one process, chunks alternating (session 33): cartpole/swingup exact
  1.16x, cheetah/run exact 1.07x, walker/walk exact 1.11x; at 256 envs humanoid/walk exact
  1.38x, quadruped/walk exact 1.04x. JAX caches the batched form of a jitted function (such as
  ``jnp.einsum``), so one keeps the rule it was first batched with; both agree to rounding.

* the constraint solve when the problem has one row (:func:`single_row_solve`) or two
  (:func:`two_row_solve`): the exact minimiser in closed form instead of Newton iterations,
  which MuJoCo's solvers converge to. A slider's limit is the only row of every cartpole task
  and a wrist limit the only one of reacher's; point_mass has its two sliders' limits.
  Cartpole/swingup exact, the bench's chunk at 1,024 envs (session 34): 2.15x (MJX's solve,
  the Newton loop whose batch always ran two iterations, was ~40 % of the step).

:func:`mjx_patches` makes the swaps while MJX functions are traced; they are undone when tracing
returns (the compiled program keeps them). Tasks with elliptic cones (finger, manipulator,
stacker) take the second path; Newton's Hessian under pyramidal cones is MJX's but for the third.
"""

from __future__ import annotations

import contextlib
import functools
import math
import operator
import threading

import jax
import jax.numpy as jnp
import numpy as np
from jax._src.interpreters import batching as _batching  # the vmap rule of dot_general
from jax._src.lax import lax as _lax

from mjxcontrol._mjx import mjx
from mjxcontrol.linalg import mjx_cholesky

try:  # MJX's JAX solver module; the swap targets its module-level ``_update_gradient``
    from mujoco.mjx._src import smooth as _smooth
    from mujoco.mjx._src import solver as _solver
    from mujoco.mjx._src import support as _support
    from mujoco.mjx._src.types import ConeType, SolverType
except ImportError:  # pragma: no cover - a MuJoCo without MJX's JAX solver
    _solver = None

_LOCK = threading.RLock()
_MJX_UPDATE_GRADIENT = getattr(_solver, "_update_gradient", None)
_MJX_SOLVE = getattr(_solver, "solve", None)
_DOT_BATCH_RULE = _batching.fancy_primitive_batchers[_lax.dot_general_p]
_TRACING = threading.local()  # .depth: mjx_patches blocks open on this thread


# The largest ``nefc * nv * nv`` for which :func:`diagonal_hessian` sums outer products rather
# than calling a dot. In situ (module docstring) walker exact's 46 x 9 x 9 (3,726) gains 1.43x
# summed 16 rows at a time, manipulator's 44 x 11 x 11 (5,324; 64 envs) 1.16x; quadruped's
# 60 x 22 x 22 (29,040) measured 1.06x (noise) and humanoid's 121 x 27 x 27 (88,209) 0.82x, so
# larger products stay dots.
OUTER_PRODUCT_MAX = 6_000
# Up to this many rows the outer products are summed in one reduction; more rows are summed
# ``ROW_CHUNK`` at a time (walker exact 1.43x over the dot, against 1.05x for one reduction of
# all 46 rows: XLA:CPU's fused reduction slows sharply once its operand outgrows ~30 rows).
SINGLE_PRODUCT_ROWS = 32
ROW_CHUNK = 16


def diagonal_hessian(efc_j: jax.Array, diagonal: jax.Array) -> jax.Array:
    """``J.T diag(diagonal) J`` (``[nv, nv]``) from ``efc_j`` ``[nefc, nv]`` and ``diagonal``
    ``[nefc]``: on a CPU backend with ``nefc * nv * nv <= OUTER_PRODUCT_MAX``, as the rows' outer
    products summed (fused reductions of at most :data:`SINGLE_PRODUCT_ROWS` rows each, added;
    equal to the dot to float32 rounding); otherwise as MJX computes it, a dot."""
    nefc, nv = efc_j.shape
    if jax.default_backend() != "cpu" or nefc * nv * nv > OUTER_PRODUCT_MAX or nefc == 0:
        return (efc_j.T * diagonal) @ efc_j
    weighted = efc_j * diagonal[:, None]
    step = nefc if nefc <= SINGLE_PRODUCT_ROWS else ROW_CHUNK
    parts = [
        (weighted[s : s + step, :, None] * efc_j[s : s + step, None, :]).sum(axis=0)
        for s in range(0, nefc, step)
    ]
    return functools.reduce(operator.add, parts)


def cone_hessian(efc_j: jax.Array, diagonal: jax.Array, contact, cone_h: jax.Array) -> jax.Array:
    """``J.T C J`` for MJX's constraint matrix ``C`` under elliptic cones, without forming ``C``.

    Args:
      efc_j: ``[nefc, nv]`` constraint Jacobian.
      diagonal: ``[nefc]`` diagonal of ``C`` (``efc_D * active``).
      contact: MJX's ``Contact``; its static ``dim`` and ``efc_address`` locate each contact's
        rows.
      cone_h: ``[ncone, 6, 6]`` each cone contact's Hessian block (MJX's ``ctx.h``), in the order
        of the contacts with ``dim > 1``; block ``i`` uses its top-left ``dim x dim``.

    Returns:
      ``[nv, nv]``.
    """
    h = diagonal_hessian(efc_j, diagonal)
    cone = np.asarray(contact.dim) > 1
    dims = np.asarray(contact.dim)[cone]
    addresses = np.asarray(contact.efc_address)[cone]
    for condim in np.unique(dims):
        which = np.flatnonzero(dims == condim)
        rows = addresses[which][:, None] + np.arange(condim)  # [k, condim]
        blocks = efc_j[rows]  # [k, condim, nv]
        h_blocks = cone_h[which, :condim, :condim]  # [k, condim, condim]
        h = h + jnp.einsum("kan,kab,kbm->nm", blocks, h_blocks, blocks)
    return h


def update_gradient(m: mjx.Model, d: mjx.Data, ctx):
    """MJX's ``solver._update_gradient`` for the Newton solver, with the Hessian of
    :func:`cone_hessian` (elliptic cones) or :func:`diagonal_hessian` (pyramidal); the CG solver
    goes to MJX's own function."""
    if m.opt.solver != SolverType.NEWTON:
        assert _MJX_UPDATE_GRADIENT is not None  # only swapped in when MJX's solver exists
        return _MJX_UPDATE_GRADIENT(m, d, ctx)
    impl = d._impl  # noqa: SLF001
    grad = ctx.Ma - d.qfrc_smooth - ctx.qfrc_constraint
    if m.opt.cone == ConeType.ELLIPTIC:
        h = cone_hessian(impl.efc_J, impl.efc_D * ctx.active, impl.contact, ctx.h)
    else:
        h = diagonal_hessian(impl.efc_J, impl.efc_D * ctx.active)
    h = _support.full_m(m, d) + h
    h = (h + h.T) * 0.5  # symmetrised, as MJX does before factorising
    mgrad = jax.scipy.linalg.cho_solve(jax.scipy.linalg.cho_factor(h), grad)
    return ctx.replace(grad=grad, Mgrad=mgrad)


# Constraint-row counts that :func:`solve` solves in closed form (no friction-loss row).
CLOSED_FORM_ROWS = (1, 2)


def solve(m: mjx.Model, d: mjx.Data) -> mjx.Data:
    """MJX's constraint solve (``mjx.solve``), in closed form when there are one or two
    constraint rows and none is a friction-loss row (:func:`single_row_solve`,
    :func:`two_row_solve`)."""
    assert _MJX_SOLVE is not None  # only called where MJX's solver exists
    impl = d._impl  # noqa: SLF001
    if impl.nf == 0 and m.opt.iterations > 0 and impl.efc_J.shape[0] in CLOSED_FORM_ROWS:
        return (single_row_solve if impl.efc_J.shape[0] == 1 else two_row_solve)(m, d)
    return _MJX_SOLVE(m, d)


def single_row_solve(m: mjx.Model, d: mjx.Data) -> mjx.Data:
    """The exact minimiser of MuJoCo's constraint problem for one row ``J`` (``(nv,)``) with
    impedance ``D`` and reference acceleration ``aref``: ``qacc`` minimising
    ``0.5 (qacc - qacc_smooth)' M (qacc - qacc_smooth) + 0.5 D (J qacc - aref)^2``, the second
    term counted where the row is active (an equality row always; a limit or frictionless
    contact row where ``J qacc < aref``).

    The cost is convex and piecewise quadratic, so the minimiser is ``qacc_smooth`` if the row is
    inactive there, else the active quadratic's: with ``x = M^-1 J'`` and
    ``r0 = J qacc_smooth - aref``, the row's force is ``f = -D r0 / (1 + D J x)`` and
    ``qacc = qacc_smooth + f x``. MuJoCo's Newton and CG solvers converge to it (one or two
    iterations with their exact line search); this is the same point without the iterations.
    Fills ``qacc``, ``qfrc_constraint (nv,)`` and ``efc_force (1,)`` as MJX's solve does.
    """
    impl = d._impl  # noqa: SLF001
    j, aref, impedance = impl.efc_J[0], impl.efc_aref[0], impl.efc_D[0]
    x = _smooth.solve_m(m, d, j)
    r0 = jnp.dot(j, d.qacc_smooth) - aref
    active = (r0 < 0) | (impl.ne == 1)
    force = jnp.where(active, -impedance * r0 / (1.0 + impedance * jnp.dot(j, x)), 0.0)
    solved = {"qacc": d.qacc_smooth + force * x, "qfrc_constraint": j * force}
    return d.replace(**solved, _impl=impl.replace(efc_force=force[None]))


# The four active sets of two rows, as masks (row 0 active, row 1 active), the empty set first.
_TWO_ROW_SETS = np.array([[0, 0], [1, 0], [0, 1], [1, 1]], dtype=bool)


def two_row_solve(m: mjx.Model, d: mjx.Data) -> mjx.Data:
    """:func:`single_row_solve` for two rows (``J`` ``(2, nv)``), none a friction-loss row.

    The cost is convex and piecewise quadratic, each piece an active set ``S`` of rows (the
    equality rows always among them), and its minimiser is the stationary point of one piece:
    with ``X = M^-1 J'``, ``A = J X`` and ``r0 = J qacc_smooth - aref``, set ``S``'s forces solve
    ``(I + D_S A_SS) f_S = -D_S r0_S`` (zero off ``S``) and ``qacc = qacc_smooth + X f``. Of the
    four candidates, the one where the true cost, ``0.5 f'Af + sum 0.5 D r^2`` over the rows
    active at ``r = r0 + A f``, is least is the minimiser (the empty set first on a tie).
    Fills ``qacc``, ``qfrc_constraint (nv,)`` and ``efc_force (2,)`` as MJX's solve does.
    point_mass's two slider limits are the tasks' two-row problem.
    """
    impl = d._impl  # noqa: SLF001
    j, aref, impedance = impl.efc_J, impl.efc_aref, impl.efc_D
    x = jnp.stack([_smooth.solve_m(m, d, row) for row in j], axis=1)  # (nv, 2)
    a = j @ x  # (2, 2)
    r0 = j @ d.qacc_smooth - aref
    equality = np.arange(2) < impl.ne
    sets = _TWO_ROW_SETS[np.all(_TWO_ROW_SETS | ~equality, axis=1)]  # (k, 2): equality rows in
    ds = jnp.where(sets, impedance, 0.0)  # (k, 2): D on the set's rows
    b = jnp.eye(2) + ds[:, :, None] * a * sets[:, None, :]  # (k, 2, 2): I + D_S A_SS, else I
    rhs = -ds * r0
    det = b[:, 0, 0] * b[:, 1, 1] - b[:, 0, 1] * b[:, 1, 0]  # >= 1: D >= 0, A semidefinite
    f = (
        jnp.stack(
            [
                b[:, 1, 1] * rhs[:, 0] - b[:, 0, 1] * rhs[:, 1],
                b[:, 0, 0] * rhs[:, 1] - b[:, 1, 0] * rhs[:, 0],
            ],
            axis=1,
        )
        / det[:, None]
    )
    r = r0 + f @ a
    active = (r < 0) | equality
    cost = 0.5 * jnp.sum(f * (f @ a), axis=1) + 0.5 * jnp.sum(impedance * r**2 * active, axis=1)
    force = f[jnp.argmin(cost)]
    solved = {"qacc": d.qacc_smooth + x @ force, "qfrc_constraint": force @ j}
    return d.replace(**solved, _impl=impl.replace(efc_force=force))


# The most terms (the product of the contracted dimensions) a batched product may sum for
# :func:`small_dot_batch_rule` to write it as a multiply and a sum. In situ (module docstring),
# 64 was no faster than 32 on cheetah and walker.
SMALL_DOT_MAX = 32


def small_dot_batch_rule(axis_data, vals, dims, *, dimension_numbers, **params):
    """JAX's ``vmap`` rule for ``dot_general``, except for a floating-point product of at most
    :data:`SMALL_DOT_MAX` terms traced inside :func:`mjx_patches` on a CPU backend: that one is
    the operands (batch axis first, contracted axes last and flattened) broadcast, multiplied and
    summed over the last axis. The output's batch axis is 0; its other axes are
    ``dot_general``'s (batch, lhs free, rhs free)."""
    (lhs, rhs), (lhs_bdim, rhs_bdim) = vals, dims
    (lhs_c, rhs_c), (lhs_b, rhs_b) = (tuple(map(tuple, pair)) for pair in dimension_numbers)
    lhs_shape = [n for i, n in enumerate(lhs.shape) if i != lhs_bdim]
    terms = math.prod(lhs_shape[i] for i in lhs_c)
    if (
        getattr(_TRACING, "depth", 0) == 0
        or (lhs_bdim is None and rhs_bdim is None)
        or terms > SMALL_DOT_MAX
        or lhs.dtype != rhs.dtype
        or not jnp.issubdtype(lhs.dtype, jnp.floating)
        or params.get("out_sharding") is not None
        or jax.default_backend() != "cpu"
    ):
        return _DOT_BATCH_RULE(axis_data, vals, dims, dimension_numbers=dimension_numbers, **params)

    def arranged(x, bdim, batch, contracted):
        """``(x as [envs or 1, *batch, *free, terms], its free axes' sizes)``."""
        x = x[None] if bdim is None else jnp.moveaxis(x, bdim, 0)
        free = tuple(i for i in range(x.ndim - 1) if i not in batch + contracted)
        x = jnp.transpose(x, (0, *(1 + i for i in batch + free + contracted)))
        free_sizes = x.shape[1 + len(batch) : 1 + len(batch) + len(free)]
        return x.reshape(*x.shape[: 1 + len(batch) + len(free)], terms), free_sizes

    lx, lhs_free = arranged(lhs, lhs_bdim, lhs_b, lhs_c)
    rx, rhs_free = arranged(rhs, rhs_bdim, rhs_b, rhs_c)
    # [envs, *batch, *lhs free, *ones, terms] times [envs, *batch, *ones, *rhs free, terms]
    lx = lx.reshape(*lx.shape[:-1], *[1] * len(rhs_free), terms)
    rx = rx.reshape(*rx.shape[: -1 - len(rhs_free)], *[1] * len(lhs_free), *rhs_free, terms)
    out = jnp.sum(lx * rx, axis=-1)
    preferred = params.get("preferred_element_type")
    return (out if preferred is None else out.astype(preferred)), 0


@contextlib.contextmanager
def _small_dot_rule():
    """``vmap`` batches ``dot_general`` by :func:`small_dot_batch_rule` (which acts only on the
    threads inside this block) until the block ends."""
    rules = _batching.fancy_primitive_batchers
    saved = rules[_lax.dot_general_p]
    rules[_lax.dot_general_p] = small_dot_batch_rule
    _TRACING.depth = getattr(_TRACING, "depth", 0) + 1
    try:
        yield
    finally:
        _TRACING.depth -= 1
        rules[_lax.dot_general_p] = saved


@contextlib.contextmanager
def _solver_swaps():
    """MJX's solver takes :func:`update_gradient` and MJX's forward pass :func:`solve` until the
    block ends (no-op without MJX's JAX solver)."""
    if _solver is None:
        yield
        return
    saved = _solver._update_gradient, _solver.solve  # noqa: SLF001
    _solver._update_gradient, _solver.solve = update_gradient, solve  # noqa: SLF001
    try:
        yield
    finally:
        _solver._update_gradient, _solver.solve = saved  # noqa: SLF001


@contextlib.contextmanager
def mjx_patches():
    """Within this block MJX uses :mod:`mjxcontrol.linalg`'s Cholesky and
    :func:`update_gradient`, and ``vmap`` batches small products by :func:`small_dot_batch_rule`
    (on this thread: another thread's tracing meanwhile gets JAX's own rule). Use it around the
    *tracing* of MJX calls. Re-entrant and thread-safe against itself."""
    with mjx_cholesky(), _LOCK, _small_dot_rule(), _solver_swaps():
        yield
