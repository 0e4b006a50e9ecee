"""The log allow-list: every line a full journey may write, each shape one compiled regex.

A line is the record rendered with the service's own format (`LOG_FORMAT`) after the redaction
filter: `<asctime> <LEVEL> <logger> <message>`. To allow a new line, add its shape here with a
one-line comment saying what it is; keep variable parts narrow (ids are digits, reasons are
words) so that a number, a code or free text cannot slip through a wide `.*`.
"""

from __future__ import annotations

import re

# `2026-12-01 20:47:46,123 INFO service.x ` before every message.
_HEAD = r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} "

LOG_SHAPES: tuple[re.Pattern[str], ...] = tuple(
    re.compile(_HEAD + shape + r"\Z")
    for shape in (
        # One send attempt and its outcome: row id, then "accepted" or the failure code.
        r"INFO service\.messaging\.delivery SMS \d+: (?:accepted|http_error|read_timeout"
        r"|invalid_number|unreadable_response|no_recipient|no_message_id"
        r"|status_(?:\d{1,4}|None)|network_[A-Za-z]{1,30})",
        # The aggregator answered with a per-recipient status code we do not know.
        r"WARNING service\.messaging\.africastalking\.sms_client unknown Africa's Talking"
        r" status code (?:\d{1,4}|None); treated as final",
        # A delivery report the parser refused: only the name of the bad field.
        r"INFO service\.web\.webhooks malformed delivery report: [a-z_A-Z]{1,20}(?: too long)?",
        # An inbound SMS callback the parser refused: only the name of the bad field.
        r"INFO service\.web\.webhooks malformed inbound SMS callback: [a-z_A-Z]{1,20}"
        r"(?: too long| has control characters)?",
    )
)


def unknown_lines(lines: list[str]) -> list[str]:
    """The lines that match no allowed shape."""
    return [line for line in lines if not any(shape.match(line) for shape in LOG_SHAPES)]
