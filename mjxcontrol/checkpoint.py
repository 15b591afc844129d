"""Saving and restoring pytrees (env states, trainer states) bit for bit.

Neither flax's serializer nor orbax accepts an :class:`~mjxcontrol.types.State` as it is: typed
PRNG keys are not plain arrays, and ``mjx.Data`` is MJX's own pytree class. So a tree is saved as
its flat list of leaves, keyed by their pytree paths (``jax.tree_util.keystr``), with PRNG keys
stored as their raw key data plus the name of their PRNG implementation, in flax's msgpack format.
Restoring needs a template of the same structure (``like``), e.g. ``jax.eval_shape`` of the
function that made the tree; every leaf is checked against it, so a file from another task, batch
size or package version is a clear error, never a silently wrong state.

Usage::

    mjxcontrol.save_state("state.msgpack", state)          # any batch shape
    state = mjxcontrol.load_state("state.msgpack", env)    # continues bit-identically
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from flax import serialization

FORMAT = "mjxcontrol-pytree"
FORMAT_VERSION = 1


class CheckpointError(ValueError):
    """A checkpoint file does not match what it is being restored into."""


def _is_key(x) -> bool:
    return isinstance(x, jax.Array | jax.ShapeDtypeStruct) and jnp.issubdtype(
        x.dtype, jax.dtypes.prng_key
    )


def save_pytree(path: str | os.PathLike, tree: Any, metadata: Mapping[str, Any] | None = None):
    """Writes ``tree`` (arrays, typed PRNG keys, any registered pytree nodes) to ``path``.

    Args:
      path: file to write (parent folders are created).
      tree: the pytree; its leaves must be arrays or scalars.
      metadata: small JSON-like facts saved alongside (task id, step...), checked by the reader.
    """
    leaves = {}
    keys = {}
    for p, leaf in jax.tree_util.tree_leaves_with_path(tree):
        name = jax.tree_util.keystr(p)
        if _is_key(leaf):
            keys[name] = str(jax.random.key_impl(leaf))
            leaf = jax.random.key_data(leaf)
        leaves[name] = np.asarray(leaf)
    blob = {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "metadata": dict(metadata or {}),
        "leaves": leaves,
        "keys": keys,
    }
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    tmp = f"{path}.tmp"
    with open(tmp, "wb") as f:
        f.write(serialization.msgpack_serialize(blob))
    os.replace(tmp, path)  # never leave a half-written checkpoint behind


def read_metadata(path: str | os.PathLike) -> dict[str, Any]:
    """The ``metadata`` saved with a pytree (without restoring it)."""
    return dict(_read(path)["metadata"])


def load_pytree(path: str | os.PathLike, like: Any, metadata: Mapping[str, Any] | None = None):
    """Restores a tree saved by :func:`save_pytree` into the structure of ``like``.

    Args:
      path: the file.
      like: a tree (or ``jax.eval_shape`` result) with the saved tree's structure, shapes and
        dtypes.
      metadata: entries that must equal the saved metadata (e.g. ``{"task": "cartpole/swingup"}``).

    Raises:
      CheckpointError: naming the first leaf or metadata entry that does not match.
    """
    blob = _read(path)
    saved_meta = blob["metadata"]
    for k, v in (metadata or {}).items():
        if saved_meta.get(k) != v:
            raise CheckpointError(f"{path}: saved {k}={saved_meta.get(k)!r}, expected {v!r}")
    leaves, keys = blob["leaves"], blob["keys"]
    paths_and_leaves, treedef = jax.tree_util.tree_flatten_with_path(like)
    names = [jax.tree_util.keystr(p) for p, _ in paths_and_leaves]
    missing, extra = set(names) - set(leaves), set(leaves) - set(names)
    if missing or extra:
        raise CheckpointError(
            f"{path}: structure differs from the template: missing {sorted(missing)[:5]}, "
            f"unexpected {sorted(extra)[:5]}"
        )
    out = []
    for name, (_, template) in zip(names, paths_and_leaves, strict=True):
        value = np.asarray(leaves[name])
        if _is_key(template):
            if name not in keys:
                raise CheckpointError(f"{path}: {name} was saved as an array, not a PRNG key")
            key = jax.random.wrap_key_data(jnp.asarray(value), impl=keys[name])
            if key.shape != template.shape:
                raise CheckpointError(f"{path}: {name} has shape {key.shape}, not {template.shape}")
            out.append(key)
            continue
        shape, dtype = np.shape(template), np.dtype(getattr(template, "dtype", value.dtype))
        if value.shape != tuple(shape) or value.dtype != dtype:
            raise CheckpointError(
                f"{path}: {name} is {value.dtype}{list(value.shape)}, expected "
                f"{dtype}{list(shape)} (another task, batch size or version?)"
            )
        out.append(jnp.asarray(value))
    return jax.tree_util.tree_unflatten(treedef, out)


def _read(path) -> dict:
    with open(path, "rb") as f:
        blob = serialization.msgpack_restore(f.read())
    if not isinstance(blob, dict) or blob.get("format") != FORMAT:
        raise CheckpointError(f"{path} is not an mjxcontrol checkpoint")
    if blob.get("version") != FORMAT_VERSION:
        raise CheckpointError(
            f"{path}: format version {blob.get('version')}, this mjxcontrol reads {FORMAT_VERSION}"
        )
    return blob


def save_state(path: str | os.PathLike, state, env=None) -> None:
    """Saves an env :class:`~mjxcontrol.types.State` (single or batched) to ``path``.

    Args:
      path: file to write.
      state: the state, with any leading batch axes.
      env: the env it belongs to; its id and impl are recorded and checked by :func:`load_state`.
    """
    batch_shape = tuple(int(d) for d in np.shape(state.step))
    meta = {"kind": "State", "batch_shape": list(batch_shape)}
    if env is not None:
        meta.update(task=env.id, impl=env.physics.impl)
    save_pytree(path, state, meta)


def load_state(path: str | os.PathLike, env):
    """Restores a state saved by :func:`save_state` for ``env`` (same task, impl, options).

    Continuing from the restored state is bit-identical to continuing from the saved one on the
    same machine. The template comes from ``jax.eval_shape`` of ``env.reset`` (no physics runs).

    Raises:
      CheckpointError: if the file belongs to another task or impl, or its arrays do not fit.
    """
    meta = read_metadata(path)
    if meta.get("kind") != "State":
        raise CheckpointError(f"{path} holds a {meta.get('kind')!r}, not an env State")
    expected = {"task": env.id, "impl": env.physics.impl} if "task" in meta else {}
    batch_shape = tuple(meta["batch_shape"])
    template = _state_template(env, batch_shape, read_params_template(path))
    return load_pytree(path, template, expected)


def read_params_template(path) -> dict[str, jax.ShapeDtypeStruct]:
    """Shapes of the user ``params`` stored in a saved state (they are part of its structure)."""
    leaves = _read(path)["leaves"]
    prefix = ".params['"
    return {
        name[len(prefix) : name.index("']")]: jax.ShapeDtypeStruct(v.shape, v.dtype)
        for name, v in leaves.items()
        if name.startswith(prefix)
    }


def _state_template(env, batch_shape: tuple[int, ...], params: dict):
    """``jax.eval_shape`` of a reset with the saved params, vmapped over ``batch_shape``.

    ``params`` keep their batch axes: a vmapped reset batches every output, shared params too.
    """
    reset = env.reset
    for _ in batch_shape:
        reset = jax.vmap(reset)
    key = jax.ShapeDtypeStruct(batch_shape, jax.random.key(0).dtype)
    return jax.eval_shape(reset, key, params or None)
