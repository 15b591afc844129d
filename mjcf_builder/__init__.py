"""Host-side procedural model builder on ``mujoco.MjSpec`` (mujoco and numpy only, no JAX)."""
