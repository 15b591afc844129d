"""Headless rendering, videos, contact sheets and the ``render`` CLI command, on pendulum/swingup.

One env (shared with the rest of the session) and one jitted rollout step (uniform random actions)
serve every test; frames are small so that software rendering stays fast.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import types

import jax
import numpy as np
import pytest

from mjxcontrol import cli_render, render, video

TASK = "pendulum/swingup"
WIDTH, HEIGHT = 64, 48  # pixels: small, even, not square (catches swapped axes)
STEPS = 12


@pytest.fixture(scope="module")
def env(load_env):
    return load_env(TASK)


@pytest.fixture(scope="module")
def frames(env):
    return render.rollout_frames(env, seed=0, num_steps=STEPS, width=WIDTH, height=HEIGHT)


def _imageio():
    try:
        import imageio.v2 as imageio
        import imageio_ffmpeg  # noqa: F401
    except ImportError as e:
        pytest.fail(f"rendering output needs imageio: pip install imageio imageio-ffmpeg ({e})")
    return imageio


def test_rollout_frames_are_images_of_a_moving_scene(frames):
    assert frames.shape == (STEPS + 1, HEIGHT, WIDTH, 3) and frames.dtype == np.uint8
    assert frames.mean() > 20  # not black
    assert len({f.tobytes() for f in frames}) > STEPS // 2  # the pendulum moves


def test_frames_match_dm_control_camera_0(env):
    from dm_control import suite

    data = env.physics.make_data()
    data = data.replace(qpos=np.array([0.7], np.float32))
    ours = render.render_frames(env, data, width=WIDTH, height=HEIGHT)[0]
    reference = suite.load(*TASK.split("/"))
    with reference.physics.reset_context():
        reference.physics.data.qpos[:] = 0.7
    theirs = reference.physics.render(height=HEIGHT, width=WIDTH, camera_id=0)
    assert np.abs(ours.astype(int) - theirs).mean() < 1.0  # same camera, same pose


def test_render_frames_accepts_sequences_and_rejects_bad_input(env):
    data = env.physics.make_data()
    poses = [data.replace(qpos=np.array([q], np.float32)) for q in (0.0, 1.0)]
    listed = render.render_frames(env, poses, width=WIDTH, height=HEIGHT, camera="lookat")
    assert listed.shape == (2, HEIGHT, WIDTH, 3) and not np.array_equal(listed[0], listed[1])
    with pytest.raises(ValueError, match="cameras: \\['fixed', 'lookat'\\]"):
        render.render_frames(env, data, camera="nope")
    with pytest.raises(ValueError, match="width"):
        render.render_frames(env, data, width=0)
    with pytest.raises(ValueError, match="States or mjx.Data"):
        render.render_frames(env, [np.zeros(3)])
    with pytest.raises(ValueError, match="shape"):
        video.save_video("unused.mp4", np.zeros((2, 4, 4), np.uint8), 30)


def test_state_overrides_and_task_render_hook_reach_the_model(env, monkeypatch):
    reset, _ = render._step_functions(env, render._uniform(env))  # compiled by `frames`
    state = reset(jax.random.key(0))
    plain = render.render_frames(env, state, width=WIDTH, height=HEIGHT)
    m = env.physics.mj_model
    sizes = m.geom_size.copy()
    red = {
        "geom_rgba": np.tile([1.0, 0, 0, 1], (m.ngeom, 1)),
        "mat_rgba": np.tile([1.0, 0, 0, 1], (m.nmat, 1)),
    }
    seen = []

    def render_overrides(self, physics, task_state):
        seen.append(task_state)
        return red

    monkeypatch.setattr(type(env.task), "render_overrides", render_overrides, raising=False)
    hooked = render.render_frames(env, state, width=WIDTH, height=HEIGHT)
    assert len(seen) == 1 and not np.array_equal(plain, hooked)
    assert hooked[..., 0].mean() > plain[..., 0].mean()
    wide = state.replace(params={"geom_size": jax.numpy.asarray(m.geom_size) * 3})
    monkeypatch.delattr(type(env.task), "render_overrides")
    assert not np.array_equal(render.render_frames(env, wide, width=WIDTH, height=HEIGHT), plain)
    np.testing.assert_array_equal(m.geom_size, sizes)  # the renderer changed a copy


@pytest.mark.filterwarnings("ignore:os.fork:RuntimeWarning")  # imageio starts ffmpeg to read
def test_video_and_contact_sheet_files(frames, env, tmp_path):
    imageio = _imageio()
    movie = video.save_video(tmp_path / "v.mp4", frames, render.video_fps(env))
    reader = imageio.get_reader(movie, format="FFMPEG")
    read = np.stack([frame for frame in reader.iter_data()])  # len(reader) is inf
    assert reader.get_meta_data()["fps"] == render.video_fps(env) == 50
    reader.close()
    assert read.shape == frames.shape
    assert np.abs(read.astype(int) - frames).mean() < 10  # lossy, but the same pictures
    sheet = imageio.imread(video.save_contact_sheet(tmp_path / "s.png", frames, cols=4))
    assert sheet.shape == (2 * (HEIGHT + 2) + 2, 4 * (WIDTH + 2) + 2, 3)


def _parse(argv):
    parser = argparse.ArgumentParser(prog="mjxcontrol")
    cli_render.add_parsers(parser.add_subparsers(dest="command"))
    return parser.parse_args(argv)


def test_cli_render_writes_video_and_sheet(env, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(cli_render.registry, "load", lambda task: env)  # reuse the compiled env
    args = _parse(
        [
            "render",
            TASK,
            "--out",
            str(tmp_path),
            "--steps",
            "3",
            "--width",
            "32",
            "--height",
            "32",
            "--camera",
            "0",
            "--no-cache",  # the session's JAX cache stays in use
        ]
    )
    assert args.func(args) == 0
    assert (tmp_path / "pendulum-swingup.mp4").stat().st_size > 0
    assert _imageio().imread(tmp_path / "pendulum-swingup.png").shape[2] == 3
    assert "pendulum-swingup.mp4" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        _parse(["render", TASK, "--steps", "0"])


def test_cli_render_checkpoint(env, tmp_path, monkeypatch):
    monkeypatch.setattr(cli_render.registry, "load", lambda task: env)
    checkpoint = tmp_path / "ckpt"
    checkpoint.mkdir()
    argv = [
        "render",
        TASK,
        "--checkpoint",
        str(checkpoint),
        "--out",
        str(tmp_path),
        "--steps",
        "2",
        "--width",
        "32",
        "--height",
        "32",
        "--no-cache",
    ]
    monkeypatch.setitem(sys.modules, "mjxcontrol.agents.policy", None)  # not importable
    with pytest.raises(ValueError, match="mjxcontrol.agents.policy"):
        cli_render.run(_parse(argv))
    fake = types.ModuleType("mjxcontrol.agents.policy")
    trained_on = {"task": "cartpole/swingup"}
    fake.load_policy = lambda path: (trained_on["task"], render._uniform(env))  # type: ignore
    monkeypatch.setitem(sys.modules, "mjxcontrol.agents.policy", fake)
    with pytest.raises(ValueError, match="trained on cartpole/swingup, not pendulum/swingup"):
        cli_render.run(_parse(argv))
    trained_on["task"] = TASK
    assert cli_render.run(_parse(argv)) == 0


def test_headless_rendering_needs_no_settings_and_exits_quietly():
    """A fresh interpreter without MUJOCO_GL/EGL_PLATFORM renders, and exits without EGL noise."""
    script = (
        "import mjxcontrol\n"
        "from mjxcontrol import render\n"
        f"env = mjxcontrol.load({TASK!r})\n"
        "frames = render.render_frames(env, env.physics.make_data(), width=16, height=16)\n"
        "assert frames.mean() > 0\n"
    )
    environ = {k: v for k, v in os.environ.items() if k not in ("MUJOCO_GL", "EGL_PLATFORM")}
    result = subprocess.run(
        [sys.executable, "-c", script], env=environ, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "EGL" not in result.stderr and "Exception ignored" not in result.stderr, result.stderr
