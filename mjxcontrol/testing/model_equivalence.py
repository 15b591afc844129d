"""Field-by-field comparison of two compiled MuJoCo models.

Used to prove that a model we author (with ``mujoco.MjSpec`` / ``mjcf_builder``) compiles to the
same
physics as a reference model, e.g. the one dm_control ships. Host-side only: imports no JAX.
"""

from __future__ import annotations

import dataclasses

import mujoco
import numpy as np

# Relative/absolute float tolerance for compiled model fields. Both models are compiled by the same
# MuJoCo in float64, so only decimal rounding of authored numbers (e.g. 0.1 written as 1e-1 vs
# derived from settotalmass rescaling) separates them.
MODEL_RTOL = 1e-6
MODEL_ATOL = 1e-8

# Sizes that define the model's topology; they must match exactly.
SIZE_FIELDS = (
    "nq",
    "nv",
    "nu",
    "na",
    "nbody",
    "njnt",
    "ngeom",
    "nsite",
    "nsensor",
    "nsensordata",
    "ntendon",
    "nwrap",
    "neq",
    "nexclude",
)

# Compiled arrays that determine the simulated physics, the observations or the reward.
PHYSICS_FIELDS = (
    # bodies
    "body_parentid",
    "body_pos",
    "body_quat",
    "body_ipos",
    "body_iquat",
    "body_mass",
    "body_inertia",
    "body_gravcomp",
    # joints and dofs
    "jnt_type",
    "jnt_bodyid",
    "jnt_qposadr",
    "jnt_dofadr",
    "jnt_pos",
    "jnt_axis",
    "jnt_limited",
    "jnt_range",
    "jnt_stiffness",
    "jnt_solref",
    "jnt_solimp",
    "jnt_margin",
    "qpos0",
    "qpos_spring",
    "dof_damping",
    "dof_armature",
    "dof_frictionloss",
    "dof_solref",
    "dof_solimp",
    # geoms
    "geom_type",
    "geom_bodyid",
    "geom_size",
    "geom_pos",
    "geom_quat",
    "geom_contype",
    "geom_conaffinity",
    "geom_condim",
    "geom_friction",
    "geom_solref",
    "geom_solimp",
    "geom_margin",
    "geom_gap",
    "geom_priority",
    "geom_solmix",
    # sites
    "site_type",
    "site_bodyid",
    "site_size",
    "site_pos",
    "site_quat",
    # actuators
    "actuator_trntype",
    "actuator_dyntype",
    "actuator_gaintype",
    "actuator_biastype",
    "actuator_trnid",
    "actuator_gear",
    "actuator_ctrllimited",
    "actuator_ctrlrange",
    "actuator_forcelimited",
    "actuator_forcerange",
    "actuator_gainprm",
    "actuator_biasprm",
    "actuator_dynprm",
    # tendons
    "tendon_adr",
    "tendon_num",
    "tendon_limited",
    "tendon_range",
    "tendon_stiffness",
    "tendon_damping",
    "wrap_type",
    "wrap_objid",
    "wrap_prm",
    # sensors
    "sensor_type",
    "sensor_objtype",
    "sensor_objid",
    "sensor_dim",
    "sensor_adr",
    # exclusions
    "exclude_signature",
)

OPTION_FIELDS = (
    "timestep",
    "gravity",
    "wind",
    "density",
    "viscosity",
    "integrator",
    "cone",
    "solver",
    "iterations",
    "ls_iterations",
    "tolerance",
    "noslip_iterations",
    "impratio",
    "disableflags",
    "enableflags",
)

NAMED_OBJECTS = (
    ("body", mujoco.mjtObj.mjOBJ_BODY, "nbody"),
    ("joint", mujoco.mjtObj.mjOBJ_JOINT, "njnt"),
    ("geom", mujoco.mjtObj.mjOBJ_GEOM, "ngeom"),
    ("site", mujoco.mjtObj.mjOBJ_SITE, "nsite"),
    ("actuator", mujoco.mjtObj.mjOBJ_ACTUATOR, "nu"),
    ("sensor", mujoco.mjtObj.mjOBJ_SENSOR, "nsensor"),
    ("tendon", mujoco.mjtObj.mjOBJ_TENDON, "ntendon"),
)


@dataclasses.dataclass(frozen=True)
class Mismatch:
    """One field that differs between the two models."""

    field: str
    ours: object
    reference: object

    def __str__(self) -> str:
        return f"{self.field}: ours={self.ours!r} reference={self.reference!r}"


def names(model: mujoco.MjModel, obj: mujoco.mjtObj, count: int) -> list[str]:
    """Names of all objects of one type, in model order ('' for unnamed)."""
    return [mujoco.mj_id2name(model, obj, i) or "" for i in range(count)]


def compare_models(
    ours: mujoco.MjModel,
    reference: mujoco.MjModel,
    *,
    rtol: float = MODEL_RTOL,
    atol: float = MODEL_ATOL,
    ignore: tuple[str, ...] = (),
) -> list[Mismatch]:
    """Returns every difference in topology, names, options and physics arrays.

    Args:
      ours: the model under test.
      reference: the model it must reproduce (e.g. ``dm_control`` suite physics' ``model.ptr``).
      rtol: relative tolerance for float arrays.
      atol: absolute tolerance for float arrays.
      ignore: field names to skip (each use should say why at the call site).

    Returns:
      A list of mismatches; empty when the models are equivalent.
    """
    out: list[Mismatch] = []
    for field in SIZE_FIELDS:
        if field in ignore:
            continue
        a, b = getattr(ours, field), getattr(reference, field)
        if a != b:
            out.append(Mismatch(field, a, b))
    if out:  # arrays cannot be compared when sizes differ
        return out
    for kind, obj, count_field in NAMED_OBJECTS:
        if f"{kind}_names" in ignore:
            continue
        a = names(ours, obj, getattr(ours, count_field))
        b = names(reference, obj, getattr(reference, count_field))
        if a != b:
            out.append(Mismatch(f"{kind} names", a, b))
    for field in OPTION_FIELDS:
        if f"opt.{field}" in ignore:
            continue
        _compare(
            out, f"opt.{field}", getattr(ours.opt, field), getattr(reference.opt, field), rtol, atol
        )
    for field in PHYSICS_FIELDS:
        if field in ignore:
            continue
        _compare(out, field, getattr(ours, field), getattr(reference, field), rtol, atol)
    return out


def _compare(out: list[Mismatch], field: str, a, b, rtol: float, atol: float) -> None:
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape:
        out.append(Mismatch(field + ".shape", a.shape, b.shape))
    elif np.issubdtype(a.dtype, np.floating):
        if not np.allclose(a, b, rtol=rtol, atol=atol):
            bad = np.argwhere(~np.isclose(a, b, rtol=rtol, atol=atol))[:5].tolist()
            out.append(Mismatch(f"{field}{bad}", a.tolist(), b.tolist()))
    elif not np.array_equal(a, b):
        out.append(Mismatch(field, a.tolist(), b.tolist()))


def assert_models_equivalent(ours: mujoco.MjModel, reference: mujoco.MjModel, **kwargs) -> None:
    """Raises AssertionError listing every mismatch found by :func:`compare_models`."""
    mismatches = compare_models(ours, reference, **kwargs)
    if mismatches:
        lines = "\n  ".join(str(m) for m in mismatches)
        raise AssertionError(f"{len(mismatches)} model fields differ:\n  {lines}")


# Camera and light arrays: not physics, but pixel-based tasks render through them.
VIEW_FIELDS = (
    "cam_bodyid",
    "cam_mode",
    "cam_pos",
    "cam_quat",
    "cam_fovy",
    "light_bodyid",
    "light_mode",
    "light_pos",
    "light_dir",
)


def assert_views_equivalent(
    ours: mujoco.MjModel, reference: mujoco.MjModel, atol: float = MODEL_ATOL
) -> None:
    """Same numbers of cameras and lights, and the same :data:`VIEW_FIELDS` arrays."""
    assert (ours.ncam, ours.nlight) == (reference.ncam, reference.nlight)
    for field in VIEW_FIELDS:
        np.testing.assert_allclose(
            getattr(ours, field), getattr(reference, field), atol=atol, err_msg=field
        )


def assert_looks_equivalent(
    ours: mujoco.MjModel, reference: mujoco.MjModel, fields: tuple[str, ...] = ()
) -> None:
    """:func:`assert_views_equivalent`, the same numbers of materials and textures, the same
    ``stat`` centre and extent (the free camera's framing), and the same arrays ``fields`` (for
    example ``geom_matid`` or ``site_rgba``)."""
    assert_views_equivalent(ours, reference)
    assert (ours.nmat, ours.ntex) == (reference.nmat, reference.ntex)
    for field in fields:
        np.testing.assert_allclose(getattr(ours, field), getattr(reference, field), err_msg=field)
    np.testing.assert_allclose(ours.stat.center, reference.stat.center)
    np.testing.assert_allclose(ours.stat.extent, reference.stat.extent)
