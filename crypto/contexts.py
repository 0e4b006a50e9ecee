"""Seal contexts: what each sealed blob is bound to, named once so that no two purposes share one.

A blob opens only under the context it was sealed with, so a case code sealed for the worker
cannot be passed off as an officer's number, nor one case's blob as another's. Changing a value
here makes every stored blob of that kind unopenable: these strings are part of the data.
"""

from __future__ import annotations

# Prefixes before a row's random ref (a case's, an officer's, an SMS row's).
CASE_CODE_FOR_WEB = "case-code:"  # cases.code_sealed, the web's session key (repeat a screen)
CASE_CODE_FOR_WORKER = "code:"  # cases.code_for_worker, the contact key (officer alerts)
# cases.pin_sealed, the contact key: a PIN's keyed MAC, which the worker stretches into pin_digest.
CASE_PIN_FOR_WORKER = "pin:"
OFFICER_NUMBER = "officer:"  # officers.phone_sealed, the contact key
INBOX_ITEM = "inbox:"  # structuring_queue: free-text SMS, sender and content
CASE_NOTE = "note:"  # case_notes.content_sealed, the report key (officers' NOTA)
SMS_RECIPIENT = "sms-to:"  # outbound_sms.recipient_sealed
SMS_BODY = "sms-body:"  # outbound_sms.body_sealed
INBOUND_SMS = "sms-in:"  # inbound_sms.message_sealed: sender and text, for the worker
# The one context without a prefix: cases.contact_sealed is bound to the bare case ref.
REPORTER_CONTACT = ""
# A USSD session id is digested (code key) under this prefix, so it never equals a code digest.
USSD_SESSION = "ussd-session:"
# Session state in Redis (the session key), bound to the session digest; a resume copy, bound to
# the caller's daily pseudonym.
USSD_STATE = "ussd-s:"
USSD_RESUME = "ussd-r:"
# The caller's first urgent case of the last hours (repeats join it), bound to the daily pseudonym.
USSD_URGENT = "ussd-u:"


def context(prefix: str, ref: str) -> str:
    """Return the context of the blob of kind `prefix` belonging to the row with `ref`."""
    return prefix + ref


def context_bytes(prefix: str, ref: str) -> bytes:
    """Return `context(prefix, ref)` as bytes, for the symmetric state cipher's associated data."""
    return context(prefix, ref).encode("utf-8")
