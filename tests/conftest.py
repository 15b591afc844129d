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


def _domain_of(item) -> str | None:
    """The domain a test exercises: from a 'domain/task' parameter or a tests/parity/test_X.py."""
    for value in getattr(getattr(item, "callspec", None), "params", {}).values():
        if isinstance(value, str) and value.count("/") == 1:
            return value.split("/")[0]
    if item.path.parent.name == "parity":
        return item.path.stem.removeprefix("test_")
    return None


def pytest_collection_modifyitems(config, items):
    """With pytest-xdist (--dist loadgroup), keep each domain on one worker: one compile each."""
    for item in items:
        domain = _domain_of(item)
        if domain:
            item.add_marker(pytest.mark.xdist_group(domain))
