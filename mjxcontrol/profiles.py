"""Physics profiles: ``"exact"`` (the default) and ``"fast"``, as solver-option overrides.

* ``exact``: dm_control's own model options, except where a sweep against dm_control
  (benchmarks/solver_sweep.py, evidence in docs/performance.md) showed that a lower solver cap
  leaves the worst one-step error against dm_control unchanged: :data:`EXACT`. A row may also
  cap MJX's contacts per contact dimension (``max_contact_points``) at twice or more the most
  contacts C MuJoCo ever had at once on the sweep's states: MJX's JAX impl otherwise solves for
  every contact slot the model could ever fill (humanoid: 177), almost all of them apart. MJX
  keeps the deepest contacts, so while fewer touch than the cap nothing changes; a step that
  fills the cap with touching contacts is flagged like any dropped contact (a physics error).
  A row may cap the geom pairs MJX collides per collision group too (``max_geom_pairs``, the
  nearest by bounding sphere) at twice or more the most pairs of one group whose bounding
  spheres C MuJoCo's states ever had within their margin; a step with more such pairs than the
  cap is flagged the same way. Both guards (:mod:`mjxcontrol.contact_guard`) check every
  substep's collision. The line-search cap counts as much as the Newton cap: MJX runs its line
  search as a fixed-length scan, so under ``vmap`` every env pays for every line-search
  iteration of every Newton iteration, converged or not. The parity tests run with these
  defaults.
* ``fast``: fewer solver and line-search iterations (MuJoCo Playground's class of settings;
  walker also a doubled physics timestep, as Playground's humanoid), for users who want
  throughput over fidelity; the one-step error it costs against dm_control is
  published per task in docs/performance.md. It is never on unless asked for:
  ``mjxcontrol.load(..., physics="fast")``.

Overrides are ``mujoco.MjOption`` field names (``iterations``, ``ls_iterations``, ``tolerance``,
``integrator``...) plus ``disable``: a tuple of ``mjtDisableBit`` names (``"eulerdamp"``) to set
on top of the model's own disable flags, and MJX's contact caps (:data:`MJX_NUMERICS`:
``max_geom_pairs``, the nearest geom pairs that MJX's JAX impl tests per kind of collision, and
``max_contact_points``, the deepest contacts it keeps per kind), which MJX reads from the
model's custom numerics, so they are added to the model's spec before it compiles. They are
keyed by domain or by ``"domain/task"`` (a task's row wins over its domain's).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

import mujoco

from mjxcontrol import contact_guard

PROFILES = ("exact", "fast")
DEFAULT_PROFILE = "exact"

# Solver caps that change nothing measurable (see the module docstring). Each row is the fastest
# cap whose worst one-step error against dm_control, over 1,024 recorded states of the swept task
# (resets and up to 500 random steps), equals dm_control's own cap's within 1e-5, and which C
# MuJoCo itself never needed to exceed on those states (`binds` 0 %); a contact cap also keeps
# at least twice the most contacts of one dimension C had at once there. The evidence is the logged
# sweep, docs/solver_sweep.jsonl (rendered in docs/performance.md, checked by
# tests/test_profiles.py); every task of a listed domain is also held to its parity tolerance
# with these caps by tests/parity. Domains not listed keep dm_control's own caps.
EXACT: dict[str, dict[str, Any]] = {
    # catch: 10x (4 (8): 5.6x; contact cap 1.27x alone), C needs <= 4 iterations, <= 3 of 16
    # contacts at once
    "ball_in_cup": {"iterations": 4, "ls_iterations": 2, "max_contact_points": 6},
    # swingup: 2.2x, C needs <= 2; one iteration errs 0.014
    "cartpole": {"iterations": 2, "ls_iterations": 2},
    # run: 16x (contact cap 2.0x alone), C needs <= 5 iterations, <= 2 of 35 contacts at once;
    # 4 iterations err 0.17
    "cheetah": {"iterations": 5, "ls_iterations": 2, "max_contact_points": 6},
    # spin: 18x (4 (8): 13x; contact cap 2.7x alone), C needs <= 4 iterations, <= 2 of 30
    # contacts at once; 2 line-search iterations err 0.05
    "finger": {"iterations": 4, "ls_iterations": 3, "max_contact_points": 4},
    # hop: 4.7x (8 (8): 3.1x; contact cap 1.03-1.16x alone), C needs <= 7 iterations (stand:
    # 7), <= 6 of 21 contacts at once; 7 (2) as exact and as fast, 7 (1) errs 1.18
    "hopper": {"iterations": 8, "ls_iterations": 2, "max_contact_points": 12},
    # stand: 6.1x (8 (8): 5.6x; contact cap 2.5x alone), C needs <= 8 iterations, <= 10 of 177
    # contacts of one dimension at once; 2 line-search iterations err 61 and fail the parity
    # tests of all four tasks
    "humanoid": {"iterations": 8, "ls_iterations": 4, "max_contact_points": 20},
    # bring_ball: 18x (contact cap 7.6x alone), C needs <= 5 iterations, <= 6 of 173 contacts;
    # 2 line-search iterations err 48, 4 fail bring_ball's parity test, 6 are exact (and pass
    # every manipulator parity test) but no faster at 64 envs (1,153 vs 1,135 env-steps/s): kept
    "manipulator": {"iterations": 8, "ls_iterations": 8, "max_contact_points": 12},
    # easy: 7.9x (2 (5): 4.3x), C needs <= 1 (limits only)
    "point_mass": {"iterations": 1, "ls_iterations": 2},
    # walk: 4.3x (8 (8): 4.0x; contact cap 2.0x alone), C needs <= 6 iterations, <= 4 of 191
    # contacts at once; 8 (2) is exact on walk's states but not on fetch's (a sample errs 6.2,
    # tests/parity)
    "quadruped": {
        "iterations": 8,
        "ls_iterations": 4,
        "max_contact_points": 8,
        "max_geom_pairs": 4,
    },
    "reacher": {"iterations": 2, "ls_iterations": 2},  # easy: 5.0x (2 (5): 4.8x), C needs <= 2
    # stack_2: 15x (contact cap 4.9x alone), C needs <= 5 iterations, <= 14 of 239 contacts at
    # once; 2 line-search iterations raise its worst error from 2.28 to 7.2; 4 are exact (and
    # pass every stacker parity test) but no faster at 64 envs (610 vs 607 env-steps/s): kept
    "stacker": {"iterations": 8, "ls_iterations": 8, "max_contact_points": 28},
    # walk: 7.1x (contact cap 1.06x alone), C needs <= 8 iterations, <= 5 of 14 contacts at once;
    # 3 line-search iterations err 1.07
    "walker": {"iterations": 8, "ls_iterations": 4, "max_contact_points": 10},
}

# The fast profile: every task starts from FAST_BASE (each cap lowered to the exact profile's
# where that is lower still, and the exact profile's contact cap: fast is never slower than
# exact), then its domain's / task's row of FAST.
FAST_BASE: dict[str, Any] = {"iterations": 4, "ls_iterations": 8}
FAST: dict[str, dict[str, Any]] = {
    # MuJoCo Playground 0.2's physics for these three models (no implicit Euler damping; Euler
    # instead of dm_control's RK4 for cartpole, whose contacts are off in both; Playground's MJX
    # contact caps), with the solver caps lowered as far as the worst one-step error against
    # dm_control stays what Playground's own caps give (docs/performance.md). Walker also takes
    # twice dm_control's physics timestep (5 substeps of 5 ms per 25 ms control step), as
    # Playground does for humanoid: at dm_control's timestep no setting measured was 25 % faster
    # than Playground's walker, and the published error is twice that of Playground's settings.
    "cartpole": {
        "iterations": 1,
        "integrator": int(mujoco.mjtIntegrator.mjINT_EULER),
        "disable": ("eulerdamp",),
    },
    # humanoid: C needs more than 4 iterations on 40 % of the swept states (error 27 at 4 (8),
    # session 24's sweep); 6 err 1.3 (6 (4) with the exact row's line-search cap, 1.07x its speed;
    # docs/performance.md).
    "humanoid": {"iterations": 6},
    "cheetah": {
        "iterations": 2,
        "disable": ("eulerdamp",),
        "max_geom_pairs": 4,
        "max_contact_points": 6,
    },
    "walker": {
        "iterations": 2,
        "timestep": 0.005,
        "disable": ("eulerdamp",),
        "max_geom_pairs": 4,
        "max_contact_points": 4,
    },
}

# Custom numerics that MJX's collision driver reads (mujoco.mjx collision_driver), -1 or absent:
# no cap. The fast profile's may drop contacts that dm_control simulates; the exact profile's
# keep twice what C MuJoCo needed and are guarded (mjxcontrol.contact_guard). MJX-Warp ignores both,
# so a warp env is compiled without them.
MJX_NUMERICS = contact_guard.NUMERICS


def check_profile(profile: Any) -> str:
    """Returns ``profile`` if known, else raises ValueError naming the choices."""
    if not isinstance(profile, str) or profile not in PROFILES:
        raise ValueError(f"unknown physics profile {profile!r}; choose one of {PROFILES}")
    return profile


def overrides(task_id: str, profile: str) -> dict[str, Any]:
    """The option overrides of ``profile`` for ``task_id`` (``"domain/task"``)."""
    check_profile(profile)
    domain = task_id.split("/")[0]
    exact = {**EXACT.get(domain, {}), **EXACT.get(task_id, {})}
    if profile == "exact":
        return exact
    base = {name: min(cap, exact.get(name, cap)) for name, cap in FAST_BASE.items()}
    for name in MJX_NUMERICS:  # the exact caps, unguarded (fast may drop contacts)
        if name in exact:
            base[name] = exact[name]
    return {**base, **FAST.get(domain, {}), **FAST.get(task_id, {})}


def apply(model: mujoco.MjModel | mujoco.MjSpec, options: Mapping[str, Any]) -> mujoco.MjModel:
    """``model`` compiled (if a spec) with ``options``: MJX contact caps added to a copy of the
    spec, the rest set on a copy of the model's ``opt`` (the original is untouched).

    Raises:
      ValueError: for an unknown option or disable flag, or contact caps asked of a compiled
        ``MjModel`` (they need its spec).
    """
    numerics = {k: v for k, v in options.items() if k in MJX_NUMERICS}
    if isinstance(model, mujoco.MjSpec):
        model = _with_numerics(model, numerics).compile()
    elif numerics:
        raise ValueError(f"{sorted(numerics)} are model numerics: pass the model's MjSpec")
    options = {k: v for k, v in options.items() if k not in MJX_NUMERICS}
    if not options:
        return model
    model = copy.copy(model)
    for name, value in options.items():
        if name == "disable":
            model.opt.disableflags |= _disable_mask(value)
        elif not hasattr(model.opt, name):
            raise ValueError(f"{name!r} is not a mujoco.MjOption field (nor 'disable')")
        else:
            setattr(model.opt, name, value)
    return model


def _with_numerics(spec: mujoco.MjSpec, numerics: Mapping[str, Any]) -> mujoco.MjSpec:
    """A copy of ``spec`` whose custom numerics ``numerics`` hold one value each."""
    if not numerics:
        return spec
    spec = spec.copy()
    existing = {n.name: n for n in spec.numerics}
    for name, value in numerics.items():
        numeric = existing.get(name) or spec.add_numeric(name=name)
        numeric.data = [float(value)]
    return spec


# mjtDisableBit's flags by name (without the mjDSBL_ prefix), e.g. {"CONTACT": 16, ...}.
_DISABLE_BITS = {
    name.removeprefix("mjDSBL_"): int(bit)
    for name, bit in mujoco.mjtDisableBit.__members__.items()
    if name.startswith("mjDSBL_")
}


def _disable_mask(flags) -> int:
    """The ``mjtDisableBit`` mask of flag names such as ``("eulerdamp", "contact")``."""
    mask = 0
    for flag in flags:
        bit = getattr(mujoco.mjtDisableBit, f"mjDSBL_{str(flag).upper()}", None)
        if bit is None:
            known = [name.lower() for name in _DISABLE_BITS]
            raise ValueError(f"unknown disable flag {flag!r}; choose from {known}")
        mask |= int(bit)
    return mask


def describe(mj_model: mujoco.MjModel) -> dict[str, Any]:
    """The options that profiles change, readable (enum names, plain numbers): what
    ``mjxcontrol info`` and the bench reports show for each profile."""
    opt = mj_model.opt
    return {
        "timestep": float(opt.timestep),
        "solver": mujoco.mjtSolver(int(opt.solver)).name.removeprefix("mjSOL_"),
        "iterations": int(opt.iterations),
        "ls_iterations": int(opt.ls_iterations),
        "tolerance": float(opt.tolerance),
        "ls_tolerance": float(opt.ls_tolerance),
        "integrator": mujoco.mjtIntegrator(int(opt.integrator)).name.removeprefix("mjINT_"),
        "disabled": [
            name.lower() for name, bit in _DISABLE_BITS.items() if int(opt.disableflags) & bit
        ],
        **{name: contact_guard.numeric(mj_model, name) for name in MJX_NUMERICS},
    }
