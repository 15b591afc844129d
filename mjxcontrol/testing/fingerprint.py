"""A task's trajectory fingerprint, computed in this process or in a fresh one.

Determinism means more than "the same jitted function gives the same output twice": the model,
name tables and traced program must come out the same in every process (set and dict order, hash
seeds, environment), and running the program must not depend on thread timing. So the check runs
the same fixed batch of resets and random-action steps here and in a new Python process with
another ``PYTHONHASHSEED``, and compares SHA-256 digests of every observation, reward and physics
state. With JAX's persistent compilation cache on (the test suite turns it on), an identical
program is loaded from the cache in the child instead of being compiled again, so the check is
cheap exactly when it passes; a program that differs is compiled, and its output compared.

Command line: ``python -m mjxcontrol.testing.fingerprint DOMAIN/TASK ... [--impl jax]`` prints
``<task_id> <sha256>`` per task.
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import os
import subprocess
import sys

import jax
import jax.numpy as jnp
import numpy as np

from mjxcontrol.env import Env
from mjxcontrol.testing.compiled import batch_keys, batch_size, compiled, reset_batch

# Control steps after the reset that the fingerprint covers.
STEPS = 3
# Seconds a child process may take (import, model build, trace, cache load or compile, run).
CHILD_TIMEOUT_S = 600
# A JAX-impl child runs without warp-lang: importing MJX-Warp's kernel modules is a third of a
# small task's child (pendulum/swingup 7.6 s -> 4.7 s on 2 idle cores) and more under load, and
# MJX's JAX impl never uses them. Its programs are unchanged: they load from the parent's
# compilation cache.
_WITHOUT_WARP = (
    "import runpy, sys; sys.modules['warp'] = None; sys.argv[0] = 'fingerprint'; "
    "runpy.run_module('mjxcontrol.testing.fingerprint', run_name='__main__')"
)


def fingerprint(env: Env, steps: int = STEPS, *, fresh: bool = False) -> str:
    """SHA-256 of reset batch 0 and ``steps`` fixed random-action steps of its envs.

    ``fresh=True`` traces and compiles new functions instead of the shared ones.
    """
    fns = compiled(env, fresh=fresh)
    spec = env.action_spec()
    lo = np.where(np.isfinite(spec.minimum), spec.minimum, -1.0)
    hi = np.where(np.isfinite(spec.maximum), spec.maximum, 1.0)
    rng = np.random.default_rng(1234)
    digest = hashlib.sha256()
    state = fns["reset"](batch_keys(0, batch_size(env))) if fresh else reset_batch(env, 0)
    _update(digest, state)
    for _ in range(steps):
        action = rng.uniform(lo, hi, (batch_size(env), env.action_size)).astype(np.float32)
        state = fns["step"](state, jnp.asarray(action))
        _update(digest, state)
    return digest.hexdigest()


def _update(digest, state) -> None:
    parts = (state.obs, state.reward, state.discount, state.data.qpos, state.data.qvel)
    for leaf in jax.tree.leaves(parts):
        digest.update(np.ascontiguousarray(np.asarray(leaf)).tobytes())


def fingerprint_in_child(
    task_id: str, impl: str = "jax", hash_seed: str = "12345", extra_env: dict | None = None
) -> str:
    """:func:`fingerprint` of ``task_id`` computed by a new Python process.

    The child inherits this process's environment (XLA flags, JAX's compilation cache settings)
    except ``PYTHONHASHSEED``, which is set to ``hash_seed``, and ``extra_env``.
    """
    return fingerprints_in_child((task_id,), impl, hash_seed, extra_env)[task_id]


@functools.cache
def _domain_fingerprints(task_ids: tuple[str, ...], impl: str) -> dict[str, str]:
    return fingerprints_in_child(task_ids, impl)


def fingerprint_of_domain_in_child(task_id: str, task_ids: tuple[str, ...], impl: str) -> str:
    """``task_id``'s fingerprint from one child process that fingerprints all of ``task_ids``
    (a domain's tasks, which share compiled physics), spawned once per process and reused."""
    return _domain_fingerprints(task_ids, impl)[task_id]


def fingerprints_in_child(
    task_ids, impl: str = "jax", hash_seed: str = "12345", extra_env: dict | None = None
) -> dict[str, str]:
    """``{task_id: fingerprint}`` computed by one new Python process (see
    :func:`fingerprint_in_child`)."""
    env = {**os.environ, "PYTHONHASHSEED": hash_seed, **(extra_env or {})}
    args = [*task_ids, "--impl", impl]
    if impl == "jax":  # MJX imports MJX-Warp's kernel modules whenever warp-lang is installed
        cmd = [sys.executable, "-c", _WITHOUT_WARP, *args]
    else:
        cmd = [sys.executable, "-m", "mjxcontrol.testing.fingerprint", *args]
    result = subprocess.run(
        cmd, env=env, capture_output=True, text=True, timeout=CHILD_TIMEOUT_S, check=False
    )
    if result.returncode != 0:
        raise RuntimeError(
            f"fingerprint child for {', '.join(task_ids)} failed ({result.returncode}):\n"
            + result.stderr[-2000:]
        )
    lines = result.stdout.strip().splitlines()[-len(task_ids) :]
    return dict(line.split() for line in lines)


def main(argv: list[str] | None = None) -> int:
    import mjxcontrol

    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("tasks", nargs="+", help="DOMAIN/TASK ...")
    parser.add_argument("--impl", default="jax")
    args = parser.parse_args(argv)
    for task_id in args.tasks:  # one line per task: "<task_id> <sha256>"
        env = mjxcontrol.load(task_id, impl=args.impl, num_envs=batch_size(task_id))
        print(task_id, fingerprint(env), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
