"""Times stored with a case are to the hour unless a deadline needs them exact."""

from __future__ import annotations

from datetime import datetime

from tests.support.backends import RunningService
from tests.support.journeys import file_report


def on_the_hour(moment: datetime) -> bool:
    return (moment.minute, moment.second, moment.microsecond) == (0, 0, 0)


def test_a_case_keeps_its_last_change_to_the_hour_and_its_creation_exact(
    service: RunningService,
) -> None:
    file_report(service.phone("+258841117001"), danger=True, pin="1234")
    [case] = service.cases()
    assert on_the_hour(case.updated_at)
    # created_at stays exact: the orphan sweep (2 minutes) and the officers' queue need it.
    assert case.updated_at <= case.created_at
