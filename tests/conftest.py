"""Shared fixtures. Compile time dominates on CPU: every env is built once per test session."""

import getpass
import os
import tempfile

# XLA:CPU options that cut compile time, which dominates the tests on CPU. Level 0 halves it for
# the tests' small programs (the checks' physics programs ask for level 1 themselves:
# mjxcontrol.testing.compiled). Turning off the fusion emitters and the concurrency-optimised
# scheduler cuts the physics compiles further at the same step speed; measured on 2 cores (one
# physics kernel, level 1, s before -> after, 3 steps s before / after): humanoid/stand 37.6 ->
# 20.6 (5.9 / 6.0), quadruped/walk 38.6 -> 22.6 (3.6 / 3.9), hopper/stand 13.3 -> 7.1,
# manipulator/bring_ball (level 3) 25.3 -> 13.0 (3.7 / 3.7).
os.environ.setdefault(
    "XLA_FLAGS",
    "--xla_backend_optimization_level=0 --xla_cpu_use_fusion_emitters=false"
    " --xla_cpu_enable_concurrency_optimized_scheduler=false",
)
os.environ.setdefault("MUJOCO_GL", "egl")
# JAX's persistent compilation cache, for every executable: the determinism check's child process
# (mjxcontrol.testing.fingerprint) then loads the programs this process compiled instead of
# compiling them again. Set in the environment, so child processes inherit it.
os.environ.setdefault(
    "JAX_COMPILATION_CACHE_DIR",
    os.path.join(tempfile.gettempdir(), f"mjxcontrol-test-jax-cache-{getpass.getuser()}"),
)
os.environ.setdefault("JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS", "0")
os.environ.setdefault("JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES", "0")

import functools  # noqa: E402
import gc  # noqa: E402

import jax  # noqa: E402
import pytest  # noqa: E402

import mjxcontrol  # noqa: E402
from mjxcontrol.testing.compiled import batch_size  # noqa: E402


@functools.cache
def _env(task_id: str, impl: str | None = None) -> mjxcontrol.Env:
    # MJX-Warp sizes its contact buffer for a batch: the checks step batch_size(task) envs at once.
    return mjxcontrol.load(task_id, impl=impl, num_envs=batch_size(task_id))


@pytest.fixture(scope="session")
def load_env():
    """``load_env("domain/task")`` -> a session-wide shared Env (so jitted functions are reused)."""
    return _env


@pytest.fixture
def gl_free(monkeypatch):
    """dm_control's escape reset re-uploads its terrain to a rendering context when it can make
    one; the physics never needs it, so none is made here (no OpenGL needed)."""
    from dm_control import mujoco as dm_mujoco

    monkeypatch.setattr(dm_mujoco.Physics, "contexts", property(lambda self: None))


def _group_of(item) -> str | None:
    """The domain a test exercises (its xdist group): tasks of a domain share compiled physics."""
    params = getattr(getattr(item, "callspec", None), "params", {})
    if isinstance(params.get("domain"), str):  # tests parametrized by domain
        return params["domain"]
    task = _task_of(item)
    return task.split("/")[0] if task else None


def _task_of(item) -> str | None:
    """The 'domain/task' a test exercises: from its parameters or its tests/parity/test_X.py."""
    params = getattr(getattr(item, "callspec", None), "params", {})
    for value in params.values():
        if isinstance(value, str) and value.count("/") == 1:
            return value
    if item.path.parent.name != "parity":
        return None
    domain = item.path.stem.removeprefix("test_")
    names = [info.name for info in mjxcontrol.list_tasks() if info.domain == domain]
    for value in params.values():
        if value in names:
            return f"{domain}/{value}"
    return f"{domain}/{names[0]}" if len(names) == 1 else domain


_GROUP = pytest.StashKey[str]()  # the domain (xdist group) a test exercises

# xdist groups that take longest on one worker (measured from a fresh clone on 2 cores:
# manipulator's four models and its 4-task determinism child ~10 min, the
# trainer's ~6 min, humanoid's and quadruped's (~13 min alone with a NaN hunt sharing the cores),
# humanoid_CMU's ~5 min and dog's (MJX-Warp kernels compile cold in a fresh clone),
# the builder doc's composed task ~4 min, corridor's and cheetah's compiles),
# scheduled first so that the two workers finish together instead of one running a long group
# alone at the end. Other tests keep their collection order.
LONG_GROUPS = (
    "dog",
    "quadruped",
    "manipulator",
    "train",
    "humanoid",
    "humanoid_CMU",
    "stacker",
    "builder-docs",
    "corridor",
    "cheetah",
    "walker",
)


# tryfirst: pytest-xdist's worker turns xdist_group marks into node-id suffixes in its own
# modifyitems hook, which would otherwise run before this one and see no marks.
@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """With pytest-xdist (--dist loadgroup), keep each domain on one worker: it compiles once."""
    for item in items:
        group = _group_of(item) or _marked_group(item)
        if group:
            item.stash[_GROUP] = group
            item.add_marker(pytest.mark.xdist_group(group))
    rank = {group: i for i, group in enumerate(LONG_GROUPS)}
    items.sort(key=lambda item: rank.get(item.stash.get(_GROUP, ""), len(rank)))


def _marked_group(item) -> str | None:
    """The group of an explicit ``pytest.mark.xdist_group`` (e.g. tests/test_train.py)."""
    mark = item.get_closest_marker("xdist_group")
    if mark is None:
        return None
    return mark.args[0] if mark.args else mark.kwargs.get("name")


# Every XLA:CPU executable maps each of its kernels into memory separately (code, read-only data,
# data: ~1,500 maps for one cheetah step). A process that keeps every executable of a test run
# alive passes Linux's vm.max_map_count (65,530 by default), and LLVM then crashes the process
# mid-compile. So compiled code is dropped once it cannot be used again, and whenever a process
# nears the limit; envs and their physics stay cached, functions recompile if called again.
def _read_map_limit() -> int | None:
    """Linux's vm.max_map_count, or None where /proc does not tell."""
    try:
        with open("/proc/sys/vm/max_map_count") as limit:
            return int(limit.read())
    except (OSError, ValueError):
        return None


_MAP_LIMIT = _read_map_limit()


def _near_map_limit() -> bool:
    """Whether this process holds more than half of the memory maps it may have."""
    if _MAP_LIMIT is None:
        return False
    with open("/proc/self/maps", "rb") as maps:
        return sum(1 for _ in maps) > _MAP_LIMIT // 2


def pytest_runtest_teardown(item, nextitem):
    group = item.stash.get(_GROUP, None)
    # A pytest-xdist worker under --dist loadgroup receives all of a domain's tests at once and
    # never again, so leaving the group means its executables are dead weight. (Run without
    # xdist, a domain's tests are spread over several files and the groups interleave.)
    finished = (
        group is not None
        and getattr(item.config.option, "loadgroup", False)
        and (nextitem is None or nextitem.stash.get(_GROUP, None) != group)
    )
    if finished or _near_map_limit():
        jax.clear_caches()
        gc.collect()


def pytest_runtest_setup(item):
    """Fail fast if pytest-xdist's loadgroup silently stopped grouping (see pyproject.toml)."""
    grouped = getattr(item.config.option, "loadgroup", False) and _GROUP in item.stash
    if grouped and "@" not in item.nodeid:
        pytest.fail(
            "pytest-xdist did not apply this test's task group (no '@group' suffix on its "
            "node id), so every task would compile on every worker: pytest>=9.2 with "
            "pytest-xdist 3.8 (pytest-dev/pytest-xdist#1386). Install pytest<9.2.",
            pytrace=False,
        )


@pytest.fixture
def keep_cache_config():
    """The command turns on JAX's persistent cache in a directory of its choosing: put the
    session's back afterwards."""
    before = jax.config.jax_compilation_cache_dir
    yield
    jax.config.update("jax_compilation_cache_dir", before)
