"""The environment contract (mjxcontrol.testing.contract) on every registered task."""

import pytest

import mjxcontrol
from mjxcontrol.testing import contract

TASK_IDS = [info.id for info in mjxcontrol.list_tasks()]


@pytest.mark.parametrize("check", contract.CHECKS, ids=lambda c: c.__name__.removeprefix("check_"))
@pytest.mark.parametrize("task_id", TASK_IDS)
def test_contract(task_id, check, load_env):
    check(load_env(task_id))
