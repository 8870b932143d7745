"""The Reflex app: pages, the REST API in front of them, migrations and live updates."""

from __future__ import annotations

import reflex as rx

from . import pages, realtime, scheduler
from .api import create_api
from .config import get_settings
from .db import upgrade_to_head
from .services.transcription.worker import lifespan as transcription_lifespan

# Refuse to start with missing or placeholder secrets in production, naming the variable.
get_settings().check_deployable()

app = rx.App(
    api_transformer=[create_api()],
    stylesheets=["/interplat.css"],
)
pages.register(app)
app.register_lifespan_task(upgrade_to_head)
app.register_lifespan_task(realtime.lifespan)
app.register_lifespan_task(scheduler.lifespan)
app.register_lifespan_task(transcription_lifespan)
