"""A USSD callback is read whether the aggregator posts it url-encoded or as multipart."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.apps import embedded_settings, make_app

FORM = {
    "sessionId": "ATUid_forms",
    "serviceCode": "*123#",
    "phoneNumber": "+258841234567",
    "networkCode": "63902",
    "text": "",
}


@pytest.mark.parametrize("content_type", ["multipart/form-data", "Multipart/Form-Data"])
def test_a_multipart_dial_gets_the_first_screen(tmp_path: Path, content_type: str) -> None:
    app, container = make_app(embedded_settings(tmp_path))
    try:
        client = app.test_client()
        boundary = "xYzZY"
        parts = "".join(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'
            for k, v in FORM.items()
        )
        response = client.post(
            "/ussd",
            data=f"{parts}--{boundary}--\r\n",
            content_type=f"{content_type}; boundary={boundary}",
        )
        assert response.status_code == 200
        assert response.get_data(as_text=True).startswith("CON ")
    finally:
        container.close()
