"""Physics profiles: exact by default, fast only when asked, both shown by `mjxcontrol info`."""

import json

import pytest

import mjxcontrol
from mjxcontrol import profiles
from mjxcontrol.cli import main


def test_exact_is_the_default_and_fast_only_on_request():
    exact, fast = (
        mjxcontrol.load("pendulum/swingup"),
        mjxcontrol.load("pendulum/swingup", physics="fast"),
    )
    assert exact.profile == "exact" and fast.profile == "fast"
    assert exact.physics is not fast.physics
    options = profiles.overrides("pendulum/swingup", "fast")
    for name, value in options.items():
        assert getattr(fast.physics.mj_model.opt, name) == value
    assert exact.physics is mjxcontrol.load("pendulum/swingup", physics="exact").physics


def test_unknown_profile_is_a_clear_error():
    with pytest.raises(ValueError, match=r"unknown physics profile 'turbo'; choose one of"):
        mjxcontrol.load("pendulum/swingup", physics="turbo")


def test_info_shows_both_profiles(capsys):
    assert main(["info", "walker/walk", "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)["physics_profiles"]
    assert set(shown) == set(profiles.PROFILES)
    assert shown["exact"]["iterations"] >= shown["fast"]["iterations"]
