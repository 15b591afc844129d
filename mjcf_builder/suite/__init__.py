"""Control Suite models authored with ``mujoco.MjSpec``, one module per domain.

Each module exposes ``spec(...) -> mujoco.MjSpec``; the compiled model is proven equal to the one
dm_control ships by ``tests/test_suite_models_*.py``.
"""
