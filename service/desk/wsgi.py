"""WSGI entry point of the desk for gunicorn: `gunicorn service.desk.wsgi:app`."""

from __future__ import annotations

import os

from config.settings import Settings
from service.desk.app import create_desk_app

# The desk answers no aggregator callback: it is not given the webhook token.
app = create_desk_app(Settings.from_env(os.environ, serves_callbacks=False))
