"""Pick the outbound SMS gateway the settings describe."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from config.settings import Settings
from service.messaging.africastalking.sms_client import AfricasTalkingGateway
from service.messaging.gateway import SmsGateway
from service.messaging.outbox_log import OutboxLogGateway


def make_gateway(settings: Settings, clock: Callable[[], datetime]) -> SmsGateway:
    """Africa's Talking when credentials are set, else the local outbox log file."""
    username, api_key = settings.at_username, settings.at_api_key
    if username and api_key:  # what Settings.sms_configured says, with the types narrowed
        return AfricasTalkingGateway(
            username,
            api_key,
            sender_id=settings.at_sender_id,
            base_url=settings.at_api_base_url,
        )
    return OutboxLogGateway(settings.sms_outbox_log, clock)
