"""WSGI entry point of the desk process for gunicorn: `gunicorn service.web.desk_wsgi:app`.

It lives beside the web's entry point because only service/web, service/cli and
service/bootstrap may reach the composition roots (tests/unit/test_layout.py).
"""

from __future__ import annotations

import os

from config.settings import Settings
from service.bootstrap.desk import build_desk
from service.desk.app import create_desk_app

# The desk answers no aggregator callback: it is not given the webhook token.
_settings = Settings.from_env(os.environ, serves_callbacks=False)
app = create_desk_app(_settings, build_desk(_settings))
