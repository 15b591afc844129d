"""Environment wrappers. ``AutoReset`` starts a new episode when one ends, keeping ``final_obs``."""

from __future__ import annotations

from collections import OrderedDict

import jax
import jax.numpy as jnp

from mjxcontrol.env import Env, episode_overrides
from mjxcontrol.input_checks import check_action
from mjxcontrol.physics import model_with
from mjxcontrol.types import State

# Domains whose batched AutoReset fuses its resets unless told otherwise (impl="jax"): where
# the fused chunk compiled in clearly less time at about the plain one's speed. The bench's
# chunk, 1,024 envs, exact, fused against plain beside a second compile of the plain one
# (`python -m benchmarks.option_ab TASK --fuse-reset`, session 36; compile s plain -> fused,
# runtime fused / plain (control / plain)): walker/walk 22.4 -> 17.0, 0.99x (1.017x); hopper/hop
# 26.2 -> 16.4, 0.95x (0.959x); finger/spin 35.2 -> 26.0, 1.004x (1.004x); cheetah/run, three
# runs: 30.7 -> 15.4, 0.885x (1.012x); 23.8 -> 11.6, 0.967x (0.989x; another process running);
# 18.9 -> 10.5, 1.021x (1.128x): 5-12 % slower than the faster plain compile, taken for half the
# compile because a trainer's chunk spends most of its time in network updates (cartpole/swingup
# SAC trains at ~1,200 env-steps/s; its env alone runs ~690,000). Left out: ball_in_cup/catch
# 20.2 -> 15.9 but 0.88x (0.975x); cartpole/swingup (session 35: compile unchanged, 0.95x exact,
# 0.78x fast). Session 37, 8 rounds: quadruped/walk 49.3 -> 32.7, 1.017x (1.043x); humanoid/walk
# (256 envs) 53.3 -> 35.4, 0.959x (0.981x); manipulator/bring_ball (256) 36.2 -> 27.8, 1.007x
# (1.038x); stacker/stack_2 (64) 44.2 -> 31.2, 0.951x (0.967x). Left out (small models, where
# the fused loop's overhead shows): reacher/easy 5.3 -> 4.4, 0.86x (1.084x); point_mass/easy
# 0.72x (1.07x); pendulum/swingup 0.89x (1.035x); acrobot/swingup (RK4) 7.7 -> 9.0, 0.84x
# (0.894x). MJX-Warp domains (fish, swimmer, dog, ...) always run plain.
FUSED_RESET_DOMAINS = frozenset(
    {"cheetah", "finger", "hopper", "humanoid", "manipulator", "quadruped", "stacker", "walker"}
)


def default_fuse_reset(env: Env) -> bool:
    """``AutoReset``'s ``fuse_reset`` when none is given: ``env`` runs ``impl="jax"`` and its
    domain is one of :data:`FUSED_RESET_DOMAINS`."""
    return env.physics.impl == "jax" and env.domain in FUSED_RESET_DOMAINS


class AutoReset:
    """Resets finished episodes inside ``step``; works on single or batched (1-D) states.

    After a step that ends an episode (``terminated | truncated``) the returned state carries the
    *new* episode's ``data``, ``obs``, ``step`` (0), ``episode_params``, ``task_state`` and
    ``key``: exactly what ``env.reset`` gives for the reset key and the env's ``params`` (the
    user's parameters, which stay), while ``reward``,
    ``discount``, ``terminated``, ``truncated`` and ``metrics`` describe the step that ended it and
    ``final_obs`` holds its last observation. On other steps ``final_obs`` equals ``obs``.

    Batched states (a leading env axis, as made by ``jax.vmap(env.reset)``) are stepped with
    ``vmap``, and the resets' physics runs only when some env finished, so expensive resets
    (e.g. cheetah's 200 settling steps) cost nothing on ordinary steps.

    ``fuse_reset=True`` (``impl="jax"``, batched states) runs the step's physics and the
    resets' in one loop (:func:`fused_step`), so a program of ``step`` compiles the physics
    pipeline once instead of twice: cheetah/run's chunk compiles in half the time, walker/walk's
    in 15-30 % less, at 0.89-1.02x the env-steps/s (walker 0.98-1.07x; cartpole/swingup, whose
    step is cheapest, 0.95x exact and 0.78x fast, with little to gain at compile). docs/api.md
    has the numbers. Same results, to float rounding. ``None`` (the default) takes
    :func:`default_fuse_reset`: fused for the domains where it measured as a gain.

    Raises:
      ValueError: ``fuse_reset=True`` with ``impl="warp"`` (MJX-Warp has no separate stages).
    """

    def __init__(self, env: Env, fuse_reset: bool | None = None):
        if fuse_reset is None:
            fuse_reset = default_fuse_reset(env)
        elif fuse_reset and env.physics.impl != "jax":
            raise ValueError(
                f"fuse_reset needs impl='jax' ({env.id} runs impl={env.physics.impl!r}): "
                "MJX-Warp has no separate physics stages to share"
            )
        self.env, self.fuse_reset = env, fuse_reset

    def __getattr__(self, name):
        return getattr(self.env, name)

    def reset(self, key: jax.Array, params=None) -> State:
        """Same as ``env.reset`` for one env; for a batch of keys use :meth:`reset_batch`."""
        return self.env.reset(key, params)

    def reset_batch(self, keys: jax.Array, params=None) -> State:
        """``vmap(env.reset)`` over a batch of keys (params shared unless batched via vmap)."""
        return jax.vmap(self.env.reset, in_axes=(0, None))(keys, params)

    def step(self, state: State, action: jax.Array) -> State:
        """Steps, then replaces finished envs by fresh ones (see class docstring)."""
        if state.step.ndim == 0:
            return self.after_step(self.env.step(state, action))
        if self.fuse_reset:
            return fused_step(self.env, state, action)
        return self.after_step(step_to_reset(self.env, state, action))

    def after_step(self, state: State) -> State:
        """The reset half of :meth:`step`, for a state just returned by ``env.step``."""
        batched = state.step.ndim == 1
        state = state.replace(final_obs=state.obs)
        return jax.lax.cond(
            jnp.any(state.done), lambda s: self._reset_done(s, batched), lambda s: s, state
        )

    def _reset_done(self, state: State, batched: bool) -> State:
        if batched:
            keys, reset_keys = jax.vmap(split_reset_key)(state.key)
            fresh = jax.vmap(self.env.reset)(reset_keys, state.params)
        else:
            keys, reset_keys = split_reset_key(state.key)
            fresh = self.env.reset(reset_keys, state.params)
        return _pick(state, fresh.replace(key=keys), batched)


def _pick(state: State, fresh: State, batched: bool) -> State:
    """``state`` with the finished envs' (``state.done``) new episodes from ``fresh``."""

    def pick(new, old):
        done = state.done.reshape(state.done.shape + (1,) * (old.ndim - state.done.ndim))
        return jnp.where(done, new, old)

    keep = ("obs", "step", "episode_params", "task_state", "key")
    picked = {f: jax.tree.map(pick, getattr(fresh, f), getattr(state, f)) for f in keep}
    if batched:  # per-env fields only: MJX-Warp's batch-shared buffers are left alone
        per_env = _per_env_fields(state.data)
        data = jax.tree.map(
            lambda env_field, new, old: pick(new, old) if env_field else old,
            per_env,
            fresh.data,
            state.data,
        )
    else:  # under vmap: mjx.Data.where leaves MJX-Warp's batch-shared buffers alone
        data = state.data.where(state.done, fresh.data)
    return state.replace(data=data, **picked)


def fused_step(env: Env, state: State, action: jax.Array) -> State:
    """``AutoReset(env).step`` for a batch under ``impl="jax"``, with the physics of the step and
    of the resets in one loop of :meth:`Physics.substep`.

    ``after_step(step_to_reset(...))`` holds the physics pipeline twice, the step's and the
    reset's (a third to a half of a task's compile time on a CPU). Here one loop of substeps
    runs in phases: the control step's substeps; the task's half of the step
    (``Env.finish_step_unkept``) and, only if some env finished, of its reset
    (``Env.reset_initialize``); then the resets' physics, whose forward pass is two substeps
    without integration (the first one's dynamics stage, on the initial pose's stale
    kinematics, is thrown away but for the solver's warm start, which is put back). A task that
    settles (cheetah) takes the position/velocity stage at ``qpos0`` (a substep without
    integration) before ``initialize``, then ``settle_steps`` substeps and one without
    integration. Same operations as ``after_step(step_to_reset(...))``, so the same results (to
    rounding).

    No step copies the batch's ``mjx.Data``: the stepped data moves to its own slot of the
    loop's carry (``kept``) only when resets start (until then the slot holds zeros, a fill
    per step), the stepped state waits there without data, and every branch is :func:`_if`, a
    while loop of at most one trip, which XLA runs on its state in place where an XLA
    conditional copies what its untaken branch passes through. (Built with conditionals and the
    data in the stepped state, the loop made ~590 more copies per control step than the unfused
    step: cheetah/run at 0.86-0.88x its speed, 0.91-1.02x now.)

    Args:
      env: the environment (``impl="jax"``).
      state: a batch of states (leading env axis).
      action: float ``(num_envs, nu)``.
    """
    physics, settle = env.physics, env.task.settle_steps
    # substeps per phase: control step; (settle: qpos0's kinematics;) the reset's physics
    counts = (physics.n_substeps, 1, settle + 1) if settle else (physics.n_substeps, 2)

    def control(a):  # the contract's trace-time errors and NaN rule, as in env.step
        return physics.safe_control(check_action(env.id, env.action_size, a))

    def drawn():  # the new episodes' keys and their reset_begin (no physics)
        keys, reset_keys = jax.vmap(split_reset_key)(state.key)
        return keys, jax.vmap(env.reset_begin)(reset_keys, state.params)

    ctrl, action_ok = jax.vmap(control)(action)
    settle_begun = drawn()[1] if settle else None  # phase 1 needs it: drawn on every step

    def begun():  # where no phase 1 needs it, drawn only when resets start
        return settle_begun if settle_begun is not None else drawn()[1]

    data0 = physics.make_data()

    def substeps(c):
        j = c["phase"]

        def body(k, data):
            integrate = (j == 0) | ((j == 2) & (k < settle))

            def one(o, d):
                return physics.substep(model_with(physics.model, o), d, integrate)

            new = jax.vmap(one)(c["overrides"], data)
            warm = jnp.where((j == 1) & (k == 0), c["warmstart"], new.qacc_warmstart)
            return new.replace(qacc_warmstart=warm)

        return {**c, "data": jax.lax.fori_loop(0, jnp.asarray(counts)[j], body, c["data"])}

    def initialized(c):  # the task's initialize, on the reset batch's data
        fresh = jax.vmap(env.reset_initialize)(begun(), c["data"])
        return {
            **c,
            "data": fresh.data,
            "overrides": episode_overrides(fresh),
            "fresh": fresh.replace(data=None),
        }

    def start(c):  # the resets' start: the stepped data kept, qpos0's for the whole batch
        batch = jax.tree.map(lambda x: jnp.broadcast_to(x, (len(ctrl), *x.shape)), data0)
        c = {**c, "data": batch, "kept": c["data"]}
        if not settle:  # the warm start that the thrown-away dynamics stage overwrites
            c = initialized(c)
            return {**c, "warmstart": c["data"].qacc_warmstart}
        defaults = {
            k: jnp.broadcast_to(getattr(physics.model, k), v.shape)
            for k, v in c["overrides"].items()
        }
        drawn_now = begun()
        overrides = {**defaults, **drawn_now.params, **drawn_now.episode_params}
        return {**c, "overrides": overrides, "warmstart": batch.qacc_warmstart}

    def end_step(c):  # phase 0's end: the task's half of the step, then the resets' start
        stepped = jax.vmap(env.finish_step_unkept)(state, c["data"], action_ok)[0]
        c = {**c, "stepped": stepped.replace(data=None, final_obs=stepped.obs)}
        c["done"] = jnp.any(stepped.done)
        return _if(c["done"], start, c)

    def end_phase(c):
        c = _if(c["phase"] == 0, end_step, c)
        return _if(c["phase"] == 1, initialized, c) if settle else c

    carry = {
        "phase": jnp.zeros((), jnp.int32),
        "data": state.data.replace(ctrl=ctrl),
        "overrides": episode_overrides(state),
        "warmstart": state.data.qacc_warmstart,
        # placeholders, of the types the phases give them
        "stepped": state.replace(data=None, final_obs=state.obs),
        "fresh": state.replace(data=None, obs=OrderedDict(), metrics={}, final_obs=OrderedDict()),
        "kept": jax.tree.map(jnp.zeros_like, state.data),
        "done": jnp.zeros((), bool),
    }
    more = lambda c: c["phase"] < jnp.where(c["done"], len(counts), 1)  # noqa: E731
    step = lambda c: {**end_phase(substeps(c)), "phase": c["phase"] + 1}  # noqa: E731
    carry = jax.lax.while_loop(more, step, carry)

    def new_episodes(stepped):
        fresh = jax.vmap(env.reset_finish)(carry["fresh"], stepped.data)
        fresh = fresh.replace(key=drawn()[0])
        return _pick(stepped.replace(data=carry["kept"]), fresh, batched=True)

    return _if(carry["done"], new_episodes, carry["stepped"].replace(data=carry["data"]))


def _if(pred: jax.Array, fn, operand):
    """``fn(operand)`` if ``pred`` (a scalar bool) else ``operand``, as a while loop of at most
    one trip (see :func:`fused_step`); ``fn`` returns ``operand``'s structure and types."""
    once = lambda s: (jnp.zeros((), bool), fn(s[1]))  # noqa: E731
    return jax.lax.while_loop(lambda s: s[0], once, (pred, operand))[1]


def split_reset_key(key: jax.Array) -> tuple[jax.Array, jax.Array]:
    """``(the env's next key, its reset key)``: how every automatic reset splits an env's key."""
    key, reset_key = jax.random.split(key)
    return key, reset_key


def step_to_reset(env: Env, state: State, action: jax.Array) -> State:
    """``jax.vmap(env.step)`` for a batch whose caller resets every env that the step ends
    before stepping it on (``AutoReset``: in the same step; Gymnasium's NEXT_STEP: in the next
    call, whose stepped result for that env is discarded), less ``env.step``'s rule of keeping a
    diverged env's previous ``data``: a diverged step ends its episode, so the reset replaces
    that data anyway and no output changes (``obs`` and ``reward`` keep their own rule). The
    rule's select reads and writes all of every env's ``mjx.Data`` each step (cartpole/swingup
    fast at 1,024 envs on 2 CPU cores: 15 % of the step)."""
    data, action_ok = jax.vmap(env.advance)(state, action)
    return jax.vmap(env.finish_step_unkept)(state, data, action_ok)[0]


def _per_env_fields(data):
    """``data``'s tree with a bool per leaf: whether the leaf has an env axis. MJX-Warp keeps some
    buffers (contacts, unused flex fields) once per batch; ``mjx.Data.where``, which knows which,
    merges only the others, so merging all-True into all-False with it marks them."""
    with jax.ensure_compile_time_eval():
        false = jax.tree.map(lambda _: jnp.zeros((), bool), data)
        true = jax.tree.map(lambda _: jnp.ones((), bool), data)
        return jax.tree.map(bool, false.where(jnp.ones((), bool), true))
