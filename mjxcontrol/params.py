"""Validation of per-env physical parameters (``mjx.Model`` field overrides).

Only the ``jax.Array`` fields of an ``mjx.Model`` can vary per env: MJX keeps the others (geom and
joint types, addresses, tendon wrap coefficients...) as numpy arrays that shape the compiled
program, so a traced value there fails deep inside MJX. Concrete values are also checked against
the physical range of their field, so ``body_mass=-1`` or a NaN damping is a clear error here
instead of a diverged simulation later.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping

import jax
import jax.numpy as jnp
import numpy as np

from mjxcontrol._mjx import mjx

# Fields whose every entry must be >= 0 (a negative mass, inertia, size, damping, ... has no
# physical meaning and makes MuJoCo's dynamics diverge or its inertia matrix indefinite).
NONNEGATIVE_FIELDS = frozenset(
    {
        "body_mass",
        "body_inertia",
        "body_gravcomp",
        "dof_damping",
        "dof_armature",
        "dof_frictionloss",
        "jnt_stiffness",
        "jnt_margin",
        "geom_size",
        "geom_friction",
        "geom_margin",
        "geom_gap",
        "geom_rbound",
        "site_size",
        "tendon_stiffness",
        "tendon_damping",
        "tendon_frictionloss",
        "actuator_cfrc",
        "light_attenuation",
    }
)


def dynamic_fields(model: mjx.Model) -> tuple[str, ...]:
    """Names of the ``mjx.Model`` fields that may be overridden per env, sorted."""
    return tuple(
        sorted(
            k for k, v in vars(model).items() if isinstance(v, jax.Array) and not k.startswith("_")
        )
    )


def validate(model: mjx.Model, fields: Mapping[str, object], owner: str) -> dict[str, jax.Array]:
    """Checks overrides of ``model``'s fields; returns them as arrays of the fields' dtypes.

    Args:
      model: the compiled ``mjx.Model``.
      fields: field name -> value with the field's shape (a leading batch axis is added by vmap).
      owner: what to name in error messages (the task id).

    Raises:
      ValueError: for an unknown field (with close names), a field MJX treats as static, a wrong
        shape, or a concrete value that is not finite or outside its field's physical range.
    """
    dynamic = dynamic_fields(model)
    out = {}
    for name, value in fields.items():
        current = getattr(model, name, None)
        if isinstance(current, np.ndarray) and not name.startswith("_"):
            raise ValueError(
                f"{owner}: {name!r} is a static field of mjx.Model (MJX compiles its values into "
                "the program), so it cannot be a per-env parameter; change it in the MuJoCo model "
                "and load a new env instead"
            )
        if name not in dynamic:
            close = difflib.get_close_matches(name, dynamic, n=4, cutoff=0.6)
            hint = (
                f"did you mean {' or '.join(map(repr, close))}?"
                if close
                else ("see mjxcontrol.params.dynamic_fields(env.physics.model) for the full list")
            )
            raise ValueError(f"{owner}: {name!r} is not an mjx.Model array field; {hint}")
        current = getattr(model, name)
        array = jnp.asarray(value, dtype=current.dtype)
        if array.shape != current.shape:
            raise ValueError(
                f"{owner}: param {name!r} must have shape {current.shape}, got {array.shape}"
            )
        _check_range(name, value, owner)
        out[name] = array
    return out


def _check_range(name: str, value, owner: str) -> None:
    """Range checks for concrete values (traced values are passed through unchecked)."""
    if isinstance(value, jax.core.Tracer):
        return
    array = np.asarray(value)
    if not np.issubdtype(array.dtype, np.number):
        raise ValueError(f"{owner}: param {name!r} must be numeric, got dtype {array.dtype}")
    if not np.isfinite(array).all():
        bad = _where(~np.isfinite(array))
        raise ValueError(f"{owner}: param {name!r} has non-finite entries at {bad}")
    if name in NONNEGATIVE_FIELDS and (array < 0).any():
        raise ValueError(
            f"{owner}: param {name!r} must be >= 0 (a negative value is unphysical), negative at "
            f"{_where(array < 0)}"
        )


def _where(mask: np.ndarray) -> str:
    index = np.argwhere(mask)
    shown = ", ".join(str(tuple(int(i) for i in row)) for row in index[:4])
    return f"index {shown}" + (f" and {len(index) - 4} more" if len(index) > 4 else "")
