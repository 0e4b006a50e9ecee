"""Pick the outbound SMS gateway the settings describe."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from config.settings import SMS_AGGREGATOR, Settings
from service.messaging.africastalking.sms_client import AfricasTalkingGateway
from service.messaging.gateway import SmsGateway
from service.messaging.outbox_log import OutboxLogGateway


def make_gateway(settings: Settings, clock: Callable[[], datetime]) -> SmsGateway:
    """Africa's Talking, or the local outbox log (embedded, or HANDSOFF_SMS=log); a production
    worker with neither refuses to start (ConfigError)."""
    username, api_key = settings.at_username, settings.at_api_key
    if settings.sms_gateway() == SMS_AGGREGATOR and username and api_key:
        return AfricasTalkingGateway(
            username,
            api_key,
            sender_id=settings.at_sender_id,
            base_url=settings.at_api_base_url,
            keep_alive=settings.at_keep_alive,
        )
    return OutboxLogGateway(settings.sms_outbox_log, clock)
