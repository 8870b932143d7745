"""Canned content and assisted-response rules of a listing, and the suggestion tester."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response, status
from pydantic import BaseModel, Field

from ..services import assist, canned, messages
from .deps import SessionDep, SettingsDep, WorkspaceDep

router = APIRouter(prefix="/v1/listings/{listing_id}", tags=["listing content"])


class CannedIn(BaseModel):
    title: str = Field(max_length=200)
    body: str = Field("", max_length=4000)
    shortcut: str = Field("", max_length=51)
    image_attachment_id: uuid.UUID | None = None
    offer_id: uuid.UUID | None = None


class CannedOut(BaseModel):
    id: uuid.UUID
    listing_id: uuid.UUID
    title: str
    shortcut: str
    body: str
    image_attachment_id: uuid.UUID | None
    offer_id: uuid.UUID | None
    created_at: str
    updated_at: str | None


class CannedPageOut(BaseModel):
    items: list[CannedOut]
    total: int


class RuleIn(BaseModel):
    name: str = Field("", max_length=200)
    keywords: list[str] = Field(max_length=20)
    replies: list[str] = Field(max_length=10)
    position: int | None = Field(None, ge=0, le=1_000_000)
    enabled: bool = True


class RuleOut(BaseModel):
    id: uuid.UUID
    listing_id: uuid.UUID
    name: str
    keywords: list[str]
    replies: list[str]
    position: int
    enabled: bool
    created_at: str


class RuleOrder(BaseModel):
    rule_ids: list[uuid.UUID] = Field(max_length=1000)


class SuggestIn(BaseModel):
    text: str = Field("", max_length=4000)
    # Instead of text: a message of the enterprise, read as typed (a voice message by its
    # transcript).
    message_id: uuid.UUID | None = None
    limit: int = Field(5, ge=1, le=20)


class SuggestionOut(BaseModel):
    text: str
    source: str
    source_id: str
    title: str
    score: float


def _canned(item: canned.CannedPublic) -> CannedOut:
    return CannedOut.model_validate(item, from_attributes=True)


def _rule(item: assist.RulePublic) -> RuleOut:
    return RuleOut.model_validate(item, from_attributes=True)


@router.post("/canned-content", response_model=CannedOut, status_code=status.HTTP_201_CREATED)
def create_canned(
    listing_id: uuid.UUID, body: CannedIn, session: SessionDep, principal: SettingsDep
) -> CannedOut:
    """Add a canned reply to the listing."""
    return _canned(
        canned.create_canned(
            session=session,
            enterprise_id=principal.enterprise_id,
            listing_id=listing_id,
            **body.model_dump(),
        )
    )


@router.get("/canned-content", response_model=CannedPageOut)
def list_canned(
    listing_id: uuid.UUID,
    session: SessionDep,
    principal: WorkspaceDep,
    q: Annotated[str, Query(max_length=100)] = "",
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> CannedPageOut:
    """The listing's canned replies, searched by title, shortcut and text."""
    items, total = canned.search_canned(
        session=session,
        enterprise_id=principal.enterprise_id,
        listing_id=listing_id,
        query=q,
        offset=offset,
        limit=limit,
    )
    return CannedPageOut(items=[_canned(i) for i in items], total=total)


@router.get("/canned-content/{canned_id}", response_model=CannedOut)
def get_canned(
    listing_id: uuid.UUID, canned_id: uuid.UUID, session: SessionDep, principal: WorkspaceDep
) -> CannedOut:
    return _canned(
        canned.get_canned(
            session=session,
            enterprise_id=principal.enterprise_id,
            listing_id=listing_id,
            canned_id=canned_id,
        )
    )


@router.put("/canned-content/{canned_id}", response_model=CannedOut)
def replace_canned(
    listing_id: uuid.UUID,
    canned_id: uuid.UUID,
    body: CannedIn,
    session: SessionDep,
    principal: SettingsDep,
) -> CannedOut:
    """Replace a canned reply with this snapshot."""
    return _canned(
        canned.update_canned(
            session=session,
            enterprise_id=principal.enterprise_id,
            listing_id=listing_id,
            canned_id=canned_id,
            **body.model_dump(),
        )
    )


@router.delete("/canned-content/{canned_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_canned(
    listing_id: uuid.UUID, canned_id: uuid.UUID, session: SessionDep, principal: SettingsDep
) -> Response:
    canned.delete_canned(
        session=session,
        enterprise_id=principal.enterprise_id,
        listing_id=listing_id,
        canned_id=canned_id,
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/assisted-rules", response_model=RuleOut, status_code=status.HTTP_201_CREATED)
def create_rule(
    listing_id: uuid.UUID, body: RuleIn, session: SessionDep, principal: SettingsDep
) -> RuleOut:
    """Add a rule: ordered keywords and the replies they suggest."""
    return _rule(
        assist.create_rule(
            session=session,
            enterprise_id=principal.enterprise_id,
            listing_id=listing_id,
            **body.model_dump(),
        )
    )


@router.get("/assisted-rules", response_model=list[RuleOut])
def list_rules(
    listing_id: uuid.UUID, session: SessionDep, principal: WorkspaceDep
) -> list[RuleOut]:
    rules = assist.list_rules(
        session=session, enterprise_id=principal.enterprise_id, listing_id=listing_id
    )
    return [_rule(r) for r in rules]


@router.put("/assisted-rules/order", response_model=list[RuleOut])
def reorder_rules(
    listing_id: uuid.UUID, body: RuleOrder, session: SessionDep, principal: SettingsDep
) -> list[RuleOut]:
    """Set the rules' order (every rule of the listing, once)."""
    rules = assist.reorder_rules(
        session=session,
        enterprise_id=principal.enterprise_id,
        listing_id=listing_id,
        rule_ids=body.rule_ids,
    )
    return [_rule(r) for r in rules]


@router.get("/assisted-rules/{rule_id}", response_model=RuleOut)
def get_rule(
    listing_id: uuid.UUID, rule_id: uuid.UUID, session: SessionDep, principal: WorkspaceDep
) -> RuleOut:
    return _rule(
        assist.get_rule(
            session=session,
            enterprise_id=principal.enterprise_id,
            listing_id=listing_id,
            rule_id=rule_id,
        )
    )


@router.put("/assisted-rules/{rule_id}", response_model=RuleOut)
def replace_rule(
    listing_id: uuid.UUID,
    rule_id: uuid.UUID,
    body: RuleIn,
    session: SessionDep,
    principal: SettingsDep,
) -> RuleOut:
    return _rule(
        assist.update_rule(
            session=session,
            enterprise_id=principal.enterprise_id,
            listing_id=listing_id,
            rule_id=rule_id,
            **body.model_dump(),
        )
    )


@router.delete("/assisted-rules/{rule_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_rule(
    listing_id: uuid.UUID, rule_id: uuid.UUID, session: SessionDep, principal: SettingsDep
) -> Response:
    assist.delete_rule(
        session=session,
        enterprise_id=principal.enterprise_id,
        listing_id=listing_id,
        rule_id=rule_id,
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/suggestions", response_model=list[SuggestionOut])
def suggest(
    listing_id: uuid.UUID, body: SuggestIn, session: SessionDep, principal: WorkspaceDep
) -> list[SuggestionOut]:
    """The replies a customer message would surface: rules first, then canned content."""
    text = body.text
    if body.message_id is not None:
        text = messages.message_text(
            session=session, enterprise_id=principal.enterprise_id, message_id=body.message_id
        )
    found = assist.suggest_replies(
        session=session,
        enterprise_id=principal.enterprise_id,
        listing_id=listing_id,
        text=text,
        limit=body.limit,
    )
    return [SuggestionOut.model_validate(s, from_attributes=True) for s in found]
