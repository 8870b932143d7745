"""Driving a page's state handlers without a browser, through Reflex's in-memory manager."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from reflex.istate.manager.memory import StateManagerMemory
from reflex.istate.manager.token import BaseStateToken

from interplat.state.auth import AuthState

Step = Callable[[Any], Awaitable[Any]]


async def drive(state_cls: type, token: str, enterprise_id: str, steps: list[Step]) -> list[Any]:
    """Run ``steps`` on a fresh state tree for a tab holding ``token``, whose client-side
    enterprise id says ``enterprise_id`` (a forged one must change nothing)."""
    manager = StateManagerMemory()
    key = BaseStateToken(ident=f"tab-{uuid.uuid4().hex}", cls=state_cls)
    seen = []
    async with manager.modify_state(key) as root:
        auth_state = await root.get_state(AuthState)
        auth_state.session_token = token
        auth_state.enterprise_id = enterprise_id
        state = await root.get_state(state_cls)
        for step in steps:
            seen.append(await step(state))
    return seen
