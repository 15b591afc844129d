"""Compile-once physics: MuJoCo model -> MJX model, named indexing (:mod:`mjxcontrol.names`), and
dm_control's step timing.

This module is the only place that calls ``mjx.put_model`` / ``mjx.make_data``, chooses the MJX
``impl``, and converts MJX data back to ``mujoco.MjData`` (for rendering or debugging).

Step timing ("legacy step", see docs/api.md): dm_control finishes each control step with
``mj_step1``, so positions, velocities and everything derived from them (xpos, xmat, site_xpos,
subtree_com, pos/vel sensors) describe the *final* state when observations are read, while
acceleration-stage sensors keep the values of the last substep's forward pass. We reproduce this at
no extra cost by rotating MJX's ``step = forward + integrate`` into ``acceleration stage ->
integrate -> position/velocity stage`` for every substep. ``reset`` runs a full ``mjx.forward``.
"""

from __future__ import annotations

import copy
import dataclasses
import functools
import importlib.util

import jax
import jax.numpy as jnp
import mujoco
import numpy as np

from mjcf_builder.check_mjx import check_mjx
from mjxcontrol import integrators, stages, warp_impl
from mjxcontrol._mjx import mjx
from mjxcontrol.contact_guard import ContactGuard
from mjxcontrol.mjx_patches import mjx_patches
from mjxcontrol.names import Names

IMPLS = ("jax", "warp")
DEFAULT_IMPL = "jax"
# dm_control's tolerance when checking that the control timestep is a whole number of substeps.
SUBSTEP_TOLERANCE = 1e-8


class UnsupportedFeatureError(NotImplementedError):
    """The model uses a MuJoCo feature that the chosen MJX impl cannot simulate."""


def warp_available() -> bool:
    """True when ``warp-lang`` is importable, i.e. ``impl="warp"`` can be used."""
    return importlib.util.find_spec("warp") is not None


def compute_n_substeps(control_timestep: float, physics_timestep: float) -> int:
    """Number of physics steps per control step, validated as dm_control validates it.

    Raises:
      ValueError: if the control timestep is shorter than the physics timestep or is not an integer
        multiple of it (within 1e-8).
    """
    if control_timestep < physics_timestep:
        raise ValueError(
            f"control timestep {control_timestep} s is shorter than the physics timestep "
            f"{physics_timestep} s"
        )
    ratio = control_timestep / physics_timestep
    if abs(ratio - round(ratio)) > SUBSTEP_TOLERANCE:
        raise ValueError(
            f"control timestep {control_timestep} s is not an integer multiple of the physics "
            f"timestep {physics_timestep} s (ratio {ratio})"
        )
    return int(round(ratio))


# --------------------------------------------------------------------------------------------------
# MJX support check


def unsupported_features(mj_model: mujoco.MjModel, impl: str) -> list[str]:
    """Lists every feature of ``mj_model`` the chosen MJX impl cannot run, naming the elements.

    The one source of truth is :func:`mjcf_builder.check_mjx.check_mjx` (its tables are tested
    against the installed MJX). The ENERGY flag is not listed: :func:`compile_physics` clears it
    (it only affects reported energies, never the dynamics).
    """
    found = check_mjx(_without_energy(mj_model), impl)
    return [str(u).removeprefix("error: ") for u in found if u.severity == "error"]


def _check_support(mj_model: mujoco.MjModel, impl: str) -> None:
    if impl not in IMPLS:
        raise ValueError(f"unknown impl {impl!r}; choose one of {IMPLS}")
    if impl == "warp" and not warp_available():
        raise UnsupportedFeatureError("impl='warp' needs warp-lang: pip install 'mjxcontrol[warp]'")
    problems = unsupported_features(mj_model, impl)
    if problems:
        raise UnsupportedFeatureError(
            f"MJX impl={impl!r} cannot simulate this model: " + "; ".join(problems)
        )


# --------------------------------------------------------------------------------------------------
# Compiled physics


@dataclasses.dataclass(frozen=True, eq=False)
class Physics:
    """A model compiled once for MJX, with its names and dm_control's control-step timing.

    Attributes:
      mj_model: the host ``mujoco.MjModel`` (ENERGY flag cleared), for rendering and conversion.
      model: the ``mjx.Model`` every jitted function closes over.
      impl: ``"jax"`` or ``"warp"``.
      n_substeps: physics steps per control step.
      names: name -> index tables.
      data0: data at ``qpos0``, made once (JAX arrays are immutable, so it is shared safely).
      guard: the checks on the exact profile's MJX contact caps
        (:class:`mjxcontrol.contact_guard.ContactGuard`), or None (:meth:`contacts_dropped`).
    """

    mj_model: mujoco.MjModel
    model: mjx.Model
    impl: str
    n_substeps: int
    names: Names
    data0: mjx.Data
    guard: ContactGuard | None = None

    @property
    def timestep(self) -> float:
        """Physics timestep in seconds."""
        return float(self.mj_model.opt.timestep)

    @property
    def control_timestep(self) -> float:
        """Control timestep in seconds (``n_substeps * timestep``)."""
        return self.n_substeps * self.timestep

    def make_data(self) -> mjx.Data:
        """Fresh MJX data at ``qpos0`` (derived quantities not yet computed)."""
        return self.data0

    def contacts_dropped(self, data: mjx.Data) -> jax.Array:
        """Bool scalar: whether contacts or constraints may have been left out of the step.

        Under ``impl="warp"``: its contact or constraint buffers overflowed
        (:func:`mjxcontrol.warp_impl.buffers_overflowed`; the contact buffer is shared by the
        batch and sized by :func:`compile_physics`'s ``num_envs``). Under ``impl="jax"``: a
        guarded MJX cap may have cut ``data``'s own collision short (:meth:`ContactGuard.dropped`;
        a control step's substeps are checked as they run)."""
        if self.impl == "warp":
            return warp_impl.buffers_overflowed(data)
        return jnp.zeros((), bool) if self.guard is None else self.guard.dropped(self.model, data)

    def _position_velocity(self, model: mjx.Model, data: mjx.Data) -> mjx.Data:
        """The position/velocity stage, marked by the guard (:meth:`ContactGuard.mark`)."""
        d = stages.position_velocity_stage(model, data)
        return d if self.guard is None else self.guard.mark(model, d)

    def forward(self, model: mjx.Model, data: mjx.Data) -> mjx.Data:
        """Full forward dynamics at the current state (used after a reset): MJX-Warp's
        ``mjx.forward``, or the JAX impl's two stages (:mod:`mjxcontrol.stages`)."""
        with mjx_patches():
            if self.impl == "warp":
                return mjx.forward(model, data)
            return stages.forward(model, data)

    def position_velocity(self, model: mjx.Model, data: mjx.Data) -> mjx.Data:
        """The position/velocity stage of :meth:`forward` (kinematics, collisions, constraint
        rows, passive forces, position and velocity sensors): what a physics step reads from the
        state it starts at. ``impl="warp"`` has no separate stages and runs all of ``forward``.
        Unguarded, unlike a substep's (a reset runs it at ``qpos0``, before its task sets the
        state; :meth:`contacts_dropped` checks any state's own collision)."""
        if self.impl == "warp":
            return self.forward(model, data)
        with mjx_patches():
            return stages.position_velocity_stage(model, data)

    def run_stages(self, model: mjx.Model, data: mjx.Data, first, count) -> mjx.Data:
        """MJX's physics stages in turn: stage ``(first + k) % 3`` for ``k < count``, where 0 is
        the position/velocity stage, 1 the dynamics stage (actuation, acceleration, constraint
        solve) and 2 the integrator. :meth:`forward` is ``(0, 2)``, a physics step in dm_control's
        order (:meth:`control_step`) ``(1, 3)``.

        One loop holds each stage once, so a program that runs the physics for different purposes
        (a reset or a control step: :meth:`forward_or_advance`) compiles the pipeline (collision
        detection, constraints, solver: most of a task's compile time on a CPU) once. (Run this
        way, a control step was 8 % slower on cheetah than :meth:`control_step`'s loop of
        :meth:`substep`, which batched ``AutoReset(fuse_reset=True)`` loops over instead.)
        ``first`` and ``count`` may be traced int scalars; under ``vmap`` keep them unbatched, or
        every env runs every stage.
        ``impl="jax"`` only (MJX-Warp has no separate stages)."""
        return jax.lax.fori_loop(0, count, lambda k, d: self.stage(model, d, (first + k) % 3), data)

    def stage(self, model: mjx.Model, data: mjx.Data, index) -> mjx.Data:
        """Physics stage ``index`` (a traced int scalar is fine) of :meth:`run_stages`.

        Raises:
          ValueError: under ``impl="warp"`` (MJX-Warp has no separate stages).
        """
        if self.impl == "warp":
            raise ValueError("physics stages need impl='jax': MJX-Warp has no separate stages")
        with mjx_patches():
            by_index = [self._position_velocity, stages.dynamics_stage, _integration_stage]
            return jax.lax.switch(index, [functools.partial(f, model) for f in by_index], data)

    def settle_forward(self, model: mjx.Model, data: mjx.Data, settle_steps: int = 0) -> mjx.Data:
        """A reset's physics: ``settle_steps`` zero-control physics steps from ``data`` whose
        position/velocity stage is current, then the forward pass's dynamics stage (as
        :meth:`substep` without integration: the position/velocity stage it ends with is
        current already); with no settle, :meth:`forward`."""
        if not settle_steps:
            return self.forward(model, data)
        if self.impl == "warp":  # whole steps, the last forward pass's sensors
            with mjx_patches():
                return warp_impl.steps(self.mj_model, model, data, settle_steps, keep_acc=False)
        body = lambda k, d: self.substep(model, d, k < settle_steps)  # noqa: E731
        return jax.lax.fori_loop(0, settle_steps + 1, body, data)

    def substep(self, model: mjx.Model, data: mjx.Data, integrate=True) -> mjx.Data:
        """One physics step in dm_control's order (dynamics stage, integration,
        position/velocity stage); with ``integrate`` false (a traced bool scalar is fine) the
        state does not move, so the position/velocity stage recomputes what it had and the
        dynamics stage's results are those of :meth:`forward`. ``impl="jax"`` only."""
        with mjx_patches():
            d = stages.dynamics_stage(model, data)
            if integrate is True:
                d = _integration_stage(model, d)
            else:
                moved = _integration_stage(model, d)
                d = jax.tree.map(lambda new, old: jnp.where(integrate, new, old), moved, d)
            return self._position_velocity(model, d)

    def control_step(
        self, model: mjx.Model, data: mjx.Data, n_substeps: int | None = None
    ) -> mjx.Data:
        """Advances ``n_substeps`` physics steps (default: the control step's) with fixed ctrl.

        Expects ``data``'s position/velocity stage to be current (true after :meth:`forward` and
        after every control step). Leaves positions/velocities and their derived quantities at the
        final state and acceleration-stage quantities one substep older, as dm_control does.
        """
        n = self.n_substeps if n_substeps is None else n_substeps
        with mjx_patches():  # no LAPACK kernel, no dense cone matrix (mjxcontrol/mjx_patches.py)
            if self.impl == "warp":
                return warp_impl.steps(self.mj_model, model, data, n)
            return jax.lax.fori_loop(0, n, lambda _, d: self.substep(model, d), data)

    def advance(
        self, overrides: dict, data: mjx.Data, action: jax.Array
    ) -> tuple[mjx.Data, jax.Array]:
        """One control step from ``data`` holding ``action`` (float32 ``(nu,)``).

        A non-finite action is replaced by zeros (MuJoCo's rule for bad controls). Returns
        ``(data, action_is_finite)``. ``overrides``: ``mjx.Model`` fields for this env.
        """
        ctrl, action_ok = self.safe_control(action)
        return self.control_step(
            model_with(self.model, overrides), data.replace(ctrl=ctrl)
        ), action_ok

    @staticmethod
    def safe_control(action: jax.Array) -> tuple[jax.Array, jax.Array]:
        """``(ctrl, action_is_finite)``: ``action``, or zeros if any entry is not finite
        (MuJoCo's rule for bad controls)."""
        action_ok = jnp.all(jnp.isfinite(action))
        return jnp.where(action_ok, action, 0.0), action_ok

    def forward_or_advance(
        self,
        overrides: dict,
        data: mjx.Data,
        action: jax.Array,
        advance: jax.Array,
        settle_steps: jax.Array | int = 0,
    ) -> tuple[mjx.Data, jax.Array]:
        """:meth:`settle_forward` (``advance`` false; ``action`` is ignored) or :meth:`advance`
        (true), as one program that holds each physics stage once (:meth:`run_stages`).

        Jitted separately, the two would each compile the whole pipeline. Results equal the two
        methods' (same operations, same order). ``advance`` (bool) and ``settle_steps`` (int) may
        be traced scalars; under ``vmap`` keep them unbatched (``in_axes=None``), or every env
        runs every stage.
        """
        model = model_with(self.model, overrides)
        ctrl, action_ok = self.safe_control(action)
        data = data.replace(ctrl=jnp.where(advance, ctrl, data.ctrl))
        if self.impl == "warp":  # no stage functions: whole steps (none for forward)
            with mjx_patches():
                n = jnp.where(advance, self.n_substeps, settle_steps)
                return warp_impl.steps(self.mj_model, model, data, n, advance), action_ok
        # a control step: (dynamics, integration, position/velocity) per substep; a settle too,
        # then the dynamics stage; a forward pass: position/velocity, then dynamics
        first = jnp.where(advance | (settle_steps > 0), 1, 0)
        count = jnp.where(advance, 3 * self.n_substeps, 3 * settle_steps + 1 + (settle_steps == 0))
        return self.run_stages(model, data, first, count), action_ok

    def to_mj_data(self, data: mjx.Data) -> mujoco.MjData:
        """Copies one (unbatched) MJX data back into a ``mujoco.MjData`` for rendering."""
        return mjx.get_data(self.mj_model, data)


def _make_data(
    mj_model: mujoco.MjModel, model: mjx.Model, impl: str, num_envs: int, warp_buffers: tuple
) -> mjx.Data:
    with jax.ensure_compile_time_eval():  # a concrete template, even if first asked for in a trace
        if impl == "warp":
            return warp_impl.make_data(mj_model, num_envs, *warp_buffers)
        return mjx.make_data(model, impl=impl)


def _integration_stage(m: mjx.Model, d: mjx.Data) -> mjx.Data:
    """The model's integrator: positions and velocities one timestep on."""
    integrator = mujoco.mjtIntegrator(int(m.opt.integrator))
    if integrator == mujoco.mjtIntegrator.mjINT_EULER:
        return mjx.euler(m, d)
    if integrator == mujoco.mjtIntegrator.mjINT_RK4:
        return integrators.rungekutta4(m, d)  # MJX's, its stages in a loop
    if integrator == mujoco.mjtIntegrator.mjINT_IMPLICITFAST:
        return mjx.implicit(m, d)
    raise UnsupportedFeatureError(f"integrator {integrator.name} is not supported by MJX")


def compile_physics(
    model: mujoco.MjModel | mujoco.MjSpec,
    *,
    control_timestep: float | None = None,
    impl: str = DEFAULT_IMPL,
    num_envs: int = 1,
    warp_buffers: tuple[int, int] = (warp_impl.CONTACTS_PER_ENV, warp_impl.NJMAX),
    guard_contact_cap: bool = False,
) -> Physics:
    """Compiles a MuJoCo model (or spec) for MJX once.

    Args:
      model: a compiled ``mujoco.MjModel`` or a ``mujoco.MjSpec`` to compile.
      control_timestep: seconds per control step; ``None`` means one physics step.
      impl: MJX implementation, ``"jax"`` (default) or ``"warp"``.
      num_envs: the largest batch to vmap over: sizes ``impl="warp"``'s batch-shared contact
        buffer (:data:`mjxcontrol.warp_impl.CONTACTS_PER_ENV` per env); ``impl="jax"`` ignores it.
      warp_buffers: ``impl="warp"``'s contact slots and constraint rows per env, for models whose
        contacts outgrow the defaults (humanoid_CMU lying down); ``impl="jax"`` ignores them.
      guard_contact_cap: flag steps whose collision the model's MJX contact caps
        (``max_contact_points``, ``max_geom_pairs``) may have cut short, in any substep
        (:class:`mjxcontrol.contact_guard.ContactGuard`: the exact profile's caps, never meant to
        drop a contact); ``impl="warp"`` ignores it (its own buffers are guarded).

    Returns:
      The compiled :class:`Physics`.

    Raises:
      UnsupportedFeatureError: naming each feature (e.g. geom pair) the impl cannot run.
      ValueError: for an unknown impl or a control timestep that is not a whole number of substeps.
    """
    mj_model = model.compile() if isinstance(model, mujoco.MjSpec) else model
    mj_model = _without_energy(mj_model)
    _check_support(mj_model, impl)
    check_num_envs(num_envs)
    dt = float(mj_model.opt.timestep)
    n_substeps = 1 if control_timestep is None else compute_n_substeps(control_timestep, dt)
    try:
        mjx_model = mjx.put_model(mj_model, impl=impl)
    except NotImplementedError as e:  # anything our own check did not foresee
        raise UnsupportedFeatureError(f"MJX impl={impl!r} cannot simulate this model: {e}") from e
    if impl == "warp":
        mjx_model = warp_impl.quiet_solver_caps(mjx_model)
    data0 = _make_data(mj_model, mjx_model, impl, num_envs, warp_buffers)
    guard = ContactGuard.of(mj_model) if guard_contact_cap and impl == "jax" else None
    return Physics(mj_model, mjx_model, impl, n_substeps, Names(mj_model), data0, guard)


def check_num_envs(num_envs) -> None:
    """Raises ``ValueError`` unless ``num_envs`` is a positive integer."""
    if isinstance(num_envs, bool) or not isinstance(num_envs, int | np.integer) or num_envs < 1:
        raise ValueError(f"num_envs must be a positive integer, got {num_envs!r}")


def _without_energy(mj_model: mujoco.MjModel) -> mujoco.MjModel:
    """A copy with the ENERGY enable-flag cleared (MJX rejects it; it never changes dynamics)."""
    energy = int(mujoco.mjtEnableBit.mjENBL_ENERGY)
    if not mj_model.opt.enableflags & energy:
        return mj_model
    m = copy.copy(mj_model)
    m.opt.enableflags &= ~energy
    return m


def model_with(model: mjx.Model, overrides) -> mjx.Model:
    """``model`` with some array fields replaced (per-env randomised parameters)."""
    return model.replace(**overrides) if overrides else model
