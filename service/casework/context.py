"""The port the case rules run on: what a job needs, declared here and built by the bootstrap."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from service.messaging.delivery import DeliveryContext

if TYPE_CHECKING:
    from crypto import ContactSealer, NumberHasher
    from service.casework.assignment import AckDeadlines
    from service.casework.inbound_commands import InboundCommands
    from service.casework.texts import SmsTexts
    from service.messaging.outbound import OutboundWriter
    from service.queueing.job_queue import JobQueue
    from service.queueing.outbox import Dispatcher


class CaseworkContext(DeliveryContext, Protocol):
    """SQL, the worker's keys, the queue for follow-ups, a clock, texts and the SMS path."""

    @property
    def queue(self) -> JobQueue: ...
    @property
    def texts(self) -> SmsTexts: ...
    @property
    def deadlines(self) -> AckDeadlines: ...
    @property
    def outbound(self) -> OutboundWriter: ...
    @property
    def outbox(self) -> Dispatcher: ...
    @property
    def numbers(self) -> NumberHasher: ...
    @property
    def inbound(self) -> InboundCommands: ...
    @property
    def sealer(self) -> ContactSealer: ...
