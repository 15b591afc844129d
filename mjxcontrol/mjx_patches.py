"""The two places where mjxcontrol swaps parts of MJX's JAX implementation while tracing physics.

Both keep MJX's mathematics and change only how it is computed:

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

:func:`mjx_patches` makes both swaps while MJX functions are traced; they are undone when tracing
returns (the compiled program keeps them). Only tasks with elliptic cones (finger, manipulator,
stacker) take the second path; pyramidal models run MJX's own code.
"""

from __future__ import annotations

import contextlib
import threading

import jax
import jax.numpy as jnp
import numpy as np

from mjxcontrol._mjx import mjx
from mjxcontrol.linalg import mjx_cholesky

try:  # MJX's JAX solver module; the swap targets its module-level ``_update_gradient``
    from mujoco.mjx._src import solver as _solver
    from mujoco.mjx._src import support as _support
    from mujoco.mjx._src.types import ConeType, SolverType
except ImportError:  # pragma: no cover - a MuJoCo without MJX's JAX solver
    _solver = None

_LOCK = threading.RLock()
_MJX_UPDATE_GRADIENT = getattr(_solver, "_update_gradient", None)


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
    h = (efc_j.T * diagonal) @ efc_j
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
    """MJX's ``solver._update_gradient`` with the elliptic-cone Hessian of :func:`cone_hessian`;
    every other solver and cone goes to MJX's own function."""
    if m.opt.solver != SolverType.NEWTON or m.opt.cone != ConeType.ELLIPTIC:
        assert _MJX_UPDATE_GRADIENT is not None  # only swapped in when MJX's solver exists
        return _MJX_UPDATE_GRADIENT(m, d, ctx)
    impl = d._impl  # noqa: SLF001
    grad = ctx.Ma - d.qfrc_smooth - ctx.qfrc_constraint
    h = cone_hessian(impl.efc_J, impl.efc_D * ctx.active, impl.contact, ctx.h)
    h = _support.full_m(m, d) + h
    h = (h + h.T) * 0.5  # symmetrised, as MJX does before factorising
    mgrad = jax.scipy.linalg.cho_solve(jax.scipy.linalg.cho_factor(h), grad)
    return ctx.replace(grad=grad, Mgrad=mgrad)


@contextlib.contextmanager
def mjx_patches():
    """Within this block MJX uses :mod:`mjxcontrol.linalg`'s Cholesky and
    :func:`update_gradient`. Use it around the *tracing* of MJX calls. Re-entrant and thread-safe
    against itself."""
    with mjx_cholesky(), _LOCK:
        if _solver is None:
            yield
            return
        saved = _solver._update_gradient  # noqa: SLF001
        _solver._update_gradient = update_gradient  # noqa: SLF001
        try:
            yield
        finally:
            _solver._update_gradient = saved  # noqa: SLF001
