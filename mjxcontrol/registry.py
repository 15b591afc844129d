"""The lazy task registry: ``load``, ``list_tasks`` and the ``register`` decorator.

Domain modules live in ``mjxcontrol.tasks`` (the repo's top-level ``tasks/`` folder). They are
discovered by name and imported only when a task of theirs is asked for, so ``import mjxcontrol``
stays cheap. Each module registers factories with ``@register("task", tags=...)``.
"""

from __future__ import annotations

import dataclasses
import difflib
import functools
import hashlib
import importlib
import pkgutil
from collections.abc import Callable

import mujoco
import numpy as np

from mjxcontrol import profiles
from mjxcontrol.env import Env
from mjxcontrol.physics import IMPLS, Physics, check_num_envs, compile_physics
from mjxcontrol.task import Task

TASKS_PACKAGE = "mjxcontrol.tasks"
# dm_control's tags. EXTRA is not a tag there either: it is every task not tagged benchmarking.
BENCHMARKING, EASY, HARD, EXTRA = "benchmarking", "easy", "hard", "extra"
KNOWN_TAGS = (BENCHMARKING, EASY, HARD)


@dataclasses.dataclass(frozen=True)
class TaskInfo:
    """One registered task: ``domain/name``, its tags and its factory."""

    domain: str
    name: str
    tags: tuple[str, ...]
    factory: Callable[..., Task] = dataclasses.field(repr=False, compare=False)

    @property
    def id(self) -> str:
        return f"{self.domain}/{self.name}"


_REGISTRY: dict[str, dict[str, TaskInfo]] = {}


def register(name: str, tags: tuple[str, ...] = ()):
    """Decorator registering a task factory ``(**overrides) -> Task`` under the module's domain."""
    unknown = set(tags) - set(KNOWN_TAGS)
    if unknown:
        raise ValueError(f"unknown tags {sorted(unknown)}; known: {KNOWN_TAGS}")

    def decorator(factory: Callable[..., Task]) -> Callable[..., Task]:
        domain = factory.__module__.rsplit(".", 1)[-1]
        all_tags = tuple(tags) if BENCHMARKING in tags else (*tags, EXTRA)
        tasks = _REGISTRY.setdefault(domain, {})
        if name in tasks:
            raise ValueError(f"task {domain}/{name} is registered twice")
        tasks[name] = TaskInfo(domain, name, all_tags, factory)
        return factory

    return decorator


@functools.cache
def domains() -> tuple[str, ...]:
    """Names of every domain module, sorted (found without importing them)."""
    package = importlib.import_module(TASKS_PACKAGE)
    return tuple(
        sorted(
            m.name
            for m in pkgutil.iter_modules(package.__path__)
            if not m.ispkg and not m.name.startswith("_")  # models/ is not a domain
        )
    )


def _domain_tasks(domain: str) -> dict[str, TaskInfo]:
    if domain not in domains():
        raise ValueError(f"unknown domain {domain!r}{_suggest(domain, domains())}")
    importlib.import_module(f"{TASKS_PACKAGE}.{domain}")
    return _REGISTRY.get(domain, {})


def list_tasks(tag: str | None = None) -> list[TaskInfo]:
    """Every registered task in dm_control's order (domains sorted, tasks in definition order).

    Args:
      tag: keep only tasks with this tag (``benchmarking``, ``easy``, ``hard`` or ``extra``).
    """
    out = [info for d in domains() for info in _domain_tasks(d).values()]
    if tag is not None:
        if tag not in (*KNOWN_TAGS, EXTRA):
            raise ValueError(f"unknown tag {tag!r}; choose one of {(*KNOWN_TAGS, EXTRA)}")
        out = [info for info in out if tag in info.tags]
    return out


def get_info(domain: str, task: str | None = None) -> TaskInfo:
    """The registered task ``domain/task`` (also accepts one ``"domain/task"`` string)."""
    domain, task = split_id(domain, task)
    tasks = _domain_tasks(domain)
    if task not in tasks:
        raise ValueError(f"unknown task {domain}/{task!r}{_suggest(task, tasks)}")
    return tasks[task]


def make_task(domain: str, task: str | None = None, **overrides) -> Task:
    """The task config with ``overrides`` (dataclass fields such as ``time_limit``) applied."""
    info = get_info(domain, task)
    config = info.factory()
    fields = {f.name for f in dataclasses.fields(config)}
    unknown = sorted(set(overrides) - fields)
    if unknown:
        raise ValueError(
            f"{info.id} has no option(s) {unknown}{_suggest(unknown[0], fields)} "
            f"(options: {sorted(fields)})"
        )
    return dataclasses.replace(config, **overrides)


def load(
    domain: str,
    task: str | None = None,
    *,
    impl: str | None = None,
    physics: str = profiles.DEFAULT_PROFILE,
    num_envs: int | None = None,
    **overrides,
) -> Env:
    """Builds an environment, mirroring ``dm_control.suite.load``.

    Args:
      domain: domain name (``"cartpole"``) or a ``"domain/task"`` id.
      task: task name (``"swingup"``); omit when ``domain`` is an id.
      impl: MJX implementation, ``"jax"`` or ``"warp"``; default: the task's ``default_impl``
        (``"jax"`` except for models MJX's JAX implementation cannot simulate).
      physics: ``"exact"`` (dm_control's physics; the default) or ``"fast"`` (fewer solver
        iterations: more throughput, a published one-step error; see mjxcontrol.profiles).
      num_envs: the largest batch you will vmap this env over. Only ``impl="warp"`` uses it: its
        contact buffer is shared by the whole batch and sized for this many envs (steps of a
        bigger batch that fill it are flagged as physics errors). Default 1.
      **overrides: task options, e.g. ``time_limit=5.0`` or ``control_timestep=0.02``.

    Returns:
      An :class:`~mjxcontrol.env.Env`. The model is compiled once per (task config, impl,
      profile) and shared between envs built with the same arguments.
    """
    config = make_task(domain, task, **overrides)
    info = get_info(domain, task)
    return env_from_task(
        config, impl=impl, domain=info.domain, name=info.name, physics=physics, num_envs=num_envs
    )


def env_from_task(
    config: Task,
    *,
    impl: str | None = None,
    domain: str = "",
    name: str = "",
    physics: str = profiles.DEFAULT_PROFILE,
    num_envs: int | None = None,
) -> Env:
    """An :class:`~mjxcontrol.env.Env` for any task config, registered or not (e.g. a
    :class:`~mjxcontrol.composer.ComposedTask`). Compiles once per (config, impl, profile and,
    for ``impl="warp"``, ``num_envs``: see :func:`load`); ``impl=None`` means
    ``config.default_impl``."""
    impl = config.default_impl if impl is None else impl
    if not isinstance(impl, str) or impl not in IMPLS:
        raise ValueError(f"unknown impl {impl!r}; choose one of {IMPLS}")
    profiles.check_profile(physics)
    try:
        hash(config)
    except TypeError as e:
        raise ValueError(f"task options must be hashable (numbers, strings, tuples): {e}") from None
    options = tuple(sorted(profiles.overrides(f"{domain}/{name}", physics).items()))
    if num_envs is not None:
        check_num_envs(num_envs)
    # only MJX-Warp's buffers depend on the batch: JAX-impl envs share one compile for any batch
    num_envs = int(num_envs or 1) if impl == "warp" else 1
    # The exact profile's contact caps are meant never to drop a contact: a step that fills one
    # is flagged (Physics.contacts_dropped); the fast profile's drop contacts by design.
    guard = physics == "exact"
    physics_ = _physics(config, impl, options, num_envs, guard_contact_cap=guard)
    return Env(config, physics_, domain, name, profile=physics)


# Compiled physics by (compiled model's bytes, control timestep, impl, warp batch and buffers):
# tasks that differ only in reward or reset (walker stand/walk/run) share one Physics, so jitted
# physics can be shared too.
_BY_MODEL: dict[tuple, Physics] = {}


@functools.lru_cache(maxsize=128)
def _physics(
    config: Task,
    impl: str,
    options: tuple = (),
    num_envs: int = 1,
    guard_contact_cap: bool = False,
) -> Physics:
    if impl == "warp":  # MJX-Warp sizes its own contact buffers and never reads MJX's caps
        options = tuple((k, v) for k, v in options if k not in profiles.MJX_NUMERICS)
    mj_model = profiles.apply(config.model(), dict(options))  # compiles a spec
    buffer = np.empty(mujoco.mj_sizeModel(mj_model), np.uint8)
    mujoco.mj_saveModel(mj_model, None, buffer)
    model_hash = hashlib.sha256(buffer.tobytes()).hexdigest()
    buffers = config.warp_buffers if impl == "warp" else None  # the JAX impl has none
    key = (model_hash, config.control_timestep, impl, num_envs, buffers, guard_contact_cap)
    if key not in _BY_MODEL:
        _BY_MODEL[key] = compile_physics(
            mj_model,
            control_timestep=config.control_timestep,
            impl=impl,
            num_envs=num_envs,
            warp_buffers=config.warp_buffers,
            guard_contact_cap=guard_contact_cap,
        )
    return _BY_MODEL[key]


def split_id(domain: str, task: str | None) -> tuple[str, str]:
    """``("cartpole/swingup", None)`` or ``("cartpole", "swingup")`` -> (domain, task).

    Raises:
      ValueError: for anything but strings (or ``task=None`` with a ``"domain/task"`` id).
    """
    if not isinstance(domain, str):
        raise ValueError(
            f"domain must be a string such as 'cartpole' or 'cartpole/swingup', got {domain!r} "
            f"({type(domain).__name__})"
        )
    if task is not None and not isinstance(task, str):
        raise ValueError(
            f"task must be a string such as 'swingup', got {task!r} ({type(task).__name__})"
        )
    if task is None:
        if domain.count("/") != 1:
            raise ValueError(f"expected 'domain/task', got {domain!r}")
        domain, task = domain.split("/")
    return domain, task


def _suggest(name: str, choices) -> str:
    close = difflib.get_close_matches(name, list(choices), n=3, cutoff=0.5)
    return f"; did you mean {' or '.join(map(repr, close))}?" if close else ""
