"""Quadruped: a four-legged walker with position-servo legs (dm_control's ``quadruped`` domain).

Facts of the model (SI units; angles in degrees where written as ranges):

* Every geom uses solref (0.01, 1) and solimp (0.9, 0.99, 0.003) unless stated.
* ``torso``: an ellipsoid (semi-axes 0.3, 0.27, 0.2; 1000 kg/m^3) on the free joint ``root``,
  starting 0.57 m up, with two massless colliding cylinder ``eye_*`` geoms, a ``workspace``
  sphere site 0.8 m ahead and below, a ``torso`` site at its centre (the IMU) and 20 small
  capsule sites ``rf_ij`` looking forward (the rangefinders' origins).
* Four legs (``front_left``, ``front_right``, ``back_right``, ``back_left``) at (+-0.2, +-0.2, 0),
  yawed 45, -45, -135 and 135 degrees: hip (yaw about z, +-50; pitch about y, -20..60), knee
  (about y, -60..50) and ankle (about y, -45..55) hinges with damping 30, armature 0.01 and soft
  limits (0, 0.99, 0.01); capsule thigh (radius 8 cm), shin (6.5 cm) and foot (5.5 cm) at
  500 kg/m^3, contact dimension 1; a sphere toe (8 cm, friction 1.5) with a site around it.
* Per leg, three fixed tendons: ``coupling`` (pitch + knee + ankle, each x 0.333) held at zero
  length by a tendon equality (solref (0.005, 0.5), solimp (0.95, 0.99, 0.01)), ``extend``
  (0.25 pitch - 0.5 knee + 0.25 ankle) and ``lift`` (0.5 pitch - 0.5 ankle).
* 12 position servos (``general`` actuators with a first-order filter of time constant 0.1 s,
  gain 1000 and bias -1000 x length): per leg ``yaw`` (on the yaw joint, controls in [-1, 1]),
  ``lift`` (on the lift tendon, [-1, 1.1]) and ``extend`` (on the extend tendon, [-0.8, 0.8]).
* Sensors: accelerometer, gyro and velocimeter at the ``torso`` site; force then torque at each
  toe site; the torso's subtree centre of mass; with ``rangefinders``, 20 rangefinders.
* A ``terrain`` height field asset of 201 x 201 samples over 60 m x 60 m, up to 5 m high
  (a 0.1 m thick base), placed 1 cm below the floor by the ``terrain`` option's geom.
* Variants (as dm_control's ``make_model``): the ``floor`` plane's half-size; ``terrain``;
  ``rangefinders``; ``walls_and_ball``: four planes tilted 45 degrees around a 15 m arena, a
  ``target`` cylinder site (radius 0.4 m) at the origin and a free ``ball`` (radius 0.15 m,
  condim 6, priority 1, solref (-10000, -30), i.e. direct stiffness and damping) starting 3 m up.
* Timestep 0.005 s, Euler, Newton solver with MuJoCo's default settings.
"""

from __future__ import annotations

import math

import mujoco

from mjcf_builder.model import Model
from mjxcontrol.tasks.models import _common

MODEL_NAME = "quadruped"
TIMESTEP = 0.005
ZNEAR = 0.005
ZFAR = 20.0
RANGEFINDER_RGBA = (1, 1, 0.1, 0.1)

GEOM_SOLREF = (0.01, 1.0)
GEOM_SOLIMP = (0.9, 0.99, 0.003)
DEFAULT_FLOOR_SIZE = 15.0
FLOOR_THICKNESS = 0.5

TERRAIN_NAME = "terrain"
TERRAIN_SAMPLES = 201
TERRAIN_SIZE = (30, 30, 5, 0.1)  # half-sizes x, y; maximum elevation; base thickness
TERRAIN_RGBA = (0.2, 0.3, 0.4, 1)
TERRAIN_Z = -0.01
TERRAIN_PARKED_Z = TERRAIN_Z - 1000.0  # m: a pool's unused terrains, out of reach (escape)
TERRAIN_POOL_BODY = "terrain_pool"
_TERRAIN_GRID = {"nrow": TERRAIN_SAMPLES, "ncol": TERRAIN_SAMPLES}
_TERRAIN = {"type": "hfield", "rgba": TERRAIN_RGBA}

TORSO_POS = (0, 0, 0.57)
TORSO_SIZE = (0.3, 0.27, 0.2)
TORSO_DENSITY = 1000.0
LEG_DENSITY = 500.0
EYE_RADIUS = 0.05
WORKSPACE_POS = (0.8, 0, -0.2)
WORKSPACE_RADIUS = 0.3

LEGS = ("front_left", "front_right", "back_right", "back_left")
# Leg -> (hip position on the torso, yaw of the hip frame in degrees).
HIPS = {
    "front_left": ((0.2, 0.2, 0), 45),
    "front_right": ((0.2, -0.2, 0), -45),
    "back_right": ((-0.2, -0.2, 0), -135),
    "back_left": ((-0.2, 0.2, 0), 135),
}
# Leg segments: thigh (capsule end, radius) in the hip frame; shin and foot (body position in the
# parent frame, capsule end, radius).
THIGH = ((0.3, 0, 0.11), 0.08)
SHIN = ((0.3, 0, 0.11), (0.25, 0, -0.25), 0.065)
FOOT = ((0.25, 0, -0.25), (0, 0, -0.25), 0.055)
TOE_POS = (0, 0, -0.3)
TOE_RADIUS = 0.08
TOE_SITE_RADIUS = 0.084
TOE_FRICTION = 1.5
# Joint name prefix -> (axis, range in degrees).
LEG_JOINTS = {
    "yaw": ((0, 0, 1), (-50, 50)),
    "pitch": ((0, 1, 0), (-20, 60)),
    "knee": ((0, 1, 0), (-60, 50)),
    "ankle": ((0, 1, 0), (-45, 55)),
}
JOINT_DAMPING = 30.0
JOINT_ARMATURE = 0.01
JOINT_SOLIMP_LIMIT = (0.0, 0.99, 0.01)

# Tendon -> joint coefficients (pitch, knee, ankle); a missing joint has coefficient 0.
COUPLING = {"pitch": 0.333, "knee": 0.333, "ankle": 0.333}
EXTEND = {"pitch": 0.25, "knee": -0.5, "ankle": 0.25}
LIFT = {"pitch": 0.5, "ankle": -0.5}
COUPLING_SOLREF = (0.005, 0.5)
COUPLING_SOLIMP = (0.95, 0.99, 0.01)

SERVO_GAIN = 1000.0
SERVO_TIME_CONSTANT = 0.1
# Actuator kind -> control range.
CTRL_RANGES = {"yaw": (-1, 1), "lift": (-1, 1.1), "extend": (-0.8, 0.8)}

# Rangefinder sites: rows i (height of the origin) x columns j (sideways offset).
RANGEFINDER_ROWS = ((0.11, 0.34, 0.115), (0.1, 0.36, 0.11), (0.09, 0.38, 0.105), (0.08, 0.4, 0.1))
RANGEFINDER_OFFSETS = (-0.02, -0.01, 0, 0.01, 0.02)
# dm_control's model repeats -0.02 for rf_11 (a quirk kept so the sensor readings match).
RANGEFINDER_QUIRKS = {"rf_11": -0.02}
RANGEFINDERS = tuple(
    f"rf_{i}{j}" for i in range(len(RANGEFINDER_ROWS)) for j in range(len(RANGEFINDER_OFFSETS))
)  # site and sensor names
RANGEFINDER_SITE_SIZE = (0.005, 0.1)
RANGEFINDER_X = 0.41

WALL_OFFSET = 15.7
WALL_HEIGHT = 0.7
# Wall name -> (centre direction, half-sizes).
WALLS = {
    "wall_px": ((-1, 0), (1, 15, 0.5)),
    "wall_py": ((0, -1), (15, 1, 0.5)),
    "wall_nx": ((1, 0), (1, 15, 0.5)),
    "wall_ny": ((0, 1), (15, 1, 0.5)),
}
TARGET_SIZE = (0.4, 0.06)
TARGET_POS = (0, 0, 0.05)
BALL_POS = (0, 0, 3)
BALL_RADIUS = 0.15
BALL_FRICTION = (0.7, 0.005, 0.005)
BALL_SOLREF = (-10000, -30)


def spec(
    floor_size: float | None = None,
    terrain: bool = False,
    rangefinders: bool = False,
    walls_and_ball: bool = False,
    terrain_pool: int = 0,
) -> mujoco.MjSpec:
    """Returns one variant of the quadruped model as an uncompiled spec.

    Args:
      floor_size: half-size of the square floor plane (m); default 15.
      terrain: add the ``terrain`` height-field geom (its samples start at 0).
      rangefinders: add the 20 rangefinder sensors.
      walls_and_ball: add the arena walls, the ``target`` site and the ``ball``.
      terrain_pool: with ``n > 0`` (and ``terrain``), ``n`` terrain height fields and geoms
        (``terrain``, ``terrain_1``, ...; all but ``terrain`` at ``TERRAIN_PARKED_Z``) on a mocap
        body ``terrain_pool`` at the origin instead of one on the world: MJX-Warp places world
        geoms once for the whole batch, but a mocap body's geoms per env, from each env's
        ``geom_pos`` (quadruped/escape's terrain pool).
    """
    m = _common.new_model(MODEL_NAME)
    s = m.spec
    s.option.timestep = TIMESTEP
    s.visual.map.znear, s.visual.map.zfar = ZNEAR, ZFAR
    s.visual.rgba.rangefinder = RANGEFINDER_RGBA
    hfield = m.add("hfield", name=TERRAIN_NAME, size=TERRAIN_SIZE, **_TERRAIN_GRID)
    hfield.userdata = [0.0] * TERRAIN_SAMPLES**2  # flat until a task draws a terrain
    m.add("texture", name="ball", **BALL_TEXTURE)
    textures = [""] * int(mujoco.mjtTextureRole.mjNTEXROLE)
    textures[int(mujoco.mjtTextureRole.mjTEXROLE_RGB)] = "ball"
    m.add("material", name="ball", textures=textures)

    size = DEFAULT_FLOOR_SIZE if floor_size is None else floor_size
    _geom(m, None, "floor", type="plane", size=(size, size, FLOOR_THICKNESS), material="grid")
    if walls_and_ball:
        _add_walls_and_target(m)
    if terrain:
        _add_terrains(m, terrain_pool)
    m.add("camera", name="global", **CAMERAS["global"])
    _add_torso(m)
    if walls_and_ball:
        _add_ball(m)
    _add_tendons_and_actuators(m)
    _add_sensors(m, rangefinders)
    return s


CAMERAS = {
    "global": {"pos": (-10, 10, 10), "xyaxes": (-1, -1, 0, 1, 0, 1), "mode": "trackcom"},
    "x": {"pos": (-1.7, 0, 1), "xyaxes": (0, -1, 0, 0.75, 0, 1), "mode": "trackcom"},
    "y": {"pos": (0, 4, 2), "xyaxes": (-1, 0, 0, 0, -0.5, 1), "mode": "trackcom"},
    "egocentric": {"pos": (0.3, 0, 0.11), "xyaxes": (0, -1, 0, 0.4, 0, 1), "fovy": 60},
}
BALL_TEXTURE = {
    "type": "cube",
    "builtin": "checker",
    "mark": "cross",
    "width": 151,
    "height": 151,
    "rgb1": (0.1, 0.1, 0.1),
    "rgb2": (0.9, 0.9, 0.9),
    "markrgb": (1, 1, 1),
}
_WALL = {"type": "plane", "material": "decoration"}
_TARGET_SITE = {"type": "cylinder", "material": "target"}
_EYE = {"type": "cylinder", "mass": 0.0}  # massless, but it collides
_PUPIL = {"type": "sphere", "size": 0.033, "zaxis": (1, 0, 0), "material": "eye"}
_WORKSPACE = {"type": "sphere", "size": (WORKSPACE_RADIUS,) * 3, "material": "site", "group": 3}
_RANGEFINDER_SITE = {
    "type": "capsule",
    "size": RANGEFINDER_SITE_SIZE,
    "material": "site",
    "group": 4,
}
_LEG_JOINT = {
    "type": "hinge",
    "limited": True,
    "damping": JOINT_DAMPING,
    "armature": JOINT_ARMATURE,
    "solimp_limit": JOINT_SOLIMP_LIMIT,
}
_TOE = {"type": "sphere", "size": TOE_RADIUS, "material": "effector", "friction": TOE_FRICTION}
_TOE_SITE = {"type": "sphere", "size": TOE_SITE_RADIUS, "material": "site", "group": 4}
_BALL = {
    "type": "sphere",
    "size": BALL_RADIUS,
    "material": "ball",
    "priority": 1,
    "condim": 6,
    "friction": BALL_FRICTION,
    "solref": BALL_SOLREF,
}


def terrain_names(num: int) -> tuple[str, ...]:
    """Names of a terrain pool's ``num`` height fields (and their geoms), in pool order."""
    return (TERRAIN_NAME, *(f"{TERRAIN_NAME}_{i}" for i in range(1, num)))


def _add_terrains(m: Model, pool: int) -> None:
    if pool == 0:
        _geom(m, None, TERRAIN_NAME, hfieldname=TERRAIN_NAME, pos=(0, 0, TERRAIN_Z), **_TERRAIN)
        return
    body = m.add("body", name=TERRAIN_POOL_BODY, mocap=True)
    for i, name in enumerate(terrain_names(pool)):
        if i:
            field = m.add("hfield", name=name, size=TERRAIN_SIZE, **_TERRAIN_GRID)
            field.userdata = [0.0] * TERRAIN_SAMPLES**2
        z = TERRAIN_PARKED_Z if i else TERRAIN_Z
        _geom(m, body, name, hfieldname=name, pos=(0, 0, z), **_TERRAIN)


def _geom(m: Model, body, name: str, **attrs):
    attrs = {"solref": GEOM_SOLREF, "solimp": GEOM_SOLIMP, **attrs}
    return m.add("geom", parent=body, name=name, **attrs)


def _body_geom(m: Model, body, name: str, **attrs):
    """A leg or torso geom: contact dimension 1, ``self`` material, 500 kg/m^3 by default."""
    look = {"type": "capsule", "condim": 1, "material": "self", "density": LEG_DENSITY}
    return _geom(m, body, name, **{**look, **attrs})


def _add_walls_and_target(m: Model) -> None:
    for name, ((dx, dy), half_sizes) in WALLS.items():
        position = (dx * WALL_OFFSET, dy * WALL_OFFSET, WALL_HEIGHT)
        _geom(m, None, name, size=half_sizes, pos=position, zaxis=(-dx, -dy, 1), **_WALL)
    m.add("site", name="target", size=TARGET_SIZE, pos=TARGET_POS, **_TARGET_SITE)


def _add_torso(m: Model) -> None:
    torso = m.add("body", name="torso", pos=TORSO_POS)
    m.add("freejoint", parent=torso, name="root")
    for name in ("x", "y", "egocentric"):
        m.add("camera", parent=torso, name=name, **CAMERAS[name])
    m.add("light", parent=torso, name="light", pos=(0, 0, 4), mode="trackcom")
    for side, y in (("r", -0.07), ("l", 0.07)):
        eye = (0.1, y, 0.12, 0.31, y, 0.08)
        _body_geom(m, torso, f"eye_{side}", size=EYE_RADIUS, fromto=eye, **_EYE)
        m.add("site", parent=torso, name=f"pupil_{side}", pos=(0.3, y, 0.08), **_PUPIL)
    m.add("site", parent=torso, name="workspace", pos=WORKSPACE_POS, **_WORKSPACE)
    for i, (z, x_end, z_end) in enumerate(RANGEFINDER_ROWS):
        for j, y in enumerate(RANGEFINDER_OFFSETS):
            name = f"rf_{i}{j}"
            ray = (RANGEFINDER_X, RANGEFINDER_QUIRKS.get(name, y), z, x_end, 0, z_end)
            m.add("site", parent=torso, name=name, fromto=ray, **_RANGEFINDER_SITE)
    _body_geom(m, torso, "torso", type="ellipsoid", size=TORSO_SIZE, density=TORSO_DENSITY)
    m.add("site", parent=torso, name="torso_touch", type="box", size=(0.26,) * 3, rgba=(0, 0, 1, 0))
    m.add("site", parent=torso, name="torso", size=0.05, rgba=(1, 0, 0, 1))
    for leg in LEGS:
        _add_leg(m, torso, leg)


def _joint(m: Model, body, kind: str, leg: str) -> None:
    axis, degrees = LEG_JOINTS[kind]
    limits = tuple(math.radians(d) for d in degrees)
    m.add("joint", parent=body, name=f"{kind}_{leg}", axis=axis, range=limits, **_LEG_JOINT)


def _add_leg(m: Model, torso, leg: str) -> None:
    pos, yaw = HIPS[leg]
    hip = m.add("body", parent=torso, name=f"hip_{leg}", pos=pos, euler=(0, 0, math.radians(yaw)))
    _joint(m, hip, "yaw", leg)
    _joint(m, hip, "pitch", leg)
    thigh_end, thigh_radius = THIGH
    _body_geom(m, hip, f"thigh_{leg}", fromto=(0, 0, 0, *thigh_end), size=thigh_radius)
    parent = hip
    for body, geom, (pos, end, radius) in (("knee", "shin", SHIN), ("ankle", "foot", FOOT)):
        segment = m.add("body", parent=parent, name=f"{body}_{leg}", pos=pos)
        _joint(m, segment, body, leg)
        _body_geom(m, segment, f"{geom}_{leg}", fromto=(0, 0, 0, *end), size=radius)
        parent = segment
    toe = m.add("body", parent=parent, name=f"toe_{leg}", pos=TOE_POS)
    _body_geom(m, toe, f"toe_{leg}", **_TOE)
    m.add("site", parent=toe, name=f"toe_{leg}", **_TOE_SITE)


def _add_ball(m: Model) -> None:
    ball = m.add("body", name="ball", pos=BALL_POS)
    m.add("freejoint", parent=ball, name="ball_root")
    _geom(m, ball, "ball", **_BALL)
    m.add("light", parent=ball, name="ball_light", pos=(0, 0, 4), mode="trackcom")


def _add_fixed_tendon(m: Model, name: str, leg: str, coefficients: dict) -> None:
    tendon = m.add("tendon", name=name)
    for joint, coef in coefficients.items():
        tendon.wrap_joint(f"{joint}_{leg}", coef)


def _add_tendons_and_actuators(m: Model) -> None:
    for leg in LEGS:
        _add_fixed_tendon(m, f"coupling_{leg}", leg, COUPLING)
    for leg in LEGS:
        _add_fixed_tendon(m, f"extend_{leg}", leg, EXTEND)
        _add_fixed_tendon(m, f"lift_{leg}", leg, LIFT)
    coupling = {"type": "tendon", "objtype": "tendon", "solref": COUPLING_SOLREF}
    for leg in LEGS:
        name = f"coupling_{leg}"
        m.add("equality", name=name, name1=name, solimp=COUPLING_SOLIMP, **coupling)
    for leg in LEGS:
        for kind in ("yaw", "lift", "extend"):
            transmission = "joint" if kind == "yaw" else "tendon"
            servo = m.add(
                "actuator",
                name=f"{kind}_{leg}",
                target=f"{kind}_{leg}",
                trntype=transmission,
                ctrllimited=True,
                ctrlrange=CTRL_RANGES[kind],
            )
            servo.dyntype = mujoco.mjtDyn.mjDYN_FILTER
            servo.dynprm[0] = SERVO_TIME_CONSTANT
            servo.gainprm[0] = SERVO_GAIN  # fixed gain (the default gain type)
            servo.biastype = mujoco.mjtBias.mjBIAS_AFFINE
            servo.biasprm[:3] = (0, -SERVO_GAIN, 0)


def _add_sensors(m: Model, rangefinders: bool) -> None:
    def sensor(name, kind, objname, objtype="site"):
        return m.add("sensor", name=name, type=kind, objtype=objtype, objname=objname)

    for name, kind in (("imu_accel", "accelerometer"), ("imu_gyro", "gyro")):
        sensor(name, kind, "torso")
    sensor("velocimeter", "velocimeter", "torso")
    for kind in ("force", "torque"):
        for leg in LEGS:
            sensor(f"{kind}_toe_{leg}", kind, f"toe_{leg}")
    sensor("center_of_mass", "subtreecom", "torso", objtype="body")
    if rangefinders:
        for name in RANGEFINDERS:
            rf = sensor(name, "rangefinder", name)
            rf.intprm[0] = 1 << int(mujoco.mjtRayDataField.mjRAYDATA_DIST)  # distance only
