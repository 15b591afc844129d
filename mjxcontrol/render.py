"""Headless rendering of mjxcontrol envs with MuJoCo's ``mujoco.Renderer``, and MP4/PNG output.

Frames are drawn on the host: each state's ``qpos``/``qvel``/``act``/mocap pose is copied into a
``mujoco.MjData``, ``mj_forward`` recomputes everything derived from it, and OpenGL draws the scene.
On a Linux machine without a display this needs ``MUJOCO_GL=egl`` (read when ``mujoco`` is first
imported) and, with Mesa's software EGL, ``EGL_PLATFORM=surfaceless``; ``import mjxcontrol`` sets
both when they are unset and there is no display, and :func:`render_frames` raises
:class:`RenderError` naming them when no GL context can be made. Videos and contact sheets are
written with imageio (``imageio-ffmpeg`` ships the ffmpeg binary).

The default camera is dm_control's ``physics.render(camera_id=0)``: the model's first camera, or
the free camera where the model has none. Parameter overrides carried by states (``state.params``
and ``state.episode_params``, e.g. randomised geom sizes) are applied to the model for each frame,
and so are the ``mj_model`` fields a task returns from an optional
``render_overrides(physics, task_state) -> {field: value}`` (extras such as a target that live in
``task_state`` rather than in the model).
"""

from __future__ import annotations

import copy
import functools
import os
import pathlib
import platform
from collections.abc import Callable, Mapping, Sequence
from typing import Any, cast

import jax
import mujoco
import numpy as np

from mjxcontrol._mjx import mjx
from mjxcontrol.env import Env
from mjxcontrol.rollouts import Policy, uniform_policy
from mjxcontrol.types import State
from mjxcontrol.video import save_video

DEFAULT_WIDTH = 240  # pixels; small enough for software rendering on CPU
DEFAULT_HEIGHT = 240
GL_VARIABLES = "MUJOCO_GL=egl EGL_PLATFORM=surfaceless"

# Fields of mjx.Data that fix a frame: everything else is recomputed by mj_forward on the host.
_FRAME_FIELDS = ("time", "qpos", "qvel", "act", "mocap_pos", "mocap_quat")

Camera = int | str | None


class RenderError(RuntimeError):
    """No OpenGL context could be created (names the environment variables that fix it)."""


# ---------------------------------------------------------------------------- GL context
def _headless() -> bool:
    """True on Linux without an X or Wayland display (servers, CI, containers)."""
    no_display = not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    return platform.system() == "Linux" and no_display


def _gl_backend() -> str:
    """The GL backend ``mujoco`` chose at import: ``"egl"``, ``"glfw"``, ``"osmesa"`` or ``""``."""
    from mujoco.rendering.classic import gl_context

    context = getattr(gl_context, "GLContext", None)
    return "" if context is None else context.__module__.rsplit(".", 1)[-1]


def _gl_error(backend: str, cause: BaseException | None) -> RenderError:
    detail = f" ({type(cause).__name__}: {cause})" if cause is not None else ""
    return RenderError(
        f"cannot create an OpenGL context for rendering with MuJoCo's {backend or 'disabled'!r} "
        f"backend{detail}. On a machine without a display set {GL_VARIABLES} before the first "
        "`import mujoco` (importing mjxcontrol first sets them when they are unset); MUJOCO_GL is "
        "read only when mujoco is first imported."
    )


def _open_renderer(mj_model: mujoco.MjModel, width: int, height: int) -> mujoco.Renderer:
    """A ``mujoco.Renderer``; close it (or use it as a context manager) when done."""
    _check_size(width, height)
    backend = _gl_backend()
    if _headless() and backend == "egl":
        os.environ.setdefault("EGL_PLATFORM", "surfaceless")  # read by libEGL at display creation
    if _headless() and backend == "glfw":
        raise _gl_error(backend, None)
    try:
        return mujoco.Renderer(mj_model, height=height, width=width)
    except ValueError:  # larger than the model's offscreen framebuffer: mujoco's message says so
        raise
    except Exception as e:  # EGL/GLFW failures surface as many exception types
        raise _gl_error(backend, e) from e


def _check_size(width: int, height: int) -> None:
    for name, value in (("width", width), ("height", height)):
        if not isinstance(value, int | np.integer) or value < 1:
            raise ValueError(f"{name} must be a positive integer (pixels), got {value!r}")


def resolve_camera(mj_model: mujoco.MjModel, camera: Camera = None) -> int:
    """The camera id for ``camera`` (a name, an id in ``[-1, ncam)`` with -1 the free camera, or
    None for dm_control's default: 0, or -1 without cameras); ValueError listing the cameras."""
    names = [
        mujoco.mj_id2name(mj_model, mujoco.mjtObj.mjOBJ_CAMERA, i) for i in range(mj_model.ncam)
    ]
    listing = f"cameras: {names} (or -1 for the free camera)"
    if camera is None:
        return 0 if mj_model.ncam > 0 else -1
    if isinstance(camera, str):
        if camera not in names:
            raise ValueError(f"unknown camera {camera!r}; {listing}")
        return names.index(camera)
    if isinstance(camera, int | np.integer) and -1 <= camera < mj_model.ncam:
        return int(camera)
    raise ValueError(
        f"camera must be a name or an id in [-1, {mj_model.ncam}), got {camera!r}; {listing}"
    )


# ---------------------------------------------------------------------------- frame tracks
def _track(item: State | mjx.Data) -> dict[str, Any]:
    """The render-relevant arrays of one State or mjx.Data (device arrays, any leading axes)."""
    data = item.data if isinstance(item, State) else item
    if not isinstance(data, mjx.Data):
        raise ValueError(
            f"render_frames takes mjxcontrol States or mjx.Data (one, a sequence, or stacked "
            f"along a leading time axis), got {type(item).__name__}"
        )
    fields = {name: getattr(data, name) for name in _FRAME_FIELDS}
    if isinstance(item, State):
        fields["overrides"] = {**item.params, **item.episode_params}
        fields["task_state"] = item.task_state
    return fields


def frame_track(items: State | mjx.Data | Sequence[State | mjx.Data]) -> dict[str, Any]:
    """The host (numpy) arrays ``[T, ...]`` that fix each frame: ``qpos``, ``qvel``, ``act``, mocap
    pose, time, and for States the ``params``/``episode_params`` model overrides.

    Accepts one State or ``mjx.Data``, a sequence of unbatched ones, or one stacked along a
    leading axis (a time axis, or a batch of envs: frame ``i`` is then env ``i``).
    """
    if isinstance(items, State | mjx.Data):
        track = jax.device_get(_track(items))
        ndim = np.ndim(track["qpos"])
        if ndim == 1:
            return jax.tree.map(lambda x: np.asarray(x)[None], track)
        if ndim != 2:
            raise ValueError(
                f"expected a state with at most one leading (time) axis, got qpos of shape "
                f"{np.shape(track['qpos'])}; pick one env of a batch first, e.g. "
                "jax.tree.map(lambda x: x[:, i], states)"
            )
        return track
    sequence = list(cast(Sequence[State | mjx.Data], items))
    if not sequence:
        raise ValueError("render_frames got an empty sequence of states")
    tracks = jax.device_get([_track(item) for item in sequence])
    if any(np.ndim(t["qpos"]) != 1 for t in tracks):
        raise ValueError("a sequence passed to render_frames must hold unbatched states")
    return jax.tree.map(lambda *xs: np.stack(xs), *tracks)


def _set_frame(
    model: mujoco.MjModel, data: mujoco.MjData, track: Mapping[str, Any], t: int, overrides
):
    """Loads frame ``t`` of ``track`` into ``data``, and ``overrides`` (field -> value) into
    ``model`` (fields the host model lacks, or with another shape, are skipped)."""
    for name, value in overrides.items():
        target = getattr(model, name, None)
        if isinstance(target, np.ndarray) and target.shape == np.shape(value):
            target[...] = value
    for name in _FRAME_FIELDS:
        value = track[name][t]
        if name == "time":
            data.time = float(value)
        else:
            getattr(data, name)[...] = value
    mujoco.mj_forward(model, data)


class FrameRenderer:
    """Renders frames of a :func:`frame_track` of one env; a context manager. Closing it
    explicitly, not in the garbage collector, keeps EGL from printing errors at interpreter exit."""

    def __init__(self, env: Env, *, width=DEFAULT_WIDTH, height=DEFAULT_HEIGHT, camera=None):
        self.env = env
        # A private copy of the model: per-frame parameter overrides are written into it.
        self.model = copy.deepcopy(env.physics.mj_model)
        self.camera = resolve_camera(self.model, camera)
        self.data = mujoco.MjData(self.model)
        self._renderer = _open_renderer(self.model, width, height)

    def render(self, track: Mapping[str, Any], t: int) -> np.ndarray:
        """Frame ``t`` of ``track`` as a ``[H, W, 3]`` uint8 RGB image."""
        overrides = {name: values[t] for name, values in track.get("overrides", {}).items()}
        # A task may show per-episode extras that live in task_state (e.g. a target position)
        # by returning mj_model field values for them from render_overrides(physics, task_state).
        hook = getattr(self.env.task, "render_overrides", None)
        if hook is not None and "task_state" in track:
            task_state = jax.tree.map(lambda x: x[t], track["task_state"])
            overrides.update(hook(self.env.physics, task_state))
        _set_frame(self.model, self.data, track, t, overrides)
        self._renderer.update_scene(self.data, camera=self.camera)
        return self._renderer.render().copy()

    def close(self) -> None:
        self._renderer.close()

    def __enter__(self) -> FrameRenderer:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _render_track(
    env: Env, track: Mapping[str, Any], width: int, height: int, camera: Camera, progress: bool
) -> np.ndarray:
    steps = range(len(track["qpos"]))
    if progress:
        from tqdm.auto import tqdm

        steps = tqdm(steps, desc=f"rendering {env.id}", unit="frame")
    with FrameRenderer(env, width=width, height=height, camera=camera) as renderer:
        return np.stack([renderer.render(track, t) for t in steps])


def render_frames(
    env: Env,
    states_or_data_sequence: State | mjx.Data | Sequence[State | mjx.Data],
    *,
    width: int = DEFAULT_WIDTH,
    height: int = DEFAULT_HEIGHT,
    camera: Camera = None,
    progress: bool = False,
) -> np.ndarray:
    """Renders one env's states headless: ``uint8 [T, height, width, 3]``.

    Args:
      env: the env the states belong to.
      states_or_data_sequence: see :func:`frame_track` (a batch of envs renders env ``i`` as
        frame ``i``; pick one env of a ``[T, B]`` stack first).
      width, height: pixels (at most the model's offscreen buffer, 640x480 by default).
      camera: camera name or id; None = dm_control's default (camera 0, or the free camera).
      progress: show a progress bar.

    Raises:
      ValueError: bad input (shapes, sizes, camera). RenderError: no GL context.
    """
    track = frame_track(states_or_data_sequence)
    return _render_track(env, track, width, height, camera, progress)


# ---------------------------------------------------------------------------- rollouts
@functools.lru_cache(maxsize=16)
def _jitted(env: Env, policy: Policy) -> tuple[Callable, Callable]:
    """(reset, step) jitted once per (env, policy): ``step(state, key) -> state``."""

    def step(state: State, key: jax.Array) -> State:
        return env.step(state, policy(state.obs, key))

    return jax.jit(env.reset), jax.jit(step)


def rollout_states(
    env: Env, policy_fn: Policy | None = None, *, seed: int = 0, num_steps: int | None = None
) -> dict[str, Any]:
    """Runs one episode of one env and returns its render track (host arrays ``[T+1, ...]``).

    The episode starts from ``env.reset(key)`` and runs ``num_steps`` steps (default: the
    episode's step limit, or 1000 without one), stopping early when it ends.
    """
    if num_steps is None:
        num_steps = env.step_limit or 1000
    if not isinstance(num_steps, int | np.integer) or num_steps < 1:
        raise ValueError(f"num_steps must be a positive integer, got {num_steps!r}")
    reset, step = _step_functions(env, policy_fn or _uniform(env))
    reset_key, policy_key = jax.random.split(jax.random.key(seed))
    state = reset(reset_key)
    tracks = [_track(state)]
    for t in range(num_steps):
        state = step(state, jax.random.fold_in(policy_key, t))
        tracks.append(_track(state))
        if bool(state.done):
            break
    host = jax.device_get(tracks)
    return jax.tree.map(lambda *xs: np.stack(xs), *host)


def _step_functions(env: Env, policy: Policy) -> tuple[Callable, Callable]:
    try:
        return _jitted(env, policy)
    except TypeError:  # an unhashable policy: compile without the cache
        return _jitted.__wrapped__(env, policy)


@functools.lru_cache(maxsize=16)
def _uniform(env: Env) -> Policy:
    return uniform_policy(env)  # cached, so that the jitted step is reused


def rollout_frames(
    env: Env,
    policy_fn: Policy | None = None,
    *,
    seed: int = 0,
    num_steps: int | None = None,
    width: int = DEFAULT_WIDTH,
    height: int = DEFAULT_HEIGHT,
    camera: Camera = None,
    progress: bool = False,
) -> np.ndarray:
    """Rolls out one episode and renders it: ``uint8 [T+1, H, W, 3]`` (the reset frame first).

    Args:
      env: the env (one env, stepped by one jitted step function).
      policy_fn: jittable ``(obs, key) -> action`` for one env; None = uniform random actions.
      seed: seeds the reset and the policy's keys.
      num_steps: control steps (default: the step limit); the rollout stops when the episode ends.
      width, height, camera, progress: as in :func:`render_frames`.
    """
    track = rollout_states(env, policy_fn, seed=seed, num_steps=num_steps)
    return _render_track(env, track, width, height, camera, progress)


def video_fps(env: Env) -> int:
    """Frames per second of real time: ``round(1 / control_timestep)``."""
    return max(1, round(1.0 / env.control_timestep))


def render_policy_video(
    env: Env,
    policy_fn: Policy | None,
    path: str | os.PathLike,
    *,
    seed: int = 0,
    num_steps: int | None = None,
    width: int = DEFAULT_WIDTH,
    height: int = DEFAULT_HEIGHT,
    camera: Camera = None,
    progress: bool = False,
) -> pathlib.Path:
    """Rolls out ``policy_fn`` (see rollout_frames) and writes a real-time MP4; returns the path."""
    view = {"width": width, "height": height, "camera": camera, "progress": progress}
    frames = rollout_frames(env, policy_fn, seed=seed, num_steps=num_steps, **view)
    return save_video(path, frames, video_fps(env))
