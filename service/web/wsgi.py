"""WSGI entry point for gunicorn: `gunicorn service.web.wsgi:app`."""

from __future__ import annotations

import os

from config.settings import Settings
from service.web.app import create_app

app = create_app(Settings.from_env(os.environ))
