"""Compiled programs that a later run loads instead of tracing them again.

JAX's persistent compilation cache (:mod:`mjxcontrol.compilation_cache`) skips XLA's compile on a
second run, but not the tracing and lowering before it, which JAX needs to compute the cache's
key: for MJX's physics, one to three seconds of Python per program (cartpole/swingup's bench
chunk: 1.5 s to lower, 0.6 s to load from the cache). :func:`compile_stored` keeps each program
it compiles as exported StableHLO (``jax.export``) in ``programs/`` under the cache's directory,
named by a digest of everything that decides the program; a later run deserialises it and
compiles that, which hits the cache. The program is the same StableHLO either way, so results
equal a direct ``jax.jit`` of the function to the bit.

The digest covers the caller's description of the program (task, profile, batch and chunk
sizes, trainer config: the run's arguments), the installed jax, jaxlib, mujoco and mujoco-mjx
versions, JAX's configuration, the devices, and the contents of every file of the installed
``mjxcontrol`` (with its ``tasks`` and ``benchmarks``) and ``mjcf_builder`` (code and model
assets): an edited checkout never loads a program of its old code. Nothing is stored while the
persistent cache is off (``--no-cache``); a stored file that cannot be read is compiled again;
a program that cannot be exported (MJX-Warp's kernels) is compiled as it is, every run.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import importlib.util
import json
import logging
import os
import pathlib
import pickle
import tempfile
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import jax
import mujoco
import numpy as np

PROGRAMS_SUBDIR = "programs"
# The packages whose files decide a program (code and model assets).
SOURCE_PACKAGES = ("mjxcontrol", "mjxcontrol.tasks", "mjxcontrol.benchmarks", "mjcf_builder")
DISTRIBUTIONS = ("jax", "jaxlib", "mujoco", "mujoco-mjx")

_log = logging.getLogger(__name__)


class StoredProgram:
    """A compiled program called like the function it was made from: ``program(*args)``, with
    ``args`` of the pytree structure and shapes it was compiled for."""

    def __init__(self, compiled: Any, in_tree: Any, out_tree: Any, name: str):
        self.compiled, self.in_tree, self.out_tree, self.name = compiled, in_tree, out_tree, name

    def __call__(self, *args):
        leaves, tree = jax.tree.flatten(args)
        if tree != self.in_tree:
            raise ValueError(
                f"stored program {self.name}: arguments of structure {tree}, compiled for "
                f"{self.in_tree}"
            )
        return jax.tree.unflatten(self.out_tree, self.compiled(*leaves))

    def as_text(self) -> str | None:
        """The compiled program's HLO text (as ``jax.stages.Compiled.as_text``)."""
        return self.compiled.as_text()


def store_dir() -> pathlib.Path | None:
    """``programs/`` under JAX's persistent compilation cache, or None while that cache is off."""
    cache = jax.config.jax_compilation_cache_dir
    return pathlib.Path(cache) / PROGRAMS_SUBDIR if cache else None


def compile_stored(
    description: Mapping[str, Any],
    make: Callable[[], tuple[Callable, Sequence[Any]]],
    options: Mapping[str, Any],
    donate_argnums: Sequence[int] = (),
    **placement: Any,
) -> Callable:
    """``fn`` compiled for ``args`` with XLA ``options``, where ``fn, args = make()``; ``args``
    are arrays or ``jax.ShapeDtypeStruct`` pytrees. Loaded from the store when a run already
    compiled it (``make`` is then not called: no tracing at all), else traced, stored and
    compiled.

    ``description`` (JSON-serialisable) must name everything besides the installed code and
    packages that decides ``fn``'s program: which program it is and the arguments it was built
    from. Without the persistent cache, for a program that cannot be exported, or with
    ``placement`` (``jax.jit``'s ``in_shardings`` / ``out_shardings``: a sharded program), this
    is :func:`compile_plain`.
    """
    directory = store_dir()
    if directory is None or placement:
        return compile_plain(make, options, donate_argnums, **placement)
    key = _digest(description)
    path = directory / f"{key}.bin"
    name = json.dumps(dict(description), sort_keys=True, default=str)
    unexportable = path.with_suffix(".unexportable")
    if unexportable.exists():
        return compile_plain(make, options, donate_argnums)
    loaded = _load(path)
    if loaded is None:
        fn, args = make()
        try:
            loaded, serialized = _export(fn, args)
        except Exception as e:  # noqa: BLE001 - e.g. MJX-Warp's kernels: compile it as it is
            _log.info("program %s not stored (%s: %s)", name, type(e).__name__, e)
            _write(unexportable, f"{type(e).__name__}: {e}".encode())  # later runs: no export
            return compile_plain(lambda: (fn, args), options, donate_argnums)
        _save(path, serialized, *loaded[1:])
    exported, in_tree, out_tree = loaded
    arg_sizes = [len(jax.tree.leaves(a)) for a in jax.tree.unflatten(in_tree, exported.in_avals)]
    donated = [
        i for arg in donate_argnums for i in range(sum(arg_sizes[:arg]), sum(arg_sizes[: arg + 1]))
    ]
    compiled = (
        jax.jit(exported.call, donate_argnums=donated)
        .lower(*exported.in_avals)
        .compile(dict(options))
    )
    return StoredProgram(compiled, in_tree, out_tree, name)


def env_description(env) -> dict[str, str]:
    """What decides an :class:`mjxcontrol.Env`'s programs besides the code: its repr (task, impl,
    profile, timing), its task's config and a digest of its compiled MuJoCo model."""
    model = env.physics.mj_model
    buffer = np.empty(mujoco.mj_sizeModel(model), np.uint8)
    mujoco.mj_saveModel(model, None, buffer)
    return {
        "env": repr(env),
        "task_config": repr(env.task),
        "model": hashlib.sha256(buffer.tobytes()).hexdigest(),
    }


def compile_plain(
    make: Callable[[], tuple[Callable, Sequence[Any]]],
    options: Mapping[str, Any],
    donate_argnums: Sequence[int] = (),
    **placement: Any,
) -> Callable:
    """``jax.jit(fn, donate_argnums=..., **placement).lower(*args).compile(options)``, where
    ``fn, args = make()``: :func:`compile_stored` without the store."""
    fn, args = make()
    jitted = jax.jit(fn, donate_argnums=tuple(donate_argnums), **placement)
    return jitted.lower(*args).compile(dict(options))


def once(make: Callable[[], Any]) -> Callable[[], Any]:
    """``make()`` at the first call from any thread, then kept: a template that only a miss of
    :func:`compile_stored` traces, shared by programs compiling side by side."""
    lock = threading.Lock()
    kept = functools.cache(make)

    def get():
        with lock:
            return kept()

    return get


def _export(fn: Callable, args: Sequence[Any]):
    """``((exported, in_tree, out_tree), serialized)``: ``fn`` exported as a function of the
    flat leaves of ``args`` (``jax.export`` serialises pytrees only of types registered with it;
    the trees are pickled beside it instead) and the export's bytes."""
    leaves, in_tree = jax.tree.flatten(tuple(args))
    out_trees = []

    def flat(*xs):
        out = fn(*jax.tree.unflatten(in_tree, xs))
        out_leaves, out_tree = jax.tree.flatten(out)
        out_trees.append(out_tree)
        return out_leaves

    exported = jax.export.export(jax.jit(flat))(*map(_abstract, leaves))
    serialized = bytes(exported.serialize())  # raises here if it cannot be stored
    return (exported, in_tree, out_trees[0]), serialized


def _abstract(x) -> jax.ShapeDtypeStruct:
    """The shape, dtype and weak type of an argument leaf (an array, a Python scalar or a
    ``jax.ShapeDtypeStruct``)."""
    if isinstance(x, jax.ShapeDtypeStruct):
        return x
    aval = jax.typeof(x)
    return jax.ShapeDtypeStruct(aval.shape, aval.dtype, weak_type=aval.weak_type)


def _save(path: pathlib.Path, serialized: bytes, in_tree, out_tree) -> None:
    """Writes the program atomically (a concurrent run reads the old file or the new one)."""
    try:
        blob = pickle.dumps((serialized, in_tree, out_tree))
    except (pickle.PicklingError, TypeError, AttributeError) as e:
        _log.info("program not stored at %s (%s)", path, e)
        return
    _write(path, blob)


def _write(path: pathlib.Path, blob: bytes) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, delete=False) as f:
            f.write(blob)
        os.replace(f.name, path)
    except OSError as e:  # a read-only cache: the run goes on, compiling as usual
        _log.info("nothing written at %s (%s)", path, e)


def _load(path: pathlib.Path):
    """``(exported, in_tree, out_tree)`` from ``path``, or None if absent or unreadable."""
    try:
        blob, in_tree, out_tree = pickle.loads(path.read_bytes())
        return jax.export.deserialize(bytearray(blob)), in_tree, out_tree
    except FileNotFoundError:
        return None
    except Exception as e:  # noqa: BLE001 - a truncated or foreign file: compile it again
        _log.info("stored program %s unreadable (%s); compiling it again", path, e)
        return None


def _digest(description: Mapping[str, Any]) -> str:
    """The stored program's name. XLA options and donation are not in it: they are applied when
    the stored StableHLO is compiled (and are in the persistent cache's key)."""
    text = json.dumps(
        {
            "description": dict(description),
            "environment": _environment(),
            "jax_config": {k: v for k, v in jax.config.values.items() if "cache" not in k},
            "devices": [(d.platform, d.device_kind) for d in jax.local_devices()],
        },
        sort_keys=True,
        default=str,
    )
    return hashlib.sha256(text.encode()).hexdigest()[:32]


@functools.cache
def _environment() -> dict[str, str]:
    """Installed versions and the digest of this checkout's package files (once per process)."""
    versions = {d: importlib.metadata.version(d) for d in DISTRIBUTIONS}
    return {**versions, "sources": source_digest()}


def source_digest() -> str:
    """sha256 of every file (path and contents) of :data:`SOURCE_PACKAGES`, ``__pycache__``
    left out."""
    digest = hashlib.sha256()
    for package in SOURCE_PACKAGES:
        spec = importlib.util.find_spec(package)
        if spec is None or not spec.submodule_search_locations:
            continue
        for root in spec.submodule_search_locations:
            base = pathlib.Path(root)
            for path in sorted(base.rglob("*")):
                if path.is_file() and "__pycache__" not in path.parts:
                    digest.update(f"{package}/{path.relative_to(base)}\0".encode())
                    digest.update(path.read_bytes())
    return digest.hexdigest()
