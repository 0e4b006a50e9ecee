"""The prebuilt INSERT of a new case binds every column: its defaults must be plain values."""

from __future__ import annotations

from sqlalchemy import ColumnDefault

from service.intake.reports import _CASE_DEFAULTS, _STATEMENTS
from service.storage.models import Case


def test_every_case_default_is_a_plain_value_the_prebuilt_insert_can_bind() -> None:
    for column in Case.__table__.columns:
        default = column.default
        if default is not None:
            assert isinstance(default, ColumnDefault) and default.is_scalar, column.key


def test_the_prebuilt_insert_binds_every_column_but_the_id() -> None:
    columns = {column.key for column in Case.__table__.columns} - {"id"}
    assert set(_CASE_DEFAULTS) == columns
    assert set(_STATEMENTS.case.compile().params) == columns
    assert _CASE_DEFAULTS["status"] == "received" and _CASE_DEFAULTS["sms_opt_out"] is False
