"""Scan everything the service writes for values that must never appear in clear."""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterable
from pathlib import Path

import redis
from sqlalchemy import Engine, MetaData, select


def variants_of_number(e164: str) -> list[str]:
    """The ways a number could leak: with +, without, national part."""
    digits = e164.lstrip("+")
    return [e164, digits, digits[3:]]


def database_values(engine: Engine) -> list[bytes]:
    """Every value of every row of every table, as bytes."""
    metadata = MetaData()
    metadata.reflect(engine)
    found: list[bytes] = []
    with engine.connect() as connection:
        for table in metadata.sorted_tables:
            for row in connection.execute(select(table)):
                found.extend(_as_bytes(value) for value in row if value is not None)
    return found


def sqlite_file_bytes(home: Path) -> list[bytes]:
    """The SQLite files themselves, WAL included: deleted rows can linger in pages."""
    return [path.read_bytes() for path in home.glob("*.db*")]


def redis_values(client: redis.Redis) -> list[bytes]:
    """Every key and value in the database, with rq's zlib-compressed job data opened."""
    found: list[bytes] = []
    for key in client.scan_iter(count=500):
        found.append(key)
        kind = client.type(key)
        if kind == b"string":
            found.append(client.get(key) or b"")
        elif kind == b"hash":
            for field, value in client.hgetall(key).items():
                found.extend([field, value, _maybe_unzip(value)])
        elif kind == b"list":
            found.extend(client.lrange(key, 0, -1))
        elif kind == b"set":
            found.extend(client.smembers(key))
        elif kind == b"zset":
            found.extend(member for member, _ in client.zrange(key, 0, -1, withscores=True))
    return found


def leaks(haystacks: Iterable[bytes], needles: Iterable[str]) -> list[str]:
    """Return the needles found in any haystack."""
    blobs = list(haystacks)
    return [needle for needle in needles if any(needle.encode() in blob for blob in blobs)]


def _as_bytes(value: object) -> bytes:
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value)
    return str(value).encode()


def _maybe_unzip(value: bytes) -> bytes:
    try:
        return zlib.decompress(value)
    except zlib.error:
        return b""


def pin_leaks(
    haystacks: Iterable[bytes], pins: Iterable[str], max_length: int | None = 200
) -> list[str]:
    """PINs found standing alone in short text values.

    Four digits turn up by chance inside hex digests, epoch timestamps and binary data, so a PIN
    counts only where no other hex digit touches it (a JSON value, a key part, a log word).
    """
    values = [
        value
        for value in haystacks
        if value.isascii() and (max_length is None or len(value) < max_length)
    ]
    found = []
    for pin in pins:
        alone = re.compile(rb"(?<![0-9a-fA-F])" + pin.encode() + rb"(?![0-9a-fA-F])")
        if any(alone.search(value) for value in values):
            found.append(pin)
    return found
