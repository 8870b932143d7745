"""Command line: ``python -m interplat.cli migrate|seed|check-config|banner``."""

from __future__ import annotations

import argparse
import sys

from .config import ConfigError, get_settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="interplat")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("migrate", help="upgrade the database to the newest schema")
    sub.add_parser("seed", help="create the demo enterprises (idempotent)")
    sub.add_parser("check-config", help="refuse missing or placeholder production secrets")
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
