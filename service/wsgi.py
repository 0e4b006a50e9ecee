"""WSGI entry point for gunicorn: `gunicorn service.wsgi:app`."""

from __future__ import annotations

import os

from config.settings import Settings
from service.app import create_app

app = create_app(Settings.from_env(os.environ))
