"""What every staff page's header and dashboard show live: queue counts and team presence."""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass

from sqlmodel import Session

from . import tickets, users


@dataclass(frozen=True)
class WorkspaceSnapshot:
    counts: dict[str, int]
    team: list[dict[str, str]]

    @property
    def unserved(self) -> int:
        return self.counts.get("waiting", 0)


def workspace_snapshot(*, session: Session, enterprise_id: uuid.UUID) -> WorkspaceSnapshot:
    """Queue counts and team presence of one enterprise (two small queries)."""
    return WorkspaceSnapshot(
        counts=tickets.status_counts(session=session, enterprise_id=enterprise_id),
        team=[asdict(m) for m in users.list_team(session=session, enterprise_id=enterprise_id)],
    )
