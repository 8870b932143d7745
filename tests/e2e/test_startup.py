"""Production mode refuses to start with a placeholder secret and names the variable."""

import subprocess

from tests.e2e.conftest import ROOT, app_env, free_port


def test_production_start_refuses_a_placeholder_secret(tmp_path):
    port = str(free_port())
    env = app_env(
        f"sqlite:///{tmp_path / 'p.db'}",
        INTERPLAT_ENV="production",
        INTERPLAT_SECRET_KEY="changeme",
    )
    result = subprocess.run(
        [
            str(ROOT / ".venv/bin/reflex"),
            "run",
            "--env",
            "prod",
            "--frontend-port",
            port,
            "--backend-port",
            port,
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode != 0
    assert "INTERPLAT_SECRET_KEY is a placeholder" in result.stdout + result.stderr


def test_the_cli_says_which_variable_without_a_traceback(tmp_path):
    env = app_env(f"sqlite:///{tmp_path / 'p.db'}", INTERPLAT_ENV="production")
    env.pop("INTERPLAT_SECRET_KEY", None)
    result = subprocess.run(
        [str(ROOT / ".venv/bin/python"), "-m", "interplat.cli", "migrate"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "error: Refusing to start in production: INTERPLAT_SECRET_KEY is a placeholder"
    )
    assert not (tmp_path / "p.db").exists()  # nothing was touched
