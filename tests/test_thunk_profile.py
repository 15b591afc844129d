"""benchmarks/thunk_profile.py: XLA thunks of the bench's step, attributed to JAX name scopes."""

from mjxcontrol.benchmarks import thunk_profile

_HLO = """
ENTRY %main.1 (p: f32[4]) -> f32[4] {
  %fusion.3 = f32[4]{0} fusion(%p), kind=kLoop, calls=%c, metadata={op_name="jit(run)/jit(rollout)/while/body/closed_call/vmap()/solve/while/body/mul"}
  ROOT %copy.1 = f32[4]{0} copy(%fusion.3)
}
"""  # noqa: E501


def test_thunks_are_named_by_the_scope_they_came_from():
    ops = thunk_profile.op_names(_HLO)
    assert ops == {
        "fusion.3": "jit(run)/jit(rollout)/while/body/closed_call/vmap()/solve/while/body/mul",
        "copy.1": "",
    }
    assert thunk_profile.scope(ops["fusion.3"], 2) == "solve/mul"
    assert thunk_profile.scope(ops["copy.1"], 2) == "(no name)"
    # a program loaded from mjxcontrol.program_store runs under jax.export's call_exported
    assert thunk_profile.scope("jit(call)/call_exported/solve/mul", 2) == "solve/mul"


def test_profile_of_a_small_task(capsys):
    args = ["pendulum/swingup", "--num-envs", "4", "--chunk", "2", "--calls", "1", "--top", "3"]
    assert thunk_profile.main(args) == 0
    out = capsys.readouterr().out
    assert "pendulum/swingup exact, 4 envs:" in out and "thunks and" in out
    scopes = out.split("name scope\n")[1].split("\n\n")[0].splitlines()
    assert len(scopes) == 3 and all(float(row.split()[0]) >= 0 for row in scopes)
