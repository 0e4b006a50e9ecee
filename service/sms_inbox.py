"""Inbound SMS and delivery reports, after the adapter has validated them."""

from __future__ import annotations

import logging

from service.adapters.africastalking import DeliveryReport, InboundSms
from service.counters import Counters

log = logging.getLogger(__name__)


class SmsInbox:
    """Receive SMS callbacks. The case workflow (officer commands, STOP, STATUS) builds on this."""

    def __init__(self, counters: Counters) -> None:
        self._counters = counters

    def receive(self, message: InboundSms) -> None:
        self._counters.bump("sms.inbound")

    def delivery_report(self, report: DeliveryReport) -> None:
        self._counters.bump(f"sms.delivery.{report.status}")
