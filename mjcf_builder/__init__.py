"""Host-side procedural model builder on ``mujoco.MjSpec`` (imports mujoco and numpy only, no JAX)."""
