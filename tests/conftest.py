"""Shared fixtures. Compile time dominates on CPU: every env is built once per test session."""

import os

# Halves XLA's CPU compile time; the tests run tiny batches, so the slower code does not matter.
os.environ.setdefault("XLA_FLAGS", "--xla_backend_optimization_level=0")
os.environ.setdefault("MUJOCO_GL", "egl")

import functools  # noqa: E402

import pytest  # noqa: E402

import mjxcontrol  # noqa: E402


@functools.cache
def _env(task_id: str, impl: str = "jax") -> mjxcontrol.Env:
    return mjxcontrol.load(task_id, impl=impl)


@pytest.fixture(scope="session")
def load_env():
    """``load_env("domain/task")`` -> a session-wide shared Env (so jitted functions are reused)."""
    return _env


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


def pytest_collection_modifyitems(config, items):
    """With pytest-xdist (--dist loadgroup), keep each task on one worker: it compiles once."""
    for item in items:
        task = _task_of(item)
        if task:
            item.add_marker(pytest.mark.xdist_group(task))
