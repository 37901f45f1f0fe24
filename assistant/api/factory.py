"""The app factory uvicorn calls in each worker process (`serve --workers N`)."""

from __future__ import annotations

from assistant.api import create_app
from assistant.api.security import BodyLimit
from assistant.oplog import configure_logging
from assistant.settings import load_settings


def app() -> BodyLimit:
    settings = load_settings()
    configure_logging(settings)
    return create_app(settings)
