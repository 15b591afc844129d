"""Control Suite models authored with :class:`mjcf_builder.Model` / ``mujoco.MjSpec``, one module
per domain.

Each module exposes ``spec(...) -> mujoco.MjSpec``; the procedural ones (cartpole's n poles,
swimmer's n links, lqr's chains, manipulator/stacker) also expose ``model(...) ->
mjcf_builder.Model``. Each compiled model is proven equal to the one dm_control ships by
``tests/test_suite_models_*.py``.
"""
