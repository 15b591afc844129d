"""dog: a quadruped dog skeleton on a free root (dm_control's ``dog``).

Facts of the model (SI units; angles in degrees in the tables, converted when built):

* 62 bodies and 73 limited hinges (:mod:`._dog_skeleton`): a lumbar spine of 7 vertebrae and
  the pelvis, two hind legs (hip, knee, ankle, toe), a tail of 21 caudal vertebrae, a neck of 7
  cervical vertebrae, the skull and jaw, and two forelegs (scapula, shoulder, elbow, wrist,
  finger). Each hinge's class (:data:`JOINT_CLASSES`) sets its stiffness (N m/rad), damping
  (N m s/rad), armature (kg m^2) and range; the caudal hinges are springs of time constant 1 ms
  and damping ratio 50, which MuJoCo turns into stiffness and damping from the tail's inertia.
* Mass properties are stated per body (dm_control derives them from bone meshes that are only
  visual here); 123 collision primitives and 4 eye geoms (:mod:`._dog_collision`) of friction
  0.9, solref (0.01, 1) and solimp (0.95, 0.99, 0.001) unless their class says otherwise; 30
  body pairs never collide (:data:`EXCLUDES`).
* 8 fixed tendons couple alternate lumbar, cervical and caudal hinges (:data:`TENDONS`).
* 38 actuators (:data:`ACTUATORS`): 8 on the tendons and 30 on joints, all with controls in
  [-1, 1] passed through a first-order filter of time constant 0.05 s (``act``), then scaled by
  the class's gain (:data:`GAINS`, N m per unit).
* 13 sensors: accelerometer, velocimeter and gyro at the ``head`` site; the torso subtree's
  linear velocity and angular momentum; touch at the palms and soles; force at the four anchors.
* Physics timestep 0.005 s, Euler, Newton, and 4 noslip iterations.
* Fetch adds a tennis ball (radius 0.03 m, 0.056 kg, bouncy: direct solref (-5000, -5)), a
  target disc and four tilted walls.

The bone meshes, the skin and the ball's texture are looks only. dm_control ships them; when it
is installed the model carries its skin and textures (``skin=None``), else plain colours.
"""

from __future__ import annotations

import importlib.util
import math
import os

import mujoco

from mjcf_builder.model import Model
from mjxcontrol.tasks.models import _common
from mjxcontrol.tasks.models._dog_collision import GEOMS
from mjxcontrol.tasks.models._dog_skeleton import BODIES, INERTIALS, JOINTS, TENDONS

MODEL_NAME = "dog"
TIMESTEP = 0.005
NOSLIP_ITERATIONS = 4
FETCH_FLOOR_SIZE = 10.0

# Joint classes: attributes and the class they refine. Ranges in degrees.
JOINT_DEFAULT = {
    "stiffness": 0.1,
    "damping": 0.01,
    "armature": 1e-4,
    "solref_limit": (0.01, 1),
    "solimp_limit": (0.9, 0.99, 0.01),
}
JOINT_CLASSES = {
    "lumbar": (None, {"group": 3, "pos": (0.012, 0, 0.01), "armature": 0.01, "damping": 3.0}),
    "lumbar_extend": ("lumbar", {"stiffness": 30.0, "range": (-24.5, 24.5)}),
    "lumbar_bend": ("lumbar", {"stiffness": 45.0, "range": (-21, 21)}),
    "lumbar_twist": ("lumbar", {"stiffness": 45.0, "range": (-16.333, 16.333)}),
    "cervical": (None, {"group": 3, "pos": (-0.7, 0, 0), "stiffness": 4.0, "armature": 0.01,
                        "damping": 3.0}),
    "cervical_extend": ("cervical", {"range": (-17.5, 61.25)}),
    "cervical_bend": ("cervical", {"range": (-35, 35)}),
    "cervical_twist": ("cervical", {"range": (-23.333, 23.333)}),
    "atlas": (None, {"axis": (0, -1, 0), "stiffness": 2.0, "range": (-15, 30), "damping": 0.2}),
    "caudal": (None, {"group": 3, "springdamper": (0.001, 50)}),
    "caudal_extend": ("caudal", {"range": (-15, 15)}),
    "caudal_bend": ("caudal", {"range": (-15, 15)}),
    "mandible": (None, {"stiffness": 2.0, "range": (-15, 20), "springref": -11.0,
                        "damping": 0.2}),
    "hip": (None, {"stiffness": 5.0, "armature": 0.01, "damping": 0.5}),
    "hip_supinate": ("hip", {"range": (-20, 20)}),
    "hip_abduct": ("hip", {"range": (-30, 90)}),
    "hip_extend": ("hip", {"range": (-130, 60)}),
    "knee": (None, {"range": (-120, 10), "damping": 0.5}),
    "ankle": (None, {"range": (-100, 20), "damping": 0.3}),
    "toe": (None, {"stiffness": 2.0, "range": (-15, 70), "damping": 0.02}),
    "scapula": (None, {"stiffness": 10.0, "damping": 1.5}),
    "scapula_supinate": ("scapula", {"pos": (-0.03, 0.02, 0), "range": (-15, 35)}),
    "scapula_abduct": ("scapula", {"pos": (0, 0.05, -0.07), "range": (-15, 20)}),
    "scapula_extend": ("scapula", {"pos": (0, 0, 0), "range": (-30, 30)}),
    "shoulder": (None, {"stiffness": 5.0, "damping": 1.0}),
    "shoulder_extend": ("shoulder", {"range": (-40, 60)}),
    "shoulder_supinate": ("shoulder", {"range": (-30, 15)}),
    "elbow": (None, {"range": (-100, 30), "damping": 0.3}),
    "wrist": (None, {"range": (-110, 10), "damping": 0.2}),
    "finger": (None, {"stiffness": 1.0, "range": (-15, 100), "damping": 0.02}),
}  # fmt: skip

# Geom classes (friction: sliding, torsional, rolling).
GEOM_DEFAULT = {"friction": (0.9, 0.005, 1e-4), "solref": (0.01, 1),
                "solimp": (0.95, 0.99, 0.001)}  # fmt: skip
COLLISION = {"type": "capsule", "contype": 1, "conaffinity": 1, "condim": 1, "group": 3,
             "rgba": (0, 0.5, 0.5, 1)}  # fmt: skip
GEOM_CLASSES = {
    "collision": COLLISION,
    "nonself": {**COLLISION, "conaffinity": 0},
    "foot": {**COLLISION, "rgba": (0, 0.6, 0.4, 1), "solimp": (0.9, 0.95, 0.001)},
    "tooth": {**COLLISION, "condim": 6, "priority": 2, "friction": (0.5, 0.01, 0.01)},
    "eye": {"contype": 0, "conaffinity": 0, "group": 1},
}
BALL = {"condim": 6, "priority": 1, "friction": (0.5, 0.001, 0.001), "solref": (-5000, -5),
        "solimp": (0.5, 0.9, 0.01)}  # fmt: skip
TARGET = {"condim": 6, "priority": 2, "friction": (0.5, 0.01, 0.01)}
BALL_RADIUS, BALL_MASS, BALL_POS = 0.03, 0.056, (0.5, 0, 0.1)
TARGET_SIZE = (0.1, 0.004)
# Walls of the fetch arena: (name, half sizes, position, outward-tilted z axis).
WALLS = (
    ("wall_px", (1, 10, 0.5), (-10.7, 0, 0.7), (1, 0, 1)),
    ("wall_py", (10, 1, 0.5), (0, -10.7, 0.7), (0, 1, 1)),
    ("wall_nx", (1, 10, 0.5), (10.7, 0, 0.7), (-1, 0, 1)),
    ("wall_ny", (10, 1, 0.5), (0, 10.7, 0.7), (0, -1, 1)),
)

# Sites (all in the sensor group): (body, name, type, half sizes, position).
SITE_GROUP = 4
SITES = (
    ("foot_anchor_L", "foot_anchor_L", "sphere", (0.005,), (0, 0, 0)),
    ("toe_L", "sole_L", "box", (0.025, 0.03, 0.008), (0.026, 0, -0.033)),
    ("foot_anchor_R", "foot_anchor_R", "sphere", (0.005,), (0, 0, 0)),
    ("toe_R", "sole_R", "box", (0.025, 0.03, 0.008), (0.026, 0, -0.033)),
    ("Ca_21", "tail_tip", "sphere", (0.005,), (0, 0, 0)),
    ("skull", "head", "box", (0.01, 0.01, 0.01), (0, 0, 0)),
    ("skull", "upper_bite", "sphere", (0.005,), (0.065, 0, -0.07)),
    ("jaw", "lower_bite", "sphere", (0.005,), (0.063, 0, 0.005)),
    ("hand_anchor_L", "hand_anchor_L", "sphere", (0.005,), (0, 0, 0)),
    ("finger_L", "palm_L", "box", (0.028, 0.03, 0.007), (0.02, 0, -0.024)),
    ("hand_anchor_R", "hand_anchor_R", "sphere", (0.005,), (0, 0, 0)),
    ("finger_R", "palm_R", "box", (0.028, 0.03, 0.007), (0.02, 0, -0.024)),
)

# Body pairs whose geoms never collide.
_EXCLUDED = """
upper_arm_L:torso upper_arm_R:torso pelvis:Ca_2 pelvis:Ca_3 Ca_1:Ca_3 Ca_2:Ca_4 Ca_3:Ca_5
Ca_4:Ca_6 C_7:scapula_L C_7:scapula_R C_6:scapula_L C_6:scapula_R C_5:scapula_L C_5:scapula_R
C_1:jaw torso:lower_arm_L torso:lower_arm_R C_4:scapula_R C_4:scapula_L C_5:upper_arm_R
C_5:upper_arm_L C_6:upper_arm_R C_6:upper_arm_L C_7:upper_arm_R C_7:upper_arm_L
upper_leg_L:upper_leg_R lower_leg_L:pelvis upper_leg_L:foot_L lower_leg_R:pelvis
upper_leg_R:foot_R
"""
EXCLUDES = tuple(tuple(pair.split(":")) for pair in _EXCLUDED.split())

# Actuator gains (N m per unit of filtered control) by class; DEFAULT_GAIN for the others.
DEFAULT_GAIN = 0.02
GAINS = {
    "lumbar_extend": 60, "lumbar_bend": 40, "lumbar_twist": 40, "cervical_extend": 20,
    "cervical_bend": 20, "cervical_twist": 14, "atlas": 10, "caudal_extend": 0.5,
    "caudal_bend": 0.5, "mandible": 3, "hip_supinate": 10, "hip_abduct": 10, "hip_extend": 40,
    "knee": 30, "ankle": 20, "toe": 2, "scapula_supinate": 30, "scapula_abduct": 30,
    "scapula_extend": 30, "shoulder_supinate": 30, "shoulder_extend": 30, "elbow": 20,
    "wrist": 10, "finger": 2,
}  # fmt: skip
FILTER_TIME_CONSTANT = 0.05
_LEG = ("hip_{s}_supinate", "hip_{s}_abduct", "hip_{s}_extend", "knee_{s}", "ankle_{s}", "toe_{s}")
_SCAPULA = ("scapula_{s}_supinate", "scapula_{s}_abduct", "scapula_{s}_extend")
_ARM = (*_SCAPULA, "shoulder_{s}_supinate", "shoulder_{s}_extend", "elbow_{s}", "wrist_{s}")
_ARM = (*_ARM, "finger_{s}")
# Actuators in model order: the 8 tendons, then joints.
ACTUATORS = (
    *TENDONS,
    *(j.format(s=s) for s in "LR" for j in _LEG),
    "atlas",
    "mandible",
    *(j.format(s=s) for s in "LR" for j in _ARM),
)
SENSORS = (
    ("accelerometer", "accelerometer", "site", "head"),
    ("velocimeter", "velocimeter", "site", "head"),
    ("gyro", "gyro", "site", "head"),
    ("torso_linvel", "subtreelinvel", "body", "torso"),
    ("torso_angmom", "subtreeangmom", "body", "torso"),
    *((name, "touch", "site", name) for name in ("palm_L", "palm_R", "sole_L", "sole_R")),
    *((f"{part}_{s}", "force", "site", f"{part}_anchor_{s}") for part in ("foot", "hand")
      for s in "LR"),
)  # fmt: skip


def hinge_names() -> tuple[str, ...]:
    """The 73 hinges in model order: ``qpos[7:80]`` and ``qvel[6:79]`` follow it."""
    return tuple(joint.name for joint in JOINTS)


def joint_class(name: str) -> dict:
    """The attributes that class ``name`` gives a hinge (its parents' first, degrees)."""
    parent, attrs = JOINT_CLASSES[name]
    return {**(joint_class(parent) if parent else JOINT_DEFAULT), **attrs}


def dm_control_assets() -> str | None:
    """The folder of dm_control's dog meshes, skin and textures, or ``None`` when dm_control is
    not installed (found without importing it)."""
    found = importlib.util.find_spec("dm_control")
    if found is None or not found.submodule_search_locations:
        return None
    folder = os.path.join(found.submodule_search_locations[0], "suite", "dog_assets")
    return folder if os.path.isdir(folder) else None


def spec(floor_size: float = FETCH_FLOOR_SIZE, ball: bool = False, skin: bool | None = None):
    """Returns the dog model as an uncompiled ``mujoco.MjSpec``.

    Args:
      floor_size: half-width of the square floor (m); a plane collides everywhere regardless.
      ball: add fetch's ball, target, walls and their cameras.
      skin: add dm_control's skin and textures (looks only). ``None``: when dm_control is
        installed; ``True``: required (``FileNotFoundError`` naming dm_control otherwise).
    """
    assets = dm_control_assets() if skin is not False else None
    if skin and assets is None:
        raise FileNotFoundError(
            "the dog's skin and textures are read from dm_control's 'suite/dog_assets', and "
            "dm_control is not installed: pip install dm-control==1.0.50, or pass skin=False"
        )
    m = _common.new_model(MODEL_NAME)
    _set_options(m.spec)
    m.add(
        "geom",
        name="floor",
        type="plane",
        size=(floor_size, floor_size, 0.1),
        material="grid",
        **GEOM_DEFAULT,
    )
    for body in BODIES:
        _add_body(m, body)
    for joint in JOINTS:
        _add_joint(m, joint)
    for geom in GEOMS:
        _add_geom(m, geom)
    for body, name, kind, size, pos in SITES:
        m.add("site", parent=body, name=name, type=kind, size=size, pos=pos, group=SITE_GROUP)
    if ball:
        _add_fetch_props(m, textured=assets is not None)
    for body1, body2 in EXCLUDES:
        m.add("exclude", name=f"{body1}:{body2}", bodyname1=body1, bodyname2=body2)
    _add_tendons_and_actuators(m)
    _common.add_sensors(m, SENSORS)
    if assets is not None:
        _add_skin(m.spec, assets)
    elif ball:
        m.spec.add_material(name="tennis_ball", rgba=(0.8, 0.9, 0.2, 1))
    return m.spec


def _set_options(spec: mujoco.MjSpec) -> None:
    spec.option.timestep = TIMESTEP
    spec.option.noslip_iterations = NOSLIP_ITERATIONS
    spec.stat.meansize = 0.01
    spec.stat.extent = 1.0
    spec.visual.global_.offwidth, spec.visual.global_.offheight = 1920, 1080
    spec.visual.map.znear = 0.001
    scale = spec.visual.scale
    scale.jointlength, scale.jointwidth, scale.framelength, scale.framewidth = 8, 0.5, 2, 0.3


def _add_body(m: Model, body) -> None:
    mass, ipos, iquat, inertia = INERTIALS[body.name]
    element = m.add(
        "body",
        parent=body.parent,
        name=body.name,
        pos=body.pos,
        mass=mass,
        ipos=ipos,
        iquat=iquat,
        inertia=inertia,
        explicitinertial=True,
    )
    if body.name == "torso":
        m.add("freejoint", parent=element, name="root")
        m.add("light", parent=element, name="light", mode="trackcom", pos=(0, 0, 3))
        for name, pos, xyaxes in (
            ("y-axis", (0, -1.5, 0.8), (1, 0, 0, 0, 0.6, 1)),
            ("x-axis", (2, 0, 0.5), (0, 1, 0, -0.3, 0, 1)),
        ):
            m.add("camera", parent=element, name=name, pos=pos, xyaxes=xyaxes, mode="trackcom")


def _add_joint(m: Model, joint) -> None:
    attrs = joint_class(joint.cls)
    attrs["range"] = tuple(math.radians(d) for d in attrs["range"])
    if "springref" in attrs:
        attrs["springref"] = math.radians(attrs["springref"])
    if joint.axis is not None:
        attrs["axis"] = joint.axis
    if joint.pos is not None:
        attrs["pos"] = joint.pos
    m.add("joint", parent=joint.body, name=joint.name, type="hinge", limited=True, **attrs)


def _add_geom(m: Model, geom) -> None:
    attrs = {**GEOM_DEFAULT, **GEOM_CLASSES[geom.cls]}
    if geom.type is not None:
        attrs["type"] = geom.type
    for key in ("pos", "quat", "contype", "conaffinity", "rgba"):
        value = getattr(geom, key)
        if value is not None:
            attrs[key] = value
    if geom.euler is not None:
        attrs["euler"] = tuple(math.radians(a) for a in geom.euler)
    m.add("geom", parent=geom.body, name=geom.name, size=geom.size, **attrs)


def _add_fetch_props(m: Model, textured: bool) -> None:
    ball = m.add("body", name="ball", pos=BALL_POS)
    m.add("freejoint", parent=ball, name="ball_root")
    m.add(
        "geom",
        parent=ball,
        name="ball",
        type="sphere",
        size=(BALL_RADIUS,),
        mass=BALL_MASS,
        material="tennis_ball",
        **{**GEOM_DEFAULT, **BALL},
    )
    m.add(
        "geom",
        name="target",
        type="cylinder",
        size=TARGET_SIZE,
        material="target",
        **{**GEOM_DEFAULT, **TARGET},
    )
    for name, size, pos, zaxis in WALLS:
        m.add(
            "geom",
            name=name,
            type="plane",
            size=size,
            pos=pos,
            zaxis=zaxis,
            material="decoration",
            **GEOM_DEFAULT,
        )
    for name, target, pos in (
        ("ball", "ball", (0.5, 0.5, 0.9)),
        ("head", "skull", (-0.5, -0.5, 0.9)),
    ):
        m.add("camera", name=name, mode="targetbodycom", targetbody=target, pos=pos)


def _add_tendons_and_actuators(m: Model) -> None:
    for name, (prefix, numbers, coefficients) in TENDONS.items():
        tendon = m.add("tendon", name=name, rgba=(0.5, 0, 0, 1))
        kind = name.rsplit("_", 1)[1]
        for number, coef in zip(numbers, coefficients, strict=True):
            tendon.wrap_joint(f"{prefix}_{number}_{kind}", coef)
    classes = {joint.name: joint.cls for joint in JOINTS}
    for name in ACTUATORS:
        on_tendon = name in TENDONS
        actuator = m.add(
            "actuator",
            name=name,
            target=name,
            trntype="tendon" if on_tendon else "joint",
            ctrllimited=True,
            ctrlrange=(-1, 1),
        )
        actuator.dyntype = mujoco.mjtDyn.mjDYN_FILTER
        actuator.dynprm[0] = FILTER_TIME_CONSTANT
        actuator.gainprm[0] = GAINS.get(name if on_tendon else classes[name], DEFAULT_GAIN)


def _add_skin(spec: mujoco.MjSpec, folder: str) -> None:
    """dm_control's skin (bound to our body names) and textures, read from ``folder``."""
    files = ["skin_texture.png", "dog_skin.skn", "tennis_ball.png"]
    for name in files:
        with open(os.path.join(folder, name), "rb") as f:
            spec.assets[name] = f.read()
    spec.add_texture(name="skin", type=mujoco.mjtTexture.mjTEXTURE_2D, file="skin_texture.png")
    spec.add_material(name="skin", textures=["", "skin"])
    spec.add_skin(name="skin", file="dog_skin.skn", material="skin")
    spec.add_texture(
        name="tennis_ball",
        type=mujoco.mjtTexture.mjTEXTURE_CUBE,
        file="tennis_ball.png",
        gridsize=(3, 4),
        gridlayout=".U..LFRB.D..",
    )
    spec.add_material(name="tennis_ball", textures=["", "tennis_ball"])
