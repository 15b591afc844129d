"""humanoid_CMU: the 56-hinge CMU motion-capture skeleton must stand up, walk or run.

Observation (``OrderedDict``, float32), the same keys as humanoid's, from thorax quantities:
  * ``joint_angles`` (56,): the 56 hinge angles in model order (rad), i.e. ``qpos[7:]``.
  * ``head_height`` (): height of the ``head`` body's origin (m).
  * ``extremities`` (12,): positions of ``lhand``, ``lfoot``, ``rhand``, ``rfoot`` (body origins)
    relative to the thorax origin, in the thorax frame (m).
  * ``torso_vertical`` (3,): the world z axis in the thorax frame (``xmat`` row z: zx, zy, zz).
  * ``com_velocity`` (3,): linear velocity of the thorax subtree's centre of mass
    (``thorax_subtreelinvel`` sensor), world frame (m/s).
  * ``velocity`` (62,): ``qvel``: root linear (m/s) and angular (rad/s) velocity, then the 56
    hinge velocities (rad/s).

Action (56,) in [-1, 1]: motor torques of the 56 hinges in alphabetical order (gears 20 to 120,
see ``tasks/models/humanoid_CMU.py``).

Reward: humanoid's (``tasks/humanoid.py``: ``small_control * standing * upright * move``, stand
height 1.4 m, walk 1 m/s, run 10 m/s), except that the model is y-up, so ``upright`` measures
the thorax's ``zy`` entry (the world z part of its y axis).

Termination: never; episodes are truncated after 20 s (1000 steps of 0.02 s, 10 physics steps of
0.002 s each).

Reset: dm_control's shared joint randomiser (root orientation a normalised ``U[0, 1)^4``
quaternion, root position kept at (0, 0, 1) m, every hinge ~ U(its range)), redrawn while any two
geoms touch, as a bounded in-graph loop of at most :data:`MAX_POSE_DRAWS` draws. The long limbs
and hands touch often: a draw is accepted with probability ~0.10 (2,000 dm_control draws), so the
cap is reached with probability ~2e-12 and the last draw is then kept. Otherwise the distribution
is dm_control's (not its random stream).

Implementation: MJX-Warp by default (``impl="warp"``). MJX's JAX impl also runs the model but
has no broad phase: it gives every geom pair that may collide (over a thousand here) contact
rows in every step, so the constraint problem is huge. There, raw ``mjx.step`` on 16 envs took
49.5 s to compile and 1.5 s per physics step on 2 cores (10 per control step), and our reset and
step did not compile within 7 minutes. MJX-Warp finds contacts with a broad phase and fixed
buffers (:data:`WARP_BUFFERS`): the env compiles in ~14 s (warp kernels cached) and steps 64
envs at ~120 env-steps/s on the same CPU. The reset's contact test then reads the constraint
rows of a forward pass (``observables.in_contact``).

Parity: observations and reward match dm_control 1.0.50 one step after 256 shared states per
task, and our step equals raw MJX-Warp ``mjx.step`` to 1e-5 (tests/parity/test_humanoid_CMU.py);
see the tolerances there.
"""

from __future__ import annotations

import dataclasses
from typing import ClassVar

from mjxcontrol.registry import register
from mjxcontrol.tasks.humanoid import RUN_SPEED, WALK_SPEED, Humanoid
from mjxcontrol.tasks.models import humanoid_CMU as humanoid_CMU_model

TIME_LIMIT = 20.0
CONTROL_TIMESTEP = 0.02
# Reset: pose draws before giving up on a contact-free one (see the module docstring).
MAX_POSE_DRAWS = 250
# MJX-Warp's buffers per env (contact slots, constraint rows): lying down, up to 49 geoms touch
# the floor (capsules at two points each), four rows per pyramidal contact, 56 joint limits.
WARP_BUFFERS = (128, 640)


@dataclasses.dataclass(frozen=True)
class HumanoidCMU(Humanoid):
    """humanoid_CMU stand / walk / run (dm_control ``humanoid_CMU/*``).

    Attributes:
      move_speed: target horizontal speed (m/s); 0 rewards standing still.
    """

    time_limit: float = TIME_LIMIT
    control_timestep: float | None = CONTROL_TIMESTEP

    torso: ClassVar[str] = "thorax"
    head: ClassVar[str] = "head"
    extremities: ClassVar[tuple[str, ...]] = ("lhand", "lfoot", "rhand", "rfoot")
    com_velocity_sensor: ClassVar[str] = "thorax_subtreelinvel"
    upright_entry: ClassVar[str] = "zy"
    max_pose_draws: ClassVar[int] = MAX_POSE_DRAWS
    default_impl: ClassVar[str] = "warp"
    warp_buffers: ClassVar[tuple[int, int]] = WARP_BUFFERS

    def __post_init__(self):
        super().__post_init__()
        if self.pure_state:
            raise ValueError("humanoid_CMU has no pure-state observations (dm_control has none)")

    def model(self):
        return humanoid_CMU_model.spec()


@register("stand")
def stand(**overrides) -> HumanoidCMU:
    return HumanoidCMU(**{"move_speed": 0.0, **overrides})


@register("walk")
def walk(**overrides) -> HumanoidCMU:
    return HumanoidCMU(**{"move_speed": WALK_SPEED, **overrides})


@register("run")
def run(**overrides) -> HumanoidCMU:
    return HumanoidCMU(**{"move_speed": RUN_SPEED, **overrides})
