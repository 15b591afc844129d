"""The planar arm and arena shared by the manipulator and stacker domains.

Facts of the shared part (SI units; angles given in degrees here, converted to radians):

* Options: timestep 1 ms, elliptic friction cones, default (Euler) integrator.
* Every geom has sliding friction 0.7 (MuJoCo's torsional/rolling defaults), solimp
  (0.9, 0.97, 0.001) and a solref that differs per domain: (0.005, 1) in manipulator,
  (0.01, 1) in stacker. Every joint limit has solref (0.005, 1) and solimp (0, 0.99, 0.01).
* Sites default to 3 mm spheres in group 3 with the translucent ``site`` material; the five touch
  sites are boxes in group 4.
* Arena: a 0.8 m x 0.4 m ``floor`` plane at z = 0, two planes ``wall1``/``wall2`` tilted 45 degrees
  rising from the floor's x edges, a vertical ``background`` plane 0.2 m behind (+y), a directional
  light and a far-away narrow-angle camera ``fixed`` (16 m in front, 4 degree field of view).
* The arm moves in the x-z plane; every hinge turns about -y. Its root sits 0.4 m above the floor,
  marked by a non-colliding cylinder ``arm_root``. Links are capsules of density 500 kg/m^3:

  ============  ==============  =========  ===========  ==========  ==========
  body          joint           damping    range (deg)  radius (m)  length (m)
  ============  ==============  =========  ===========  ==========  ==========
  upper_arm     arm_root        2          unlimited    0.020       0.18
  middle_arm    arm_shoulder    1.5        +-160        0.017       0.15
  lower_arm     arm_elbow       1          +-160        0.014       0.12
  hand          arm_wrist       0.5        +-140        0.011       0.03
  ============  ==============  =========  ===========  ==========  ==========

* The hand carries two palm capsules (radius 8 mm) splaying to +-3 cm, the sites ``grasp``
  (6.5 cm out) and ``palm_touch``, and a nearly massless body ``pinch site`` (1e-6 kg, 9 cm
  out) with the site ``pinch`` and the tracking camera ``hand``.
* Two opposed digits, ``thumb`` and ``finger``, hinge at the palm tips (damping 0.5, range
  -10..60 deg); each is two 7 mm capsules ending in a tip body (``thumbtip``/``fingertip``:
  damping 0.01, stiffness 0.01, range -40..20 deg) holding two 8 mm spheres.
* Fixed tendons: ``grasp`` = (thumb + finger) / 2, which is actuated, and ``coupling`` =
  (finger - thumb) / 2, held at zero by a tendon equality (solref (0.005, 0.5), solimp
  (0.95, 0.99, 0.001)), so the digits close symmetrically.
* Touch sensors on the palm, both digits and both tips. Five motors with controls in [-1, 1]:
  ``root`` (gear 12), ``shoulder`` (8), ``elbow`` (4), ``wrist`` (2) and ``grasp`` (tendon, 2).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import mujoco

from mjcf_builder.model import Model
from mjxcontrol.tasks.models import _common

TIMESTEP = 0.001
GEOM_FRICTION = 0.7
GEOM_SOLIMP = (0.9, 0.97, 0.001)
LIMIT_SOLREF = (0.005, 1.0)
LIMIT_SOLIMP = (0.0, 0.99, 0.01)
SITE_SIZE = 0.003
SITE_GROUP = 3
TOUCH_GROUP = 4
TENDON_WIDTH = 0.01

# Arena.
FLOOR_HALF_SIZE = (0.4, 0.2)
PLANE_GRID_SPACING = 10.0
# Tilted walls: centred half a floor length up the 45-degree slope from each floor edge,
# i.e. at x = +-(0.4 + 0.4 / sqrt(2)), z = 0.4 / sqrt(2), rounded to the micrometre.
WALL_CENTRE_X = 0.682843
WALL_CENTRE_Z = 0.282843
BACKGROUND_POS = (0.0, 0.2, 0.5)
BACKGROUND_HALF_SIZE = (1.0, 0.5)
BACKGROUND_RGB = (0.2, 0.3, 0.4)
BACKGROUND_TEXELS = 800
SHADOW_CLIP = 0.5
LIGHT_DIFFUSE = (0.6, 0.6, 0.6)
LIGHT_SPECULAR = (0.3, 0.3, 0.3)
FIXED_CAMERA_POS = (0.0, -16.0, 0.4)
FIXED_CAMERA_FOVY = 4.0
FACING_FRONT = (1, 0, 0, 0, 0, 1)  # camera xyaxes looking along +y at the x-z plane

# Arm.
ARM_BASE_HEIGHT = 0.4
ARM_ROOT_RADIUS = 0.024
ARM_ROOT_HALF_WIDTH = 0.022
ARM_DENSITY = 500.0
ARM_AXIS = (0, -1, 0)
# (body, joint, damping, symmetric range in degrees or None, capsule radius, capsule length).
LINKS = (
    ("upper_arm", "arm_root", 2.0, None, 0.02, 0.18),
    ("middle_arm", "arm_shoulder", 1.5, 160.0, 0.017, 0.15),
    ("lower_arm", "arm_elbow", 1.0, 160.0, 0.014, 0.12),
    ("hand", "arm_wrist", 0.5, 140.0, 0.011, 0.03),
)

# Hand (heights along the hand's z axis, from the wrist).
PALM_RADIUS = 0.008
PALM_BASE = 0.03
PALM_TIP = (0.03, 0.045)  # (x, z) of a palm capsule's outer end; mirrored for the other
GRASP_HEIGHT = 0.065
PINCH_HEIGHT = 0.09
PINCH_MASS = 1e-6
PINCH_INERTIA = 1e-12
HAND_CAMERA_POS = (0.0, -0.3, 0.0)
PALM_TOUCH_HALF_SIZE = (0.025, 0.005, 0.008)
PALM_TOUCH_HEIGHT = 0.043

# Digits: name -> Euler angles (degrees) at the palm tip; the finger mirrors the thumb.
DIGIT_EULER = {"thumb": (0.0, -90.0, 0.0), "finger": (0.0, 90.0, 180.0)}
DIGIT_RANGE = (-10.0, 60.0)
DIGIT_DAMPING = 0.5
DIGIT_RADIUS = 0.007
DIGIT_KNUCKLE = (0.02, -0.01)  # (x, z) where the digit's two capsules meet
DIGIT_END_X = 0.04
TIP_OFFSET = (0.05, -0.01)  # (x, z) of the tip body in the digit frame
DIGIT_TOUCH = {"half_size": (0.018, 0.005, 0.005), "pos": (0.022, 0, -0.002), "pitch": 15.0}
TIP_RANGE = (-40.0, 20.0)
TIP_DAMPING = 0.01
TIP_STIFFNESS = 0.01
TIP_RADIUS = 0.008
TIP_SPHERE_X = 0.003  # the two tip spheres sit at +-this along x
TIP_TOUCH = {"half_size": (0.012, 0.005, 0.008), "pos": (0.003, 0, 0.003), "pitch": 0.0}

# Tendons, equality and actuators.
COUPLING_SOLREF = (0.005, 0.5)
COUPLING_SOLIMP = (0.95, 0.99, 0.001)
MOTORS = (
    ("root", "arm_root", 12.0),
    ("shoulder", "arm_shoulder", 8.0),
    ("elbow", "arm_elbow", 4.0),
    ("wrist", "arm_wrist", 2.0),
)
GRASP_GEAR = 2.0
CTRL_RANGE = (-1.0, 1.0)
TOUCH_SITES = ("palm_touch", "finger_touch", "thumb_touch", "fingertip_touch", "thumbtip_touch")

# Props: a free-moving object slides in x and z and turns about +y.
OBJECT_AXES = (("x", "slide", (1, 0, 0)), ("z", "slide", (0, 0, 1)), ("y", "hinge", (0, 1, 0)))
GHOST_Y = 0.001  # targets sit 1 mm behind the plane so they never hide the object


def degrees(*angles: float) -> tuple[float, ...]:
    """Converts angles in degrees to radians (our models compile radians)."""
    return tuple(math.radians(a) for a in angles)


def new_model(name: str, geom_solref: Sequence[float]) -> Model:
    """Returns the arena, arm, tendons, sensors and motors, ready for the domain's props.

    Args:
      name: the model name.
      geom_solref: (time constant s, damping ratio) of every geom's contacts.
    """
    model = _common.new_model(name)
    spec = model.spec
    spec.visual.map.shadowclip = SHADOW_CLIP
    spec.option.timestep = TIMESTEP
    spec.option.cone = mujoco.mjtCone.mjCONE_ELLIPTIC
    _set_defaults(spec, geom_solref)
    _add_arena(model)
    _add_arm(model)
    _add_tendons(model)
    for site in TOUCH_SITES:
        model.add("sensor", name=site, type="touch", objtype="site", objname=site)
    for name, joint, gear in MOTORS:
        _add_motor(model, name, joint, "joint", gear)
    _add_motor(model, "grasp", "grasp", "tendon", GRASP_GEAR)
    return model


def add_object_body(model: Model, name: str, pos: Sequence[float]) -> mujoco.MjsBody:
    """A body moving in the x-z plane: slides ``<name>_x``, ``<name>_z`` and hinge ``<name>_y``.

    The slides' reference positions equal the body's start, so their qpos are world x and z.
    """
    body = model.add("body", name=name, pos=pos)
    refs = {"x": pos[0], "z": pos[2], "y": 0.0}
    for axis_name, joint_type, axis in OBJECT_AXES:
        model.add(
            "joint",
            parent=body,
            name=f"{name}_{axis_name}",
            type=joint_type,
            axis=axis,
            ref=refs[axis_name],
        )
    return body


def add_ghost_geom(model: Model, body: mujoco.MjsBody, **attrs) -> mujoco.MjsGeom:
    """A non-colliding geom drawn with the ``target`` material."""
    return model.add("geom", parent=body, material="target", contype=0, conaffinity=0, **attrs)


def _set_defaults(spec: mujoco.MjSpec, geom_solref: Sequence[float]) -> None:
    """Contact, limit and site settings that every element of these domains shares."""
    main = spec.default
    main.geom.friction = (GEOM_FRICTION, *main.geom.friction[1:])
    main.geom.solimp = (*GEOM_SOLIMP, *main.geom.solimp[3:])
    main.geom.solref = geom_solref
    main.joint.solref_limit = LIMIT_SOLREF
    main.joint.solimp_limit = (*LIMIT_SOLIMP, *main.joint.solimp_limit[3:])
    main.site.size = (SITE_SIZE,) * 3
    main.site.group = SITE_GROUP
    main.site.material = "site"
    main.tendon.width = TENDON_WIDTH
    main.actuator.ctrllimited = mujoco.mjtLimited.mjLIMITED_TRUE


def _add_arena(model: Model) -> None:
    """Background texture, light, floor, tilted walls, backdrop and the fixed camera."""
    model.add(
        "texture",
        name="background",
        type="2d",
        builtin="flat",
        mark="random",
        markrgb=(1, 1, 1),
        width=BACKGROUND_TEXELS,
        height=BACKGROUND_TEXELS,
        rgb1=BACKGROUND_RGB,
    )
    backdrop = model.add("material", name="background", texrepeat=(1, 1), texuniform=True)
    textures = [""] * int(mujoco.mjtTextureRole.mjNTEXROLE)
    textures[int(mujoco.mjtTextureRole.mjTEXROLE_RGB)] = "background"
    backdrop.textures = textures
    model.add(
        "light",
        name="light",
        type="directional",
        diffuse=LIGHT_DIFFUSE,
        specular=LIGHT_SPECULAR,
        pos=(0, 0, 1),
    )
    plane = (*FLOOR_HALF_SIZE, PLANE_GRID_SPACING)
    model.add("geom", name="floor", type="plane", size=plane, material="grid")
    for name, side in (("wall1", -1), ("wall2", 1)):
        model.add(
            "geom",
            name=name,
            type="plane",
            size=plane,
            material="grid",
            pos=(side * WALL_CENTRE_X, 0, WALL_CENTRE_Z),
            zaxis=(-side, 0, 1),
        )
    model.add(
        "geom",
        name="background",
        type="plane",
        pos=BACKGROUND_POS,
        size=(*BACKGROUND_HALF_SIZE, PLANE_GRID_SPACING),
        material="background",
        zaxis=(0, -1, 0),
    )
    model.add(
        "camera", name="fixed", pos=FIXED_CAMERA_POS, xyaxes=FACING_FRONT, fovy=FIXED_CAMERA_FOVY
    )


def _add_arm(model: Model) -> None:
    """The root marker, the chain of four links, and the hand with its two digits."""
    model.add(
        "geom",
        name="arm_root",
        type="cylinder",
        size=ARM_ROOT_RADIUS,
        fromto=(0, -ARM_ROOT_HALF_WIDTH, ARM_BASE_HEIGHT, 0, ARM_ROOT_HALF_WIDTH, ARM_BASE_HEIGHT),
        material="decoration",
        contype=0,
        conaffinity=0,
    )
    parent, pos = model.worldbody, (0, 0, ARM_BASE_HEIGHT)
    for body_name, joint_name, damping, limit, radius, length in LINKS:
        body = model.add("body", parent=parent, name=body_name, pos=pos)
        span = {} if limit is None else {"range": degrees(-limit, limit)}
        _add_hinge(model, body, joint_name, damping=damping, limited=limit is not None, **span)
        _add_capsule(model, body, body_name, radius, (0, 0, 0, 0, 0, length))
        parent, pos = body, (0, 0, length)
    _add_hand(model, parent)


def _add_hand(model: Model, hand: mujoco.MjsBody) -> None:
    """Palms, grasp and pinch points, the palm's touch site and both digits."""
    tip_x, tip_z = PALM_TIP
    for name, side in (("palm1", 1), ("palm2", -1)):
        _add_capsule(model, hand, name, PALM_RADIUS, (0, 0, PALM_BASE, side * tip_x, 0, tip_z))
    model.add("site", parent=hand, name="grasp", pos=(0, 0, GRASP_HEIGHT))
    pinch = model.add(
        "body",
        parent=hand,
        name="pinch site",
        pos=(0, 0, PINCH_HEIGHT),
        explicitinertial=True,
        ipos=(0, 0, 0),
        mass=PINCH_MASS,
        inertia=(PINCH_INERTIA,) * 3,
    )
    model.add("site", parent=pinch, name="pinch")
    model.add(
        "camera", parent=pinch, name="hand", pos=HAND_CAMERA_POS, xyaxes=FACING_FRONT, mode="track"
    )
    model.add(
        "site",
        parent=hand,
        name="palm_touch",
        type="box",
        group=TOUCH_GROUP,
        size=PALM_TOUCH_HALF_SIZE,
        pos=(0, 0, PALM_TOUCH_HEIGHT),
    )
    for digit, side in (("thumb", 1), ("finger", -1)):
        _add_digit(model, hand, digit, (side * tip_x, 0, tip_z))


def _add_digit(model: Model, hand: mujoco.MjsBody, name: str, pos: Sequence[float]) -> None:
    """A two-capsule digit ``name`` hinged at ``pos`` with its two-sphere tip ``<name>tip``."""
    digit = model.add("body", parent=hand, name=name, pos=pos, euler=degrees(*DIGIT_EULER[name]))
    _add_hinge(model, digit, name, damping=DIGIT_DAMPING, limited=True, range=degrees(*DIGIT_RANGE))
    knuckle_x, knuckle_z = DIGIT_KNUCKLE
    _add_capsule(model, digit, f"{name}1", DIGIT_RADIUS, (0, 0, 0, knuckle_x, 0, knuckle_z))
    _add_capsule(
        model, digit, f"{name}2", DIGIT_RADIUS, (knuckle_x, 0, knuckle_z, DIGIT_END_X, 0, knuckle_z)
    )
    _add_touch_site(model, digit, f"{name}_touch", DIGIT_TOUCH)
    tip = model.add("body", parent=digit, name=f"{name}tip", pos=(TIP_OFFSET[0], 0, TIP_OFFSET[1]))
    _add_hinge(
        model,
        tip,
        f"{name}tip",
        damping=TIP_DAMPING,
        stiffness=TIP_STIFFNESS,
        limited=True,
        range=degrees(*TIP_RANGE),
    )
    for index, x in ((1, -TIP_SPHERE_X), (2, TIP_SPHERE_X)):
        model.add(
            "geom",
            parent=tip,
            name=f"{name}tip{index}",
            type="sphere",
            size=TIP_RADIUS,
            pos=(x, 0, 0),
            material="effector",
            density=ARM_DENSITY,
        )
    _add_touch_site(model, tip, f"{name}tip_touch", TIP_TOUCH)


def _add_hinge(model: Model, body: mujoco.MjsBody, name: str, **attrs) -> None:
    model.add("joint", parent=body, name=name, type="hinge", axis=ARM_AXIS, **attrs)


def _add_capsule(
    model: Model, body: mujoco.MjsBody, name: str, radius: float, fromto: Sequence[float]
) -> None:
    model.add(
        "geom",
        parent=body,
        name=name,
        type="capsule",
        size=radius,
        fromto=fromto,
        material="self",
        density=ARM_DENSITY,
    )


def _add_touch_site(model: Model, body: mujoco.MjsBody, name: str, shape: dict) -> None:
    """A box site (group 4) covering the part whose contacts the touch sensor sums."""
    model.add(
        "site",
        parent=body,
        name=name,
        type="box",
        group=TOUCH_GROUP,
        size=shape["half_size"],
        pos=shape["pos"],
        euler=degrees(0, shape["pitch"], 0),
    )


def _add_tendons(model: Model) -> None:
    """``grasp`` closes both digits together; ``coupling`` (held at 0) keeps them symmetric."""
    for name, thumb_coef in (("grasp", 0.5), ("coupling", -0.5)):
        tendon = model.add("tendon", name=name)
        tendon.wrap_joint("thumb", thumb_coef)
        tendon.wrap_joint("finger", 0.5)
    model.add(
        "equality",
        name="coupling",
        type="tendon",
        name1="coupling",
        solref=COUPLING_SOLREF,
        solimp=COUPLING_SOLIMP,
    )


def _add_motor(model: Model, name: str, target: str, trntype: str, gear: float) -> None:
    model.add(
        "actuator", name=name, target=target, trntype=trntype, gear=gear, ctrlrange=CTRL_RANGE
    )
