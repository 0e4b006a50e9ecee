"""The callback token is read from the query string as `request.args` would read it."""

from __future__ import annotations

import pytest

from service.web.webhooks import _query_token


@pytest.mark.parametrize(
    ("query", "token"),
    [
        ("token=abc", "abc"),
        ("a=1&token=abc&b=2", "abc"),
        ("token=first&token=second", "first"),  # the first, as MultiDict.get gives it
        ("token=", ""),
        ("", ""),
        ("tokens=abc&xtoken=abc", ""),
        ("token=a%2Bb+c", "a+b c"),
        ("token=%ff%fe", "\ufffd\ufffd"),  # undecodable bytes never raise
        ("token=a=b", "a=b"),
        ("&&=&token", ""),
    ],
)
def test_the_token_is_the_first_token_parameter(query: str, token: str) -> None:
    assert _query_token(query) == token


def test_a_token_matches_what_request_args_reads() -> None:
    from werkzeug.wrappers import Request

    for query in ("token=abc&token=d", "x=1&token=%41%42", "token=+", "token", "token=%C3%A9"):
        request = Request.from_values(query_string=query)
        assert _query_token(request.environ["QUERY_STRING"]) == request.args.get("token", "")
