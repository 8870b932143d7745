"""Assisted responses: keyword rules and canned content suggested to the CSR for a message.

Suggestions rank matched rules first (by rule position, then by which keyword matched
first), then canned replies of the listing by text similarity to the message.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, func, select

from ..models import AssistedResponseRule, CannedContent, utcnow
from . import textmatch
from .enterprises import get_listing
from .errors import Conflict, NotFound, ValidationFailed

MAX_NAME_LENGTH = 200
MAX_KEYWORDS, MAX_KEYWORD_LENGTH = 20, 100
MAX_REPLIES, MAX_REPLY_LENGTH = 10, 1000
MAX_SUGGESTIONS = 20
# Similarity is 0.8 × cosine(message, title + body) + 0.2 × share of title words present.
# One word shared with a canned body alone scores about 0.15–0.21 for a short message, too
# weak to show; a shared title word or two shared words score 0.4 and up.
TITLE_WEIGHT = 0.2
CANNED_THRESHOLD = 0.25


@dataclass(frozen=True)
class RulePublic:
    """An assisted-response rule as the admin screens show it."""

    id: str
    listing_id: str
    name: str
    keywords: tuple[str, ...]
    replies: tuple[str, ...]
    position: int
    enabled: bool
    created_at: str


@dataclass(frozen=True)
class Suggestion:
    """A reply offered to the CSR; ``score`` is 1.0 for a rule, the similarity for canned."""

    text: str
    source: str  # "rule" | "canned"
    source_id: str
    title: str
    score: float


def create_rule(
    *,
    session: Session,
    enterprise_id: uuid.UUID,
    listing_id: uuid.UUID,
    keywords: Sequence[str],
    replies: Sequence[str],
    name: str = "",
    position: int | None = None,
    enabled: bool = True,
    now: dt.datetime | None = None,
) -> RulePublic:
    """A new rule in the listing, after its last rule unless ``position`` is given."""
    get_listing(session=session, enterprise_id=enterprise_id, listing_id=listing_id)
    fields = _validated(name, keywords, replies, position, enabled)
    if position is None:
        fields["position"] = _next_position(session, listing_id)
    rule = AssistedResponseRule(
        enterprise_id=enterprise_id, listing_id=listing_id, created_at=now or utcnow(), **fields
    )
    session.add(rule)
    session.flush()
    return to_public(rule)


def get_rule(
    *, session: Session, enterprise_id: uuid.UUID, listing_id: uuid.UUID, rule_id: uuid.UUID
) -> RulePublic:
    """One rule of the listing."""
    return to_public(_row(session, enterprise_id, listing_id, rule_id))


def update_rule(
    *,
    session: Session,
    enterprise_id: uuid.UUID,
    listing_id: uuid.UUID,
    rule_id: uuid.UUID,
    keywords: Sequence[str],
    replies: Sequence[str],
    name: str = "",
    position: int | None = None,
    enabled: bool = True,
) -> RulePublic:
    """Replace every field of a rule; a ``None`` position keeps its place."""
    rule = _row(session, enterprise_id, listing_id, rule_id)
    for key, value in _validated(name, keywords, replies, position, enabled).items():
        setattr(rule, key, value)
    session.add(rule)
    session.flush()
    return to_public(rule)


def delete_rule(
    *, session: Session, enterprise_id: uuid.UUID, listing_id: uuid.UUID, rule_id: uuid.UUID
) -> None:
    """Remove a rule from the listing."""
    session.delete(_row(session, enterprise_id, listing_id, rule_id))
    session.flush()


def list_rules(
    *, session: Session, enterprise_id: uuid.UUID, listing_id: uuid.UUID
) -> list[RulePublic]:
    """Every rule of the listing, enabled or not, in the order they are tried."""
    get_listing(session=session, enterprise_id=enterprise_id, listing_id=listing_id)
    return [to_public(rule) for rule in _rules(session, enterprise_id, listing_id)]


def reorder_rules(
    *,
    session: Session,
    enterprise_id: uuid.UUID,
    listing_id: uuid.UUID,
    rule_ids: Sequence[uuid.UUID],
) -> list[RulePublic]:
    """Set the rules' positions 0, 1, 2… from ``rule_ids``, which lists each rule once."""
    get_listing(session=session, enterprise_id=enterprise_id, listing_id=listing_id)
    if len(set(rule_ids)) != len(rule_ids):
        raise ValidationFailed("Each rule appears once in the new order.", field="rule_ids")
    rules = {rule.id: rule for rule in _rules(session, enterprise_id, listing_id)}
    if set(rule_ids) != set(rules):
        raise Conflict("The rules changed since this list was loaded; reload and try again.")
    for position, rule_id in enumerate(rule_ids):
        rules[rule_id].position = position
        session.add(rules[rule_id])
    session.flush()
    return [to_public(rules[rule_id]) for rule_id in rule_ids]


def suggest_replies(
    *,
    session: Session,
    enterprise_id: uuid.UUID,
    listing_id: uuid.UUID,
    text: str,
    limit: int = 5,
) -> list[Suggestion]:
    """Replies for a customer message: matched rules' replies, then similar canned content."""
    words = textmatch.words(text)
    if not words or limit <= 0:
        return []
    get_listing(session=session, enterprise_id=enterprise_id, listing_id=listing_id)
    rules = _rules(session, enterprise_id, listing_id, enabled_only=True)
    found = _unique(_rule_suggestions(rules, words))
    if len(found) < limit:
        canned = session.exec(
            select(CannedContent).where(
                CannedContent.enterprise_id == enterprise_id,
                CannedContent.listing_id == listing_id,
            )
        ).all()
        found = _unique(found + _canned_suggestions(canned, words))
    return found[: min(limit, MAX_SUGGESTIONS)]


def to_public(rule: AssistedResponseRule) -> RulePublic:
    return RulePublic(
        id=str(rule.id),
        listing_id=str(rule.listing_id),
        name=rule.name,
        keywords=tuple(rule.keywords),
        replies=tuple(rule.replies),
        position=rule.position,
        enabled=rule.enabled,
        created_at=rule.created_at.isoformat(),
    )


def _rule_suggestions(rules: list[AssistedResponseRule], words: list[str]) -> list[Suggestion]:
    """Replies of the rules with a keyword in the message, best rule first."""
    padded = f" {' '.join(words)} "
    matched: list[tuple[AssistedResponseRule, int]] = []
    for rule in rules:
        phrases = (f" {' '.join(textmatch.words(keyword))} " for keyword in rule.keywords)
        first_hit = next((i for i, phrase in enumerate(phrases) if phrase in padded), None)
        if first_hit is not None:
            matched.append((rule, first_hit))
    # A stable sort: rules tied on (position, keyword) keep the order they were loaded in.
    matched.sort(key=lambda m: (m[0].position, m[1]))
    return [
        Suggestion(text=reply, source="rule", source_id=str(rule.id), title=rule.name, score=1.0)
        for rule, _ in matched
        for reply in rule.replies
    ]


def _canned_suggestions(rows: Iterable[CannedContent], words: list[str]) -> list[Suggestion]:
    """Canned replies similar enough to the message, most similar first."""
    message = Counter(textmatch.terms(words))
    if not message:
        return []
    found = []
    for row in rows:
        title = set(textmatch.terms(textmatch.words(row.title)))
        cosine = textmatch.cosine(
            message, Counter(textmatch.terms(textmatch.words(f"{row.title} {row.body}")))
        )
        title_share = len(title & message.keys()) / len(title) if title else 0.0
        score = round((1 - TITLE_WEIGHT) * cosine + TITLE_WEIGHT * title_share, 4)
        if score >= CANNED_THRESHOLD:
            found.append(Suggestion(row.body, "canned", str(row.id), row.title, score))
    return sorted(found, key=lambda s: (-s.score, s.title.casefold(), s.source_id))


def _unique(suggestions: list[Suggestion]) -> list[Suggestion]:
    """The suggestions without a reply text offered earlier (case and spacing aside)."""
    seen: set[str] = set()
    unique = []
    for suggestion in suggestions:
        key = " ".join(suggestion.text.casefold().split())
        if not key or key not in seen:
            seen.add(key)
            unique.append(suggestion)
    return unique


def _rules(
    session: Session, enterprise_id: uuid.UUID, listing_id: uuid.UUID, enabled_only: bool = False
) -> list[AssistedResponseRule]:
    query = select(AssistedResponseRule).where(
        AssistedResponseRule.enterprise_id == enterprise_id,
        AssistedResponseRule.listing_id == listing_id,
    )
    if enabled_only:
        query = query.where(col(AssistedResponseRule.enabled))
    return list(
        session.exec(
            query.order_by(
                col(AssistedResponseRule.position),
                col(AssistedResponseRule.created_at),
                col(AssistedResponseRule.id),
            )
        ).all()
    )


def _row(
    session: Session, enterprise_id: uuid.UUID, listing_id: uuid.UUID, rule_id: uuid.UUID
) -> AssistedResponseRule:
    rule = session.get(AssistedResponseRule, rule_id)
    if rule is None or rule.enterprise_id != enterprise_id or rule.listing_id != listing_id:
        raise NotFound("Rule not found.")
    return rule


def _next_position(session: Session, listing_id: uuid.UUID) -> int:
    last = session.exec(
        select(func.max(AssistedResponseRule.position)).where(
            AssistedResponseRule.listing_id == listing_id
        )
    ).one()
    return 0 if last is None else int(last) + 1


def _validated(
    name: str,
    keywords: Sequence[str],
    replies: Sequence[str],
    position: int | None,
    enabled: bool,
) -> dict[str, Any]:
    """The rule's cleaned fields (no position when ``None``), or ValidationFailed."""
    name = name.strip()
    if len(name) > MAX_NAME_LENGTH:
        raise ValidationFailed(f"Names are at most {MAX_NAME_LENGTH} characters.", field="name")
    fields: dict[str, Any] = {"name": name, "keywords": _keywords(keywords)}
    if isinstance(replies, str) or not 1 <= len(replies) <= MAX_REPLIES:
        raise ValidationFailed(f"Enter 1 to {MAX_REPLIES} replies.", field="replies")
    fields["replies"] = [str(reply).strip() for reply in replies]
    if any(not 1 <= len(reply) <= MAX_REPLY_LENGTH for reply in fields["replies"]):
        raise ValidationFailed(
            f"Each reply is 1 to {MAX_REPLY_LENGTH} characters.", field="replies"
        )
    if position is not None:
        if isinstance(position, bool) or not isinstance(position, int) or position < 0:
            raise ValidationFailed("The position is a whole number from 0.", field="position")
        fields["position"] = position
    return fields | {"enabled": bool(enabled)}


def _keywords(raw: Sequence[str]) -> list[str]:
    if isinstance(raw, str) or not 1 <= len(raw) <= MAX_KEYWORDS:
        raise ValidationFailed(f"Enter 1 to {MAX_KEYWORDS} keywords.", field="keywords")
    keywords: list[str] = []
    seen: set[str] = set()
    for entry in raw:
        keyword = " ".join(str(entry).split())
        words = " ".join(textmatch.words(keyword))
        if not 1 <= len(keyword) <= MAX_KEYWORD_LENGTH:
            raise ValidationFailed(
                f"Keywords are 1 to {MAX_KEYWORD_LENGTH} characters.", field="keywords"
            )
        if not words:
            raise ValidationFailed(
                f"“{keyword}” has no letters or digits to match.", field="keywords"
            )
        if words in seen:
            raise ValidationFailed(f"“{keyword}” is entered twice.", field="keywords")
        seen.add(words)
        keywords.append(keyword)
    return keywords
