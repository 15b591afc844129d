"""Swimmer: a planar chain of capsule links pushing itself through a dense, still fluid.

Facts of the model (SI units; ``N`` = the number of links, at least 3):

* The first link, ``head``, starts 0.05 m above the origin and faces -y. It floats on three
  unlimited, undamped root joints that all sit 0.05 m behind its centre, at ``(0, -0.05, 0)`` in
  its frame: ``rootx`` and ``rooty`` slide along x and y, ``rootz`` turns about z.
* Every link, the head included, has the same body: a massless, visible capsule of radius 0.01 m
  spanning 0.1 m along the link's y axis, and an invisible 0.002 x 0.1 x 0.02 m box
  (``inertial_k``; the head's is ``inertial``) of mass 0.01 kg. Only the box has mass, and with
  it the fluid drag of the inertia-box model.
* The head also carries massless decorations: an ellipsoid (semi-axes 0.02, 0.04, 0.017) named
  ``head``, a ``nose`` sphere of radius 0.004 at y = -0.06 and a pair of ``eyes`` (a capsule).
* Links ``segment_0`` ... ``segment_{N-2}`` trail behind the head, each 0.1 m further along +y than
  its parent. Link ``k`` turns about z on ``joint_k``, placed at its front end (y = -0.05, where it
  meets its parent), limited to +-360/N degrees (+-2 pi / N rad) with a soft limit (solref
  (0.05, 1), solimp (0, 0.8, 0.1)) and a tiny armature of 1e-6 kg*m^2.
* Motor ``motor_k`` drives ``joint_k`` with gear 5e-4 and control clamped to [-1, 1], i.e. at most
  5e-4 N*m. So nq = nv = N + 2 and nu = N - 1.
* The fluid has density 3000 kg/m^3 and no viscosity. Gravity keeps its default, but no degree of
  freedom moves vertically, and contacts are disabled, so the 4 m x 4 m ``ground`` plane is
  decoration only. Timestep 0.002 s with the default (Euler) integrator.
* A ``target`` sphere of radius 0.1 m sits at (1, 1, 0.05) with a light above it; tasks move both.
* Sensors, in order: ``nose_pos`` and ``target_pos`` (world positions of those geoms) and the
  head's x and y axes (``head_xaxis``, ``head_yaxis``) fill entries 0-11; then every link, head
  first, adds a velocimeter and a gyro (``head_vel``/``head_gyro``, then ``velocimeter_k``/
  ``gyro_k`` at ``site_k``): 6 numbers per link, which tasks read as blocks from entry 12 on.
* The two tracking cameras back away in proportion to the chain, their positions scaled by N / 6.
"""

from __future__ import annotations

import math
import numbers

import mujoco

import mjcf_builder
from mjxcontrol.tasks.models import _common

MODEL_NAME = "swimmer"
MIN_LINKS = 3
TIMESTEP = 0.002
FLUID_DENSITY = 3000.0

HEAD_HEIGHT = 0.05
LINK_LENGTH = 0.1
# Every joint sits at the front end of its link, in the link's frame.
JOINT_POS = (0.0, -LINK_LENGTH / 2, 0.0)

# Invisible box carrying each link's mass (and, through it, the fluid drag).
INERTIAL_HALF_SIZE = (0.001, LINK_LENGTH / 2, 0.01)
INERTIAL_MASS = 0.01
INVISIBLE = (0.0, 0.0, 0.0, 0.0)
# Massless visible capsule along each link.
VISUAL_RADIUS = 0.01
VISUAL_FROMTO = (0.0, -LINK_LENGTH / 2, 0.0, 0.0, LINK_LENGTH / 2, 0.0)
# Sites are invisible spheres of radius 0.01; the unused size entries keep MJCF's 0.005 default.
SITE_SIZE = (0.01, 0.005, 0.005)

# Joints between links: a soft limit and a tiny rotor inertia.
JOINT_SOLREF_LIMIT = (0.05, 1.0)
JOINT_SOLIMP_LIMIT = (0.0, 0.8, 0.1)
JOINT_ARMATURE = 1e-6

MOTOR_GEAR = 5e-4
CTRL_RANGE = (-1.0, 1.0)

# Massless decorations of the head: ellipsoid body, nose and eyes.
HEAD_SEMI_AXES = (0.02, 0.04, 0.017)
HEAD_CENTRE = (0.0, -0.022, 0.0)
NOSE_POS = (0.0, -0.06, 0.0)
NOSE_RADIUS = 0.004
EYES_FROMTO = (-0.006, -0.054, 0.005, 0.006, -0.054, 0.005)
EYES_RADIUS = 0.004

GROUND_HALF_EXTENT = 2.0
GROUND_GRID_SPACING = 0.1
TARGET_POS = (1.0, 1.0, 0.05)
TARGET_RADIUS = 0.1
LIGHT_HEIGHT = 1.5
HEAD_LIGHT_DIFFUSE = (0.8, 0.8, 0.8)
TARGET_LIGHT_DIFFUSE = (1.0, 1.0, 1.0)

# Cameras on the head. The tracking cameras' positions are given for the 6-link swimmer and
# scaled by N / TRACKING_REFERENCE_LINKS; "eyes" looks forward from between the eyes.
TRACKING_REFERENCE_LINKS = 6
TRACKING_FOVY = 60.0  # degrees
# name -> (position for 6 links, xyaxes).
TRACKING_CAMERAS = {
    "tracking1": ((0.0, -0.2, 0.5), (1, 0, 0, 0, 1, 1)),
    "tracking2": ((-0.9, 0.5, 0.15), (0, -1, 0, 0.3, 0, 1)),
}
EYES_CAMERA_POS = (0.0, -0.058, 0.005)
EYES_CAMERA_XYAXES = (-1, 0, 0, 0, 0, 1)

# Root joints of the head: name -> (type, axis).
ROOT_JOINTS = {
    "rootx": ("slide", (1, 0, 0)),
    "rooty": ("slide", (0, 1, 0)),
    "rootz": ("hinge", (0, 0, 1)),
}


def model(n_links: int) -> mjcf_builder.Model:
    """Returns the swimmer with ``n_links`` links as a :class:`mjcf_builder.Model`.

    Args:
      n_links: links in the chain, head included (an int >= 3); 6 and 15 reproduce
        dm_control's ``swimmer6`` and ``swimmer15``. The chain has ``n_links - 1`` actuated
        joints.

    Raises:
      ValueError: if ``n_links`` is not an integer of at least 3.
    """
    _check_links(n_links)
    m = _common.new_model(MODEL_NAME)
    _set_options(m.spec)
    _add_scene(m)
    head = _add_head(m, n_links)
    parent = head
    for index in range(n_links - 1):
        parent = _add_segment(m, parent, index, n_links)
    return m


def spec(n_links: int) -> mujoco.MjSpec:
    """The uncompiled spec of :func:`model` (the interface of the other suite modules)."""
    return model(n_links).spec


def joint_limit(n_links: int) -> float:
    """Largest bend of each joint between links, in radians: a full turn shared among the links."""
    return 2.0 * math.pi / n_links


def _check_links(n_links) -> None:
    if isinstance(n_links, bool) or not isinstance(n_links, numbers.Integral):
        raise ValueError(f"swimmer needs n_links to be an int >= {MIN_LINKS}, got {n_links!r}")
    if n_links < MIN_LINKS:
        raise ValueError(f"swimmer needs n_links >= {MIN_LINKS} (an int), got {n_links}")


def _set_options(s: mujoco.MjSpec) -> None:
    s.option.timestep = TIMESTEP
    s.option.density = FLUID_DENSITY
    s.option.disableflags |= mujoco.mjtDisableBit.mjDSBL_CONTACT


def _add_scene(m: mjcf_builder.Model) -> None:
    """Ground plane, target sphere and the light above the target, all fixed to the world."""
    m.add(
        "geom",
        name="ground",
        type="plane",
        material="grid",
        size=(GROUND_HALF_EXTENT, GROUND_HALF_EXTENT, GROUND_GRID_SPACING),
    )
    m.add(
        "geom", name="target", type="sphere", pos=TARGET_POS, size=TARGET_RADIUS, material="target"
    )
    m.add(
        "light",
        name="target_light",
        diffuse=TARGET_LIGHT_DIFFUSE,
        pos=(TARGET_POS[0], TARGET_POS[1], LIGHT_HEIGHT),
    )


def _add_head(m: mjcf_builder.Model, n_links: int) -> mujoco.MjsBody:
    """The free-floating first link with its decorations, cameras and sensors."""
    head = m.add("body", name="head", pos=(0, 0, HEAD_HEIGHT))
    m.add(
        "light", parent=head, name="light_1", diffuse=HEAD_LIGHT_DIFFUSE, pos=(0, 0, LIGHT_HEIGHT)
    )
    m.add(
        "geom",
        parent=head,
        name="head",
        type="ellipsoid",
        size=HEAD_SEMI_AXES,
        pos=HEAD_CENTRE,
        material="self",
        mass=0.0,
    )
    m.add(
        "geom",
        parent=head,
        name="nose",
        type="sphere",
        pos=NOSE_POS,
        size=NOSE_RADIUS,
        material="effector",
        mass=0.0,
    )
    m.add(
        "geom",
        parent=head,
        name="eyes",
        type="capsule",
        fromto=EYES_FROMTO,
        size=EYES_RADIUS,
        material="eye",
        mass=0.0,
    )
    _add_cameras(m, head, n_links)
    for name, (kind, axis) in ROOT_JOINTS.items():
        m.add("joint", parent=head, name=name, type=kind, axis=axis, pos=JOINT_POS, limited=False)
    # The head lists its box before its capsule; the segments the other way round (geom order).
    _add_inertial_box(m, head, "inertial")
    _add_visual_capsule(m, head, "visual")
    m.add("site", parent=head, name="head", size=SITE_SIZE, rgba=INVISIBLE)
    _add_head_sensors(m)
    return head


def _add_head_sensors(m: mjcf_builder.Model) -> None:
    """Nose and target positions (world frame), the head's x and y axes, velocity and spin."""
    for geom in ("nose", "target"):
        m.add("sensor", name=f"{geom}_pos", type="framepos", objtype="geom", objname=geom)
    m.add("sensor", name="head_xaxis", type="framexaxis", objtype="xbody", objname="head")
    m.add("sensor", name="head_yaxis", type="frameyaxis", objtype="xbody", objname="head")
    _add_motion_sensors(m, "head_vel", "head_gyro", site="head")


def _add_cameras(m: mjcf_builder.Model, head: mujoco.MjsBody, n_links: int) -> None:
    """Two centre-of-mass tracking views, backing off for longer chains, and the eyes' view."""
    scale = n_links / TRACKING_REFERENCE_LINKS
    for name, (pos, xyaxes) in TRACKING_CAMERAS.items():
        m.add(
            "camera",
            parent=head,
            name=name,
            pos=[scale * p for p in pos],
            xyaxes=xyaxes,
            mode="trackcom",
            fovy=TRACKING_FOVY,
        )
    m.add("camera", parent=head, name="eyes", pos=EYES_CAMERA_POS, xyaxes=EYES_CAMERA_XYAXES)


def _add_visual_capsule(m: mjcf_builder.Model, body: mujoco.MjsBody, name: str) -> None:
    """The link's visible, massless capsule."""
    m.add(
        "geom",
        parent=body,
        name=name,
        type="capsule",
        size=VISUAL_RADIUS,
        fromto=VISUAL_FROMTO,
        material="self",
        mass=0.0,
    )


def _add_inertial_box(m: mjcf_builder.Model, body: mujoco.MjsBody, name: str) -> None:
    """The link's invisible box, which carries its mass (and so its fluid drag)."""
    m.add(
        "geom",
        parent=body,
        name=name,
        type="box",
        size=INERTIAL_HALF_SIZE,
        rgba=INVISIBLE,
        mass=INERTIAL_MASS,
    )


def _add_segment(
    m: mjcf_builder.Model, parent: mujoco.MjsBody, index: int, n_links: int
) -> mujoco.MjsBody:
    """Adds ``segment_<index>`` behind ``parent``, with its joint, motor, site and sensors."""
    segment = m.add("body", parent=parent, name=f"segment_{index}", pos=(0, LINK_LENGTH, 0))
    _add_visual_capsule(m, segment, f"visual_{index}")
    _add_inertial_box(m, segment, f"inertial_{index}")
    site = f"site_{index}"
    m.add("site", parent=segment, name=site, size=SITE_SIZE, rgba=INVISIBLE)
    limit = joint_limit(n_links)
    joint = m.add(
        "joint",
        parent=segment,
        name=f"joint_{index}",
        type="hinge",
        axis=(0, 0, 1),
        pos=JOINT_POS,
        limited=True,
        range=(-limit, limit),
        solref_limit=JOINT_SOLREF_LIMIT,
        solimp_limit=JOINT_SOLIMP_LIMIT,
        armature=JOINT_ARMATURE,
    )
    motor = m.add(
        "actuator",
        name=f"motor_{index}",
        trntype="joint",
        target=joint.name,
        gear=MOTOR_GEAR,
        ctrllimited=True,
        ctrlrange=CTRL_RANGE,
    )
    motor.set_to_motor()
    _add_motion_sensors(m, f"velocimeter_{index}", f"gyro_{index}", site=site)
    return segment


def _add_motion_sensors(m: mjcf_builder.Model, velocimeter: str, gyro: str, site: str) -> None:
    """A velocimeter and a gyro at ``site`` (local linear and angular velocity, 3 numbers each)."""
    m.add("sensor", name=velocimeter, type="velocimeter", objtype="site", objname=site)
    m.add("sensor", name=gyro, type="gyro", objtype="site", objname=site)
