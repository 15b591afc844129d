"""Names resolved to indices once, on the host, for one compiled model (``physics.names``)."""

from __future__ import annotations

import difflib

import mujoco
import numpy as np

_OBJECTS = {
    "body": (mujoco.mjtObj.mjOBJ_BODY, "nbody"),
    "joint": (mujoco.mjtObj.mjOBJ_JOINT, "njnt"),
    "geom": (mujoco.mjtObj.mjOBJ_GEOM, "ngeom"),
    "site": (mujoco.mjtObj.mjOBJ_SITE, "nsite"),
    "actuator": (mujoco.mjtObj.mjOBJ_ACTUATOR, "nu"),
    "sensor": (mujoco.mjtObj.mjOBJ_SENSOR, "nsensor"),
    "tendon": (mujoco.mjtObj.mjOBJ_TENDON, "ntendon"),
    "camera": (mujoco.mjtObj.mjOBJ_CAMERA, "ncam"),
    "hfield": (mujoco.mjtObj.mjOBJ_HFIELD, "nhfield"),
}
# Width in qpos / qvel of each joint type.
_QPOS_WIDTH = {0: 7, 1: 4, 2: 1, 3: 1}
_QVEL_WIDTH = {0: 6, 1: 3, 2: 1, 3: 1}


class Names:
    """Name -> index tables of one compiled model, built once on the host.

    Every lookup returns plain Python ints or numpy int arrays, so task code that uses names at
    trace time compiles to static indices (the JAX counterpart of dm_control's ``physics.named``).
    """

    def __init__(self, mj_model: mujoco.MjModel):
        self._ids: dict[str, dict[str, int]] = {}
        for kind, (obj, count) in _OBJECTS.items():
            table = {}
            for i in range(getattr(mj_model, count)):
                name = mujoco.mj_id2name(mj_model, obj, i)
                if name:
                    table[name] = i
            self._ids[kind] = table
        self._jnt_type = np.asarray(mj_model.jnt_type)
        self._qposadr = np.asarray(mj_model.jnt_qposadr)
        self._dofadr = np.asarray(mj_model.jnt_dofadr)
        self._sensor_adr = np.asarray(mj_model.sensor_adr)
        self._sensor_dim = np.asarray(mj_model.sensor_dim)

    def id(self, kind: str, name: str) -> int:
        """Index of the named object of ``kind`` (body, joint, geom, site, actuator, ...)."""
        if kind not in self._ids:
            raise KeyError(f"unknown object kind {kind!r}; choose one of {sorted(self._ids)}")
        table = self._ids[kind]
        if name not in table:
            close = difflib.get_close_matches(name, table, n=3)
            hint = f"; did you mean {close}?" if close else f"; known: {sorted(table)}"
            raise KeyError(f"no {kind} named {name!r} in the model{hint}")
        return table[name]

    def ids(self, kind: str, names) -> np.ndarray:
        """Indices of several named objects, as an int array in the given order."""
        return np.asarray([self.id(kind, n) for n in names], dtype=np.int32)

    def all(self, kind: str) -> tuple[str, ...]:
        """Names of every named object of ``kind`` in model order."""
        return tuple(self._ids[kind])

    def qpos(self, *joints: str) -> np.ndarray:
        """Indices into ``qpos`` covering the named joints, in order."""
        return self._span(joints, self._qposadr, _QPOS_WIDTH)

    def qvel(self, *joints: str) -> np.ndarray:
        """Indices into ``qvel`` (and ``qacc``, ``qfrc_*``) covering the named joints, in order."""
        return self._span(joints, self._dofadr, _QVEL_WIDTH)

    def sensor(self, name: str) -> np.ndarray:
        """Indices into ``sensordata`` of the named sensor."""
        i = self.id("sensor", name)
        return np.arange(self._sensor_adr[i], self._sensor_adr[i] + self._sensor_dim[i])

    def _span(self, joints, adr, width) -> np.ndarray:
        parts = []
        for j in joints:
            i = self.id("joint", j)
            parts.append(np.arange(adr[i], adr[i] + width[int(self._jnt_type[i])]))
        return np.concatenate(parts).astype(np.int32) if parts else np.zeros(0, np.int32)
