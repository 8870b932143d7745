"""End-to-end fixtures: the real app (``reflex run --env prod``, as ``make run`` starts it) on a
seeded temporary database, and headless Debian Chromium driven by Playwright."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psutil
import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
SHOTS = ARTIFACTS / "screenshots"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 800}
DEMO_PASSWORD = "interplat-demo"


@dataclass
class RunningApp:
    url: str
    database_url: str
    customer_links: dict[str, str]

    def at(self, path: str) -> str:
        return self.url + path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def app_env(database_url: str, **extra: str) -> dict[str, str]:
    # Reflex keeps internal switches in os.environ (the API tests set __REFLEX_SKIP_COMPILE,
    # which made the app skip its frontend install); the real app starts without them.
    env = {k: v for k, v in os.environ.items() if not k.startswith("__REFLEX")}
    env.update(
        PATH=f"{ROOT / '.tools/node_modules/.bin'}:{ROOT / '.venv/bin'}:{env.get('PATH', '')}",
        REFLEX_USE_SYSTEM_BUN="1",
        REFLEX_CHECK_LATEST_VERSION="0",
        REFLEX_TELEMETRY_ENABLED="0",
        INTERPLAT_ENV="development",
        INTERPLAT_DATABASE_URL=database_url,
    )
    env.pop("INTERPLAT_REDIS_URL", None)
    env.pop("REFLEX_WEB_WORKDIR", None)  # the real app builds in the project's .web, as make run
    if os.environ.get("INTERPLAT_E2E_WEB_DIR"):  # several checkouts' runs at once, apart
        env["REFLEX_WEB_WORKDIR"] = os.environ["INTERPLAT_E2E_WEB_DIR"]
    if "NPM_CONFIG_REGISTRY" not in env:
        registry = subprocess.run(
            ["npm", "config", "get", "registry"],
            capture_output=True,
            text=True,
            env=env,
            check=False,
        ).stdout.strip()
        env["NPM_CONFIG_REGISTRY"] = registry or "https://registry.npmjs.org/"
    env.update(extra)
    return env


def wait_for(url: str, proc: subprocess.Popen, log: Path, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"app exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"app did not answer {url} in {timeout}s:\n{log.read_text()[-3000:]}")


def start_app(database_url: str, log_name: str, port: int | None = None, **extra_env: str):
    """``port``: chosen up front when the app must know its own URL (``free_port``)."""
    port = port or free_port()
    ARTIFACTS.mkdir(exist_ok=True)
    log = ARTIFACTS / log_name
    proc = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/reflex"),
            "run",
            "--env",
            "prod",
            "--frontend-port",
            str(port),
            "--backend-port",
            str(port),
            "--loglevel",
            "info",
        ],
        cwd=ROOT,
        env=app_env(database_url, **extra_env),
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://localhost:{port}"
    try:
        wait_for(base + "/api/health", proc, log)
        wait_for(base + "/login", proc, log)
    except BaseException:
        stop_app(proc)
        raise
    return proc, base


def stop_app(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def seeded_database(directory: Path) -> tuple[str, dict[str, str]]:
    from interplat.db import session_scope, upgrade_to_head
    from interplat.services.demo import seed_demo

    database_url = f"sqlite:///{directory / 'e2e.db'}"
    upgrade_to_head(database_url)
    with session_scope(database_url) as session:
        links = seed_demo(session=session).customer_links
    return database_url, links


@pytest.fixture(scope="session")
def running_app(tmp_path_factory) -> Iterator[RunningApp]:
    """One worker, in-process event bus: what ``make run`` starts."""
    database_url, links = seeded_database(tmp_path_factory.mktemp("e2e"))
    proc, base = start_app(database_url, "e2e-server.log")
    try:
        yield RunningApp(url=base, database_url=database_url, customer_links=links)
    finally:
        stop_app(proc)


@pytest.fixture(scope="module")
def fresh_app(tmp_path_factory) -> Iterator[RunningApp]:
    """An app of the test module's own, on freshly seeded demo data, that knows its own URL
    (the sandbox's hosted pages and webhooks, and SMS links, point back at it).

    For journeys that need the demo's starting point (an empty head of the queue) or a
    public URL. Its build lives apart from the session's app (a build bakes in the port),
    in one folder the modules share: they run one after another.
    """
    database_url, links = seeded_database(tmp_path_factory.mktemp("e2e-fresh"))
    port = free_port()
    base = f"http://localhost:{port}"
    proc, _ = start_app(
        database_url,
        "e2e-fresh-server.log",
        port=port,
        INTERPLAT_PUBLIC_BASE_URL=base,
        INTERPLAT_API_BASE_URL=base,
        REFLEX_WEB_WORKDIR=str(tmp_path_factory.getbasetemp() / "fresh-web" / ".web"),
    )
    try:
        yield RunningApp(url=base, database_url=database_url, customer_links=links)
    finally:
        stop_app(proc)


@pytest.fixture(scope="session")
def scaled_app(tmp_path_factory) -> Iterator[RunningApp]:
    """Two backend workers sharing Reflex state and events through Redis."""
    redis_url = os.environ["INTERPLAT_TEST_REDIS_URL"]
    database_url, links = seeded_database(tmp_path_factory.mktemp("e2e-scaled"))
    # Its own .web: a second build in the shared one would bake this app's port into the
    # frontend the first app serves, and that app's pages would talk to this backend.
    web_dir = tmp_path_factory.mktemp("scaled-web") / ".web"
    proc, base = start_app(
        database_url,
        "e2e-scaled-server.log",
        INTERPLAT_REDIS_URL=redis_url,
        GRANIAN_WORKERS="2",
        REFLEX_WEB_WORKDIR=str(web_dir),
    )
    try:
        workers = psutil.Process(proc.pid).children(recursive=True)
        assert len([w for w in workers if "reflex" in " ".join(w.cmdline())]) == 2
        yield RunningApp(url=base, database_url=database_url, customer_links=links)
    finally:
        stop_app(proc)


@pytest.fixture(scope="session")
def playwright():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p


def launch(playwright, *extra_args: str):
    """Debian's Chromium, headless (Playwright's own browser download fails here)."""
    return playwright.chromium.launch(
        executable_path="/usr/bin/chromium", args=[*CHROMIUM_ARGS, *extra_args], headless=True
    )


def launch_with_microphone(playwright, wav: Path, *, loop: bool = True):
    """Chromium whose fake microphone says ``wav`` (over and over, or once), permission
    granted up front."""
    return launch(
        playwright,
        "--use-fake-device-for-media-stream",
        "--use-fake-ui-for-media-stream",
        f"--use-file-for-fake-audio-capture={wav}{'' if loop else '%noloop'}",
    )


@pytest.fixture(scope="session")
def spoken_wav(tmp_path_factory) -> tuple[Path, float]:
    """An espeak-ng WAV of the first transcription clip ("…check the balance on my
    credit card"), and its length in seconds."""
    from tests.services.transcription import speech

    said = speech.speak(speech.CLIPS[0])
    path = tmp_path_factory.mktemp("microphone") / "balance.wav"
    path.write_bytes(speech.encode(said.pcm, said.rate, "wav"))
    return path, said.seconds


@pytest.fixture(scope="session")
def browser(playwright):
    b = launch(playwright)
    yield b
    b.close()


@pytest.fixture
def desktop(browser):
    context = browser.new_context(viewport=DESKTOP)
    yield context
    context.close()


@pytest.fixture
def phone(browser):
    context = browser.new_context(
        viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2
    )
    yield context
    context.close()


def shot(page, name: str) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def path_is(path: str) -> re.Pattern[str]:
    """A URL matcher tolerant of the trailing slash Reflex's router adds."""
    return re.compile(rf"^https?://[^/]+{re.escape(path)}/?(\?.*)?$")


def log_in(page, app: RunningApp, email: str, password: str = DEMO_PASSWORD) -> None:
    from playwright.sync_api import expect

    page.goto(app.at("/login"))
    page.get_by_test_id("login-email").fill(email)
    page.get_by_test_id("login-password").fill(password)
    page.get_by_test_id("login-submit").click()
    expect(page).to_have_url(path_is("/dashboard"), timeout=30_000)
    expect(page.get_by_test_id("user-name")).to_be_visible(timeout=30_000)


def new_customer_chat(database_url: str, slug: str, phone: str, first_name: str) -> tuple[str, str]:
    """A new waiting ticket of the enterprise ``slug`` and its chat link: (ticket id, code)."""
    from interplat.db import session_scope
    from interplat.models import Channel
    from interplat.services import customers, enterprises, links, tickets

    with session_scope(database_url) as session:
        enterprise = enterprises.find_enterprise_by_slug(session=session, slug=slug)
        customer, _ = customers.find_or_create_customer(
            session=session, enterprise_id=enterprise.id, phone=phone, first_name=first_name
        )
        ticket, _ = tickets.open_ticket(
            session=session, enterprise_id=enterprise.id, customer_id=customer.id, source="ivr"
        )
        link = links.create_short_link(
            session=session,
            enterprise_id=enterprise.id,
            channel=Channel.IVR,
            ticket_id=ticket.id,
            customer_id=customer.id,
        )
        return str(ticket.id), link.code


def bearer_for(database_url: str, email: str) -> dict[str, str]:
    """An Authorization header for a demo user (a login the app itself checks)."""
    from interplat.db import session_scope
    from interplat.services import auth

    with session_scope(database_url) as session:
        login = auth.log_in(session=session, email=email, password=DEMO_PASSWORD, ttl_hours=1)
    return {"Authorization": f"Bearer {login.token}"}


def espeak_wav(
    directory: Path, name: str, text: str, voice: str = "en-us", lead_in: float = 0.0
) -> Path:
    """``text`` spoken by espeak-ng into ``directory/name.wav`` (half a second of quiet
    either side, plus ``lead_in`` seconds before), for a fake microphone or an upload."""
    import numpy as np

    from tests.services.transcription import speech

    said = speech.speak(speech.Clip(name, text, voice, 150))
    pcm = np.concatenate([np.zeros(int(said.rate * lead_in), dtype=np.int16), said.pcm])
    path = directory / f"{name}.wav"
    path.write_bytes(speech.encode(pcm, said.rate, "wav"))
    return path


def answer_hands_free_offer(page, *, enable: bool) -> None:
    """The customer's first microphone tap of a tab offers hands-free mode: answer it."""
    from playwright.sync_api import expect

    expect(page.get_by_test_id("hands-free-offer")).to_be_visible(timeout=10_000)
    page.get_by_test_id("hands-free-enable" if enable else "hands-free-decline").click()
    expect(page.get_by_test_id("hands-free-offer")).to_have_count(0, timeout=10_000)
