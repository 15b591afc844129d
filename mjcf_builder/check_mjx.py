"""What an MJX implementation cannot run in a model, found before anyone compiles it for MJX.

``check_mjx(model, impl="jax")`` returns one :class:`Unsupported` per problem, each naming the
feature and the elements involved, e.g.::

    collision (ELLIPSOID, BOX) between geoms 'walker/foot' and 'floor_box' [impl='warp' supports it]

The tables below are facts about ``mujoco-mjx`` 3.17's JAX implementation (what its ``put_model``
and collision driver accept). They are written down here so that this module needs no JAX;
``tests/test_builder_check_mjx.py`` checks every entry against the installed MJX, so a new MJX
release that changes them fails loudly rather than silently. For ``impl="warp"`` only the flags
are checked: MJX-Warp implements every collision pair, sensor and actuator type of MuJoCo.
"""

from __future__ import annotations

import dataclasses

import mujoco
import numpy as np

from mjcf_builder.errors import BuilderError

IMPLS = ("jax", "warp")
_G = mujoco.mjtGeom

# Geom type pairs (lower type first) that MJX's JAX collision driver implements.
JAX_COLLISION_PAIRS = frozenset(
    (int(a), int(b))
    for a, b in (
        (_G.mjGEOM_PLANE, _G.mjGEOM_SPHERE),
        (_G.mjGEOM_PLANE, _G.mjGEOM_CAPSULE),
        (_G.mjGEOM_PLANE, _G.mjGEOM_ELLIPSOID),
        (_G.mjGEOM_PLANE, _G.mjGEOM_CYLINDER),
        (_G.mjGEOM_PLANE, _G.mjGEOM_BOX),
        (_G.mjGEOM_PLANE, _G.mjGEOM_MESH),
        (_G.mjGEOM_HFIELD, _G.mjGEOM_SPHERE),
        (_G.mjGEOM_HFIELD, _G.mjGEOM_CAPSULE),
        (_G.mjGEOM_HFIELD, _G.mjGEOM_BOX),
        (_G.mjGEOM_HFIELD, _G.mjGEOM_MESH),
        (_G.mjGEOM_SPHERE, _G.mjGEOM_SPHERE),
        (_G.mjGEOM_SPHERE, _G.mjGEOM_CAPSULE),
        (_G.mjGEOM_SPHERE, _G.mjGEOM_ELLIPSOID),
        (_G.mjGEOM_SPHERE, _G.mjGEOM_CYLINDER),
        (_G.mjGEOM_SPHERE, _G.mjGEOM_BOX),
        (_G.mjGEOM_SPHERE, _G.mjGEOM_MESH),
        (_G.mjGEOM_CAPSULE, _G.mjGEOM_CAPSULE),
        (_G.mjGEOM_CAPSULE, _G.mjGEOM_ELLIPSOID),
        (_G.mjGEOM_CAPSULE, _G.mjGEOM_CYLINDER),
        (_G.mjGEOM_CAPSULE, _G.mjGEOM_BOX),
        (_G.mjGEOM_CAPSULE, _G.mjGEOM_MESH),
        (_G.mjGEOM_ELLIPSOID, _G.mjGEOM_ELLIPSOID),
        (_G.mjGEOM_ELLIPSOID, _G.mjGEOM_CYLINDER),
        (_G.mjGEOM_CYLINDER, _G.mjGEOM_CYLINDER),
        (_G.mjGEOM_BOX, _G.mjGEOM_BOX),
        (_G.mjGEOM_BOX, _G.mjGEOM_MESH),
        (_G.mjGEOM_MESH, _G.mjGEOM_MESH),
    )
)
# Pairs MuJoCo itself never collides.
IGNORED_PAIRS = frozenset(
    {(int(_G.mjGEOM_PLANE), int(_G.mjGEOM_PLANE)), (int(_G.mjGEOM_PLANE), int(_G.mjGEOM_HFIELD))}
)
NO_MARGIN_TYPES = frozenset({int(_G.mjGEOM_MESH), int(_G.mjGEOM_HFIELD)})

# Enum values MJX's JAX implementation accepts (field of MjModel -> (enum, supported members)).
JAX_ENUMS = {
    "actuator_biastype": (mujoco.mjtBias, {"mjBIAS_NONE", "mjBIAS_AFFINE", "mjBIAS_MUSCLE"}),
    "actuator_dyntype": (
        mujoco.mjtDyn,
        {"mjDYN_NONE", "mjDYN_INTEGRATOR", "mjDYN_FILTER", "mjDYN_FILTEREXACT", "mjDYN_MUSCLE"},
    ),
    "actuator_gaintype": (mujoco.mjtGain, {"mjGAIN_FIXED", "mjGAIN_AFFINE", "mjGAIN_MUSCLE"}),
    "actuator_trntype": (
        mujoco.mjtTrn,
        {"mjTRN_JOINT", "mjTRN_JOINTINPARENT", "mjTRN_SITE", "mjTRN_TENDON"},
    ),
    "eq_type": (mujoco.mjtEq, {"mjEQ_CONNECT", "mjEQ_WELD", "mjEQ_JOINT", "mjEQ_TENDON"}),
    "wrap_type": (
        mujoco.mjtWrap,
        {"mjWRAP_JOINT", "mjWRAP_PULLEY", "mjWRAP_SITE", "mjWRAP_SPHERE", "mjWRAP_CYLINDER"},
    ),
    "sensor_type": (
        mujoco.mjtSensor,
        {
            "mjSENS_MAGNETOMETER",
            "mjSENS_CAMPROJECTION",
            "mjSENS_RANGEFINDER",
            "mjSENS_JOINTPOS",
            "mjSENS_TENDONPOS",
            "mjSENS_ACTUATORPOS",
            "mjSENS_BALLQUAT",
            "mjSENS_FRAMEPOS",
            "mjSENS_FRAMEXAXIS",
            "mjSENS_FRAMEYAXIS",
            "mjSENS_FRAMEZAXIS",
            "mjSENS_FRAMEQUAT",
            "mjSENS_SUBTREECOM",
            "mjSENS_CLOCK",
            "mjSENS_VELOCIMETER",
            "mjSENS_GYRO",
            "mjSENS_JOINTVEL",
            "mjSENS_TENDONVEL",
            "mjSENS_ACTUATORVEL",
            "mjSENS_BALLANGVEL",
            "mjSENS_FRAMELINVEL",
            "mjSENS_FRAMEANGVEL",
            "mjSENS_SUBTREELINVEL",
            "mjSENS_SUBTREEANGMOM",
            "mjSENS_TOUCH",
            "mjSENS_CONTACT",
            "mjSENS_ACCELEROMETER",
            "mjSENS_FORCE",
            "mjSENS_TORQUE",
            "mjSENS_ACTUATORFRC",
            "mjSENS_JOINTACTFRC",
            "mjSENS_TENDONACTFRC",
            "mjSENS_FRAMELINACC",
            "mjSENS_FRAMEANGACC",
            "mjSENS_TACTILE",
        },
    ),
}
# Element kind of each enum field, to name the elements involved.
_FIELD_OBJECTS = {
    "actuator_biastype": mujoco.mjtObj.mjOBJ_ACTUATOR,
    "actuator_dyntype": mujoco.mjtObj.mjOBJ_ACTUATOR,
    "actuator_gaintype": mujoco.mjtObj.mjOBJ_ACTUATOR,
    "actuator_trntype": mujoco.mjtObj.mjOBJ_ACTUATOR,
    "eq_type": mujoco.mjtObj.mjOBJ_EQUALITY,
    "wrap_type": None,
    "sensor_type": mujoco.mjtObj.mjOBJ_SENSOR,
}
JAX_INTEGRATORS = {"mjINT_EULER", "mjINT_RK4", "mjINT_IMPLICITFAST"}
JAX_SOLVERS = {"mjSOL_CG", "mjSOL_NEWTON"}
# Enable flags MJX accepts (both impls); ENERGY is not one: mjxcontrol.physics clears it.
MJX_ENABLE_FLAGS = {"mjENBL_INVDISCRETE", "mjENBL_SLEEP"}
# Contact-sensor matching MJX's JAX impl lacks (object type of either side).
JAX_CONTACT_SENSOR_OBJECTS = {
    int(mujoco.mjtObj.mjOBJ_SITE): "site",
    int(mujoco.mjtObj.mjOBJ_BODY): "body",
    int(mujoco.mjtObj.mjOBJ_XBODY): "subtree",
}
# Convex meshes in collision cost time in proportion to their hull size in MJX; above this many
# vertices we advise lowering ``maxhullvert`` (our own threshold, a warning, not an error).
MESH_VERTEX_WARNING = 200


@dataclasses.dataclass(frozen=True)
class Unsupported:
    """One feature of a model that an MJX impl cannot run.

    Attributes:
      feature: what it is, e.g. ``"collision (ELLIPSOID, BOX)"`` or ``"flag ENERGY"``.
      elements: names of the elements involved (``"geom 'a'"``, ...), at most a few.
      impl: the impl that was checked.
      remedy: what to do about it.
      severity: ``"error"`` (``mjx.put_model`` or the step would fail) or ``"warning"``.
    """

    feature: str
    elements: tuple[str, ...]
    impl: str
    remedy: str = ""
    severity: str = "error"

    def __str__(self) -> str:
        where = f" in {', '.join(self.elements)}" if self.elements else ""
        remedy = f" [{self.remedy}]" if self.remedy else ""
        return f"{self.severity}: {self.feature}{where}{remedy}"


class UnsupportedMjxFeatureError(BuilderError, NotImplementedError):
    """Raised by :func:`assert_mjx_compatible`; lists every problem."""


def check_mjx(model, impl: str = "jax") -> list[Unsupported]:
    """Every feature of ``model`` that MJX's ``impl`` does not support.

    Args:
      model: a :class:`mjcf_builder.Model`, ``mujoco.MjSpec`` or compiled ``mujoco.MjModel``.
      impl: ``"jax"`` or ``"warp"``.

    Returns:
      The problems found (empty if the model runs), errors first.
    """
    if impl not in IMPLS:
        raise ValueError(f"unknown MJX impl {impl!r}; choose one of {IMPLS}")
    m = _compiled(model)
    found = _check_option(m, impl)
    if impl == "jax":
        found += _check_flex(m) + _check_collisions(m) + _check_enums(m) + _check_contact_sensors(m)
        found += _check_meshes(m)
    return sorted(found, key=lambda u: u.severity != "error")


def assert_mjx_compatible(model, impl: str = "jax") -> None:
    """Raises :class:`UnsupportedMjxFeatureError` listing every error :func:`check_mjx` finds."""
    errors = [u for u in check_mjx(model, impl) if u.severity == "error"]
    if errors:
        lines = "\n  ".join(map(str, errors))
        raise UnsupportedMjxFeatureError(f"MJX impl={impl!r} cannot run this model:\n  {lines}")


def collision_pairs(m: mujoco.MjModel) -> list[tuple[int, int]]:
    """Geom pairs MuJoCo's broad phase may collide (explicit ``<pair>``s, then filtered pairs),
    each ordered by geom type, following MuJoCo's documented rules: contype/conaffinity bits,
    no self or welded-body collisions, parent-child filtering, ``<exclude>``."""
    pairs: list[tuple[int, int]] = []
    seen: set[tuple[int, int]] = set()

    def add(g1: int, g2: int) -> None:
        if m.geom_type[g1] > m.geom_type[g2]:
            g1, g2 = g2, g1
        if (g1, g2) not in seen:
            seen.add((g1, g2))
            pairs.append((g1, g2))

    for i in range(m.npair):
        add(int(m.pair_geom1[i]), int(m.pair_geom2[i]))
    excluded = set(int(s) for s in m.exclude_signature)
    filter_parent = not m.opt.disableflags & mujoco.mjtDisableBit.mjDSBL_FILTERPARENT
    active = (m.geom_contype | m.geom_conaffinity) != 0
    geoms = [
        np.flatnonzero(active[m.body_geomadr[b] : m.body_geomadr[b] + m.body_geomnum[b]])
        + m.body_geomadr[b]
        for b in range(m.nbody)
    ]
    for b1 in range(m.nbody):
        for b2 in range(b1, m.nbody):
            if not len(geoms[b1]) or not len(geoms[b2]) or (b1 << 16) + b2 in excluded:
                continue
            w1, w2 = m.body_weldid[b1], m.body_weldid[b2]
            if w1 == w2:
                continue
            p1, p2 = m.body_weldid[m.body_parentid[w1]], m.body_weldid[m.body_parentid[w2]]
            if filter_parent and w1 and w2 and (w1 == p2 or w2 == p1):
                continue
            for g1 in geoms[b1]:
                for g2 in geoms[b2]:
                    types = tuple(sorted((int(m.geom_type[g1]), int(m.geom_type[g2]))))
                    bits = (m.geom_contype[g1] & m.geom_conaffinity[g2]) | (
                        m.geom_contype[g2] & m.geom_conaffinity[g1]
                    )
                    if types not in IGNORED_PAIRS and bits:
                        add(int(g1), int(g2))
    return pairs


# ------------------------------------------------------------------------------------ checks
def _check_option(m: mujoco.MjModel, impl: str) -> list[Unsupported]:
    found = []
    for bit in mujoco.mjtEnableBit.__members__.values():
        if "_" in bit.name and m.opt.enableflags & int(bit) and bit.name not in MJX_ENABLE_FLAGS:
            remedy = (
                "mjxcontrol.physics clears it (energy is only reported, never used)"
                if bit == mujoco.mjtEnableBit.mjENBL_ENERGY
                else "clear the flag"
            )
            found.append(Unsupported(f"flag {bit.name.removeprefix('mjENBL_')}", (), impl, remedy))
    if impl == "jax":
        integrator = mujoco.mjtIntegrator(m.opt.integrator)
        if integrator.name not in JAX_INTEGRATORS:
            found.append(
                Unsupported(
                    f"integrator {integrator.name}", (), impl, "use Euler, RK4 or implicitfast"
                )
            )
        if m.opt.noslip_iterations > 0:  # MJX's JAX code never reads it: a silent change
            found.append(
                Unsupported(
                    f"noslip solver (noslip_iterations={m.opt.noslip_iterations})",
                    (),
                    impl,
                    "impl='warp' runs it, or set noslip_iterations=0",
                )
            )
        solver = mujoco.mjtSolver(m.opt.solver)
        if solver.name not in JAX_SOLVERS:
            found.append(Unsupported(f"solver {solver.name}", (), impl, "use CG or Newton"))
        fluid = m.opt.density > 0 or m.opt.viscosity > 0 or np.any(m.opt.wind)
        if fluid and integrator == mujoco.mjtIntegrator.mjINT_IMPLICITFAST:
            found.append(
                Unsupported(
                    "implicitfast with fluid forces (density/viscosity/wind)",
                    (),
                    impl,
                    "use Euler or RK4",
                )
            )
    return found


def _check_flex(m: mujoco.MjModel) -> list[Unsupported]:
    if not m.nflex:
        return []
    names = tuple(f"flex {_name(m, mujoco.mjtObj.mjOBJ_FLEX, i)!r}" for i in range(m.nflex))
    return [Unsupported("flex objects", names[:5], "jax", "impl='warp' supports them")]


def _check_collisions(m: mujoco.MjModel) -> list[Unsupported]:
    found, reported = [], set()
    for g1, g2 in collision_pairs(m):
        types = (int(m.geom_type[g1]), int(m.geom_type[g2]))
        label = f"({_G(types[0]).name[7:]}, {_G(types[1]).name[7:]})"
        where = (
            f"geom {_name(m, mujoco.mjtObj.mjOBJ_GEOM, g1)!r}",
            f"geom {_name(m, mujoco.mjtObj.mjOBJ_GEOM, g2)!r}",
        )
        if types not in JAX_COLLISION_PAIRS and types not in reported:
            reported.add(types)
            found.append(
                Unsupported(
                    f"collision {label}",
                    where,
                    "jax",
                    "impl='warp' supports it, or change a geom type",
                )
            )
        elif NO_MARGIN_TYPES & set(types) and (m.geom_margin[g1] + m.geom_margin[g2]) > 0:
            found.append(
                Unsupported(
                    f"margin on a {label} collision",
                    where,
                    "jax",
                    "set margin=0 on mesh/height-field pairs",
                )
            )
    return found


def _check_enums(m: mujoco.MjModel) -> list[Unsupported]:
    found = []
    for field, (enum, supported) in JAX_ENUMS.items():
        values = getattr(m, field)
        for value in sorted(set(int(v) for v in values)):
            member = enum(value)
            if member.name in supported:
                continue
            ids = np.flatnonzero(values == value)[:5]
            obj = _FIELD_OBJECTS[field]
            names = tuple(f"{field.split('_')[0]} {_name(m, obj, i)!r}" for i in ids) if obj else ()
            found.append(Unsupported(f"{field} {member.name}", names, "jax", "impl='warp'"))
    return found


def _check_contact_sensors(m: mujoco.MjModel) -> list[Unsupported]:
    found = []
    for i in np.flatnonzero(m.sensor_type == mujoco.mjtSensor.mjSENS_CONTACT):
        name = f"sensor {_name(m, mujoco.mjtObj.mjOBJ_SENSOR, int(i))!r}"
        for side in (int(m.sensor_objtype[i]), int(m.sensor_reftype[i])):
            if side in JAX_CONTACT_SENSOR_OBJECTS:
                found.append(
                    Unsupported(
                        f"contact sensor with {JAX_CONTACT_SENSOR_OBJECTS[side]} matching",
                        (name,),
                        "jax",
                        "match geoms instead, or impl='warp'",
                    )
                )
        if m.sensor_intprm[i, 1] == 3:
            found.append(
                Unsupported("contact sensor with netforce reduction", (name,), "jax", "impl='warp'")
            )
    return found


def _check_meshes(m: mujoco.MjModel) -> list[Unsupported]:
    colliding = {g for pair in collision_pairs(m) for g in pair if m.geom_type[g] == _G.mjGEOM_MESH}
    found = []
    for mesh in sorted({int(m.geom_dataid[g]) for g in colliding}):
        nvert = int(m.mesh_vertnum[mesh])
        if nvert > MESH_VERTEX_WARNING:
            found.append(
                Unsupported(
                    f"collision mesh with {nvert} vertices (> {MESH_VERTEX_WARNING})",
                    (f"mesh {_name(m, mujoco.mjtObj.mjOBJ_MESH, mesh)!r}",),
                    "jax",
                    "set maxhullvert or simplify the mesh: MJX's cost grows with hull size",
                    severity="warning",
                )
            )
    return found


def _compiled(model) -> mujoco.MjModel:
    if isinstance(model, mujoco.MjModel):
        return model
    if isinstance(model, mujoco.MjSpec):
        return model.compile()
    return model.compile()  # mjcf_builder.Model (checks assets first)


def _name(m: mujoco.MjModel, obj, index: int) -> str:
    return mujoco.mj_id2name(m, obj, int(index)) or f"#{int(index)}"
