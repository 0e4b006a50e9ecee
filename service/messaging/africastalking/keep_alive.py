"""The SDK's SMS service posting through one `requests.Session`: connections reused across sends.

The SDK calls `requests.post` per request, which opens (and TLS-handshakes) a new connection
every time and closes it after. Here the same request goes through a pooled, keep-alive session
owned by our gateway; the SDK's module globals are left alone.
"""

from __future__ import annotations

from typing import Any

import requests
from africastalking.Service import AfricasTalkingException
from africastalking.SMS import SMSService


class KeepAliveSMSService(SMSService):  # type: ignore[misc]  # the SDK has no type hints
    """`SMSService` whose synchronous requests share one connection pool."""

    def __init__(self, username: str, api_key: str) -> None:
        super().__init__(username, api_key)
        # One worker sends one SMS at a time: a single pooled connection per host is enough.
        self._session = requests.Session()
        adapter = requests.adapters.HTTPAdapter(pool_connections=1, pool_maxsize=2)
        self._session.mount("https://", adapter)
        self._session.mount("http://", adapter)

    def _make_request(
        self,
        url: str,
        method: str,
        headers: dict[str, str],
        data: Any,
        params: Any,
        callback: Any = None,
        timeout: Any = None,
    ) -> Any:
        if callback is not None:  # The SDK's threaded callback mode: not used by us, kept as is.
            return super()._make_request(url, method, headers, data, params, callback, timeout)
        response = self._session.request(
            method.upper(), url, headers=headers, data=data, params=params, timeout=timeout
        )
        # The same reading of the response as the SDK's own `_make_request`.
        if 200 <= response.status_code < 300:
            if response.headers.get("content-type") == "application/json":
                return response.json()
            return response.text
        raise AfricasTalkingException(response.text)

    def close(self) -> None:
        self._session.close()
