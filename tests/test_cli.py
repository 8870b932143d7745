"""The command line a new user and an operator run."""

import subprocess
import sys

from tests.conftest import ROOT


def _cli(db_url, *args):
    env = {"INTERPLAT_DATABASE_URL": db_url, "PATH": "/usr/bin:/bin", "INTERPLAT_ENV": "test"}
    return subprocess.run(
        [sys.executable, "-m", "interplat.cli", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_migrate_seed_and_issue_a_token_that_the_api_accepts(tmp_path):
    db_url = f"sqlite:///{tmp_path / 'cli.db'}"
    assert _cli(db_url, "migrate").returncode == 0
    assert "Symphony Financial" in _cli(db_url, "seed").stdout
    assert "already seeded" in _cli(db_url, "seed").stdout
    issued = _cli(db_url, "create-api-token", "symphony", "--name", "IVR")
    assert issued.returncode == 0 and issued.stdout.startswith("ipk_")
    secret = issued.stdout.strip()

    from interplat.db import session_scope
    from interplat.services import api_tokens

    with session_scope(db_url) as session:
        principal = api_tokens.resolve_api_token(session=session, secret=secret)
        assert principal.enterprise_name == "Symphony Financial"
    missing = _cli(db_url, "create-api-token", "nobody")
    assert missing.returncode == 2 and "no enterprise" in missing.stderr

    ivr = _cli(db_url, "create-ivr-client", "ticket4me", "--name", "Box office IVR")
    assert ivr.returncode == 0, ivr.stderr
    username, secret = ivr.stdout.strip().split(":", 1)
    from interplat.services import ivr_clients

    with session_scope(db_url) as session:
        client = ivr_clients.authenticate_ivr_client(
            session=session, username=username, secret=secret
        )
        assert client.name == "Box office IVR"
    assert _cli(db_url, "create-ivr-client", "nobody").returncode == 2
