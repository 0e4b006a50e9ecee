"""Sealing, keys, pseudonyms, digests, the audit chain: the only package importing `cryptography`.

Callers see only the names below and the seal contexts of `crypto.contexts`; no `cryptography`
type or exception leaves this package, errors arrive as `CryptoError` or one of its subclasses.
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
from crypto.errors import (
    CryptoError,
    ForbiddenKeyFile,
    KeyFileInvalid,
    KeyFileMissing,
    SealBroken,
    UnknownKeyId,
)
from crypto.keys import KeyName, PrivateKey, PublicKey, SecretName
from crypto.keystore import ROLE_FILES, ROLES, KeyStore, Role
from crypto.pseudonyms import Pseudonymiser
from crypto.random_codes import new_token, random_case_digits
from crypto.sealing import ContactOpener, ContactSealer, ReportOpener, ReportSealer
from crypto.secret_hashing import NumberHasher, SecretHasher, stretch_pin
from crypto.state_cipher import StateCipher

__all__ = [
    "AUDIT_ROLES",
    "GENESIS_HASH",
    "ROLES",
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
    "ForbiddenKeyFile",
    "KeyFileInvalid",
    "KeyFileMissing",
    "KeyName",
    "KeyStore",
    "NumberHasher",
    "PrivateKey",
    "Pseudonymiser",
    "PublicKey",
    "ReportOpener",
    "ReportSealer",
    "Role",
    "SealBroken",
    "SecretHasher",
    "SecretName",
    "StateCipher",
    "UnknownKeyId",
    "canonical_event",
    "chain_hash",
    "new_token",
    "random_case_digits",
    "stretch_pin",
    "verify_chain",
]
