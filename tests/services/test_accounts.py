"""Accounts: what the operator sets up names an organization that exists, or is told it does not."""

from __future__ import annotations

import pytest

from annobatch.domain import NotFound
from conftest import World


def test_a_workspace_in_an_organization_that_does_not_exist_is_not_found(world: World) -> None:
    org = world.org("acme")
    with pytest.raises(NotFound, match=f"organization {org + 1} not found"):
        world.run(world.ops.accounts.create_workspace(org + 1, "lidar"))
