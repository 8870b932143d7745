"""Command line: ``python -m interplat.cli migrate|seed|check-config|banner|create-…``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import Any

from .config import ConfigError, get_settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="interplat")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("migrate", help="upgrade the database to the newest schema")
    sub.add_parser("seed", help="create the demo enterprises (idempotent)")
    sub.add_parser("check-config", help="refuse missing or placeholder production secrets")
    token = sub.add_parser("create-api-token", help="issue a back-office API token (shown once)")
    token.add_argument("enterprise", help="the enterprise's slug, e.g. symphony")
    token.add_argument("--name", default="back office", help="what the token is for")
    ivr = sub.add_parser(
        "create-ivr-client", help="issue HTTP Basic credentials for an enterprise IVR (shown once)"
    )
    ivr.add_argument("enterprise", help="the enterprise's slug, e.g. symphony")
    ivr.add_argument("--name", default="IVR", help="which IVR this is")
    banner = sub.add_parser("banner", help="print where the app runs and how to log in")
    banner.add_argument("--url", default="http://localhost:3000")
    args = parser.parse_args(argv)

    try:
        get_settings().check_deployable()
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2

    if args.command == "migrate":
        from .db import upgrade_to_head

        upgrade_to_head()
        print("database at the newest schema")
    elif args.command == "seed":
        _seed()
    elif args.command == "banner":
        _banner(args.url)
    elif args.command == "create-api-token":
        return _create_api_token(args.enterprise, args.name)
    elif args.command == "create-ivr-client":
        return _create_ivr_client(args.enterprise, args.name)
    return 0


def _create_api_token(slug: str, name: str) -> int:
    from .services import api_tokens

    def issue(session: Any, enterprise: Any) -> tuple[str, str]:
        issued = api_tokens.create_api_token(
            session=session, enterprise_id=enterprise.id, name=name
        )
        note = f"(token {issued.id} for {enterprise.brand_name}; it is not shown again)"
        return issued.secret, note

    return _issue_credentials(slug, issue)


def _create_ivr_client(slug: str, name: str) -> int:
    from .services import ivr_clients

    def issue(session: Any, enterprise: Any) -> tuple[str, str]:
        issued = ivr_clients.create_ivr_client(
            session=session, enterprise_id=enterprise.id, name=name
        )
        note = (
            f"(IVR client {issued.client_id} for {enterprise.brand_name}: HTTP Basic "
            "user:secret for POST /api/v1/sms; the secret is not shown again)"
        )
        return f"{issued.username}:{issued.secret}", note

    return _issue_credentials(slug, issue)


def _issue_credentials(slug: str, issue: Callable[[Any, Any], tuple[str, str]]) -> int:
    """Issue credentials for the enterprise ``slug``: the secret on stdout (for scripts),
    the note on stderr; 2 with a clear message for an unknown slug or refused input."""
    from .db import session_scope
    from .services import enterprises
    from .services.errors import DomainError

    with session_scope() as session:
        enterprise = enterprises.find_enterprise_by_slug(session=session, slug=slug)
        if enterprise is None:
            print(f"error: no enterprise with slug {slug!r}", file=sys.stderr)
            return 2
        try:
            secret, note = issue(session, enterprise)
        except DomainError as exc:
            print(f"error: {exc.message}", file=sys.stderr)
            return 2
    print(secret)
    print(note, file=sys.stderr)
    return 0


def _seed() -> None:
    from .db import session_scope
    from .services.demo import seed_demo

    with session_scope() as session:
        summary = seed_demo(session=session)
    made = ", ".join(summary.created) or "nothing new (already seeded)"
    print(f"demo data: {made}")


def _banner(url: str) -> None:
    from . import routes
    from .db import session_scope
    from .services.demo import DEMO_PASSWORD, seed_demo

    with session_scope() as session:
        links = seed_demo(session=session).customer_links
    print()
    print(f"  Interplat is starting at {url}")
    print(f"  Staff login: carlos@symphony.demo / {DEMO_PASSWORD}  (owner: olivia@symphony.demo)")
    print(f"               tom@ticket4me.demo / {DEMO_PASSWORD}  (Ticket4Me owner)")
    for brand, code in links.items():
        if code:
            print(f"  Customer chat ({brand}): {routes.chat_url(url, code)}")
    print()


if __name__ == "__main__":
    raise SystemExit(main())
