"""The floor: the least a USSD hop can cost here (Flask, form parsing, one Redis GET and SET).

Served by the same server configuration as the service, so that the ratio service/floor measures
what the service adds on top of the web stack and one Redis round trip each way.
"""

from __future__ import annotations

import os

import redis
from flask import Flask, Response, request

app = Flask(__name__)
_redis = redis.Redis.from_url(os.environ["REDIS_URL"], socket_timeout=2.0)


@app.post("/ussd")
def ussd() -> Response:
    key = "floor:" + request.form.get("sessionId", "")
    _redis.get(key)
    _redis.set(key, request.form.get("text", ""), ex=60)
    return Response("CON hello", mimetype="text/plain")


@app.get("/healthz")
def healthz() -> Response:
    return Response("ok\n", mimetype="text/plain")
