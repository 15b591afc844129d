"""A Cholesky factorisation in plain JAX ops, used by MJX's Newton solver inside our physics.

Why: on the CPU, jaxlib 0.10's LAPACK kernels (``lapack_spotrf_ffi``, reached through
``jax.scipy.linalg.cho_factor``) split a batch of matrices into tasks on XLA's intra-op thread
pool and block until they finish. When XLA's thunk executor runs as many such kernels at once as
the pool has threads (two on a 2-core machine), every pool thread waits for tasks that no thread
is left to run: the process hangs (gdb: all ``tf_XLAEigen`` threads in
``jax::ParallelBatchMap`` -> ``BlockingCounter::Wait``). This hit ``mjxcontrol bench cheetah/run
--num-envs 1024`` on 2 cores. jaxlib 0.11 builds drop that parallel path; mujoco-mjx 3.17 needs
jax 0.10. Written with ``lax.fori_loop`` over columns, the factorisation and the two triangular
solves compile to ordinary XLA loops (vectorised over the batch by ``vmap``), which cannot
deadlock, and they are as fast as the LAPACK calls for the small matrices of the suite (the
factor is ``nv x nv``: 2 to a few tens of rows).

:func:`mjx_cholesky` swaps these in for ``jax.scipy.linalg.cho_factor`` / ``cho_solve`` while
MJX functions are being *traced* (``mjxcontrol.physics`` wraps its MJX calls in it); the swap is
undone when tracing returns, so other code keeps JAX's own functions.
"""

from __future__ import annotations

import contextlib
import os
import threading

import jax
import jax.numpy as jnp
import jax.scipy.linalg

LAPACK_ENV = "MJXCONTROL_LAPACK_CHOLESKY"
_LOCK = threading.RLock()
# Factors up to this many rows are unrolled into straight-line code; larger ones keep their loops.
# An unrolled factor costs XLA one kernel per row and product, and a control step holds eight
# factorisations or solves (MJX's mass-matrix factor in the position stage and in Euler's
# implicit damping, the Newton solver's Hessian before and inside its loop): unrolling them all
# (up to 32 rows until session 36) made a fifth to a quarter of the compile time of the bench's
# chunk (20 steps, 1,024 envs, exact, with AutoReset; both forms and a second compile of the
# unrolled one as a control, compiled in one process and timed alternately; session 36,
# `python -m benchmarks.option_ab TASK --unroll-rows 32` repeats it). Compile s, unrolled ->
# loops: cheetah/run (9 rows) 27.7 -> 20.3, walker/walk (9) 28.2 -> 22.6, hopper/hop (7) 25.9 ->
# 19.2, humanoid/walk (27, 256 envs) 88.8 -> 65.3. Loops also ran faster where the step is heavy:
# walker 1.09-1.12x (control 0.98x), hopper 1.05x (0.99x), humanoid 1.08x (0.99x); cheetah
# 0.89-0.96x (0.97x). cartpole/swingup (2 rows) compiles and runs the same either way: tiny
# factors stay unrolled.
UNROLL_ROWS = 4


def cholesky_upper(a: jax.Array) -> jax.Array:
    """Upper-triangular ``U`` with ``U.T @ U == a`` for a symmetric positive-definite ``a``.

    Args:
      a: ``[n, n]`` (vmap for a batch); only its upper triangle is read.

    Returns:
      ``[n, n]`` upper-triangular factor (zeros below the diagonal). Like LAPACK's ``potrf``
      through ``jax.scipy``, a matrix that is not positive definite gives NaN entries.
    """
    n = a.shape[-1]
    cols = jnp.arange(n)

    def row(j, factor):
        # Rows < j are final, rows >= j still zero: v = a[j] - sum_k<j factor[k, j] factor[k].
        v = a[j] - factor[:, j] @ factor
        new = jnp.where(cols >= j, v / jnp.sqrt(v[j]), 0.0)
        return jax.lax.dynamic_update_index_in_dim(factor, new, j, axis=0)

    return jax.lax.fori_loop(0, n, row, jnp.zeros_like(a), unroll=n <= UNROLL_ROWS)


def solve_upper_transposed(factor: jax.Array, b: jax.Array) -> jax.Array:
    """``x`` with ``factor.T @ x == b`` (forward substitution); ``factor`` upper ``[n, n]``."""
    n = factor.shape[-1]

    def step(i, x):
        xi = (b[i] - factor[:, i] @ x) / factor[i, i]
        return jax.lax.dynamic_update_index_in_dim(x, xi, i, axis=0)

    return jax.lax.fori_loop(0, n, step, jnp.zeros_like(b), unroll=n <= UNROLL_ROWS)


def solve_upper(factor: jax.Array, b: jax.Array) -> jax.Array:
    """``x`` with ``factor @ x == b`` (back substitution); ``factor`` upper ``[n, n]``."""
    n = factor.shape[-1]

    def step(k, x):
        i = n - 1 - k
        xi = (b[i] - factor[i] @ x) / factor[i, i]
        return jax.lax.dynamic_update_index_in_dim(x, xi, i, axis=0)

    return jax.lax.fori_loop(0, n, step, jnp.zeros_like(b), unroll=n <= UNROLL_ROWS)


def cho_factor(a, lower: bool = False, overwrite_a: bool = False, check_finite: bool = True):
    """Same contract as ``jax.scipy.linalg.cho_factor``: ``(c, lower)``, ``c`` triangular."""
    del overwrite_a, check_finite
    factor = cholesky_upper(jnp.asarray(a))
    return (factor.T if lower else factor), lower


def cho_solve(c_and_lower, b, overwrite_b: bool = False, check_finite: bool = True):
    """Same contract as ``jax.scipy.linalg.cho_solve``: solves ``a @ x == b`` from the factor."""
    del overwrite_b, check_finite
    c, lower = c_and_lower
    factor = c.T if lower else c
    return solve_upper(factor, solve_upper_transposed(factor, jnp.asarray(b)))


@contextlib.contextmanager
def mjx_cholesky():
    """Within this block, ``jax.scipy.linalg.cho_factor``/``cho_solve`` are the functions above.

    Use it around the *tracing* of MJX calls (inside ``jit``): the traced program keeps the plain
    XLA loops after the block ends. Re-entrant and thread-safe against itself. Setting the
    environment variable ``MJXCONTROL_LAPACK_CHOLESKY=1`` turns the swap off (JAX's LAPACK path
    again), to reproduce the deadlock or compare speeds (benchmarks/lapack_hang.py).
    """
    if os.environ.get(LAPACK_ENV) == "1":
        yield
        return
    with _LOCK:
        saved = jax.scipy.linalg.cho_factor, jax.scipy.linalg.cho_solve
        jax.scipy.linalg.cho_factor, jax.scipy.linalg.cho_solve = cho_factor, cho_solve
        try:
            yield
        finally:
            jax.scipy.linalg.cho_factor, jax.scipy.linalg.cho_solve = saved
