"""Sealing, keys, pseudonyms, digests, the audit chain: the only package importing `cryptography`.

Callers see only the names below; no `cryptography` type or exception leaves this package, errors
arrive as `CryptoError` or one of its subclasses.
"""

from crypto.audit import (
    AUDIT_ROLES,
    GENESIS_HASH,
    Anchor,
    AuditKey,
    AuditRole,
    AuditSigner,
    AuditVerifier,
    ChainBreak,
    ChainEntry,
    ChainHead,
    canonical_event,
    chain_hash,
    verify_chain,
)
from crypto.errors import CryptoError, KeyFileInvalid, KeyFileMissing, SealBroken, UnknownKeyId
from crypto.keys import KeyName, PrivateKey, PublicKey, Secrets
from crypto.keystore import ROLE_FILES, KeyStore, Role
from crypto.pseudonyms import Pseudonymiser
from crypto.random_codes import new_token, random_case_digits
from crypto.sealing import ContactOpener, ContactSealer, ReportOpener, ReportSealer
from crypto.secret_hashing import SecretHasher
from crypto.state_cipher import StateCipher

__all__ = [
    "AUDIT_ROLES",
    "GENESIS_HASH",
    "ROLE_FILES",
    "Anchor",
    "AuditKey",
    "AuditRole",
    "AuditSigner",
    "AuditVerifier",
    "ChainBreak",
    "ChainEntry",
    "ChainHead",
    "ContactOpener",
    "ContactSealer",
    "CryptoError",
    "KeyFileInvalid",
    "KeyFileMissing",
    "KeyName",
    "KeyStore",
    "PrivateKey",
    "Pseudonymiser",
    "PublicKey",
    "ReportOpener",
    "ReportSealer",
    "Role",
    "SealBroken",
    "SecretHasher",
    "Secrets",
    "StateCipher",
    "UnknownKeyId",
    "canonical_event",
    "chain_hash",
    "new_token",
    "random_case_digits",
    "verify_chain",
]
