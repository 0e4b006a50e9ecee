"""A stored report's size does not say whether the reporter wrote a description."""

from __future__ import annotations

from tests.support.backends import RunningService
from tests.support.journeys import file_report


def test_reports_with_and_without_the_longest_description_are_sealed_to_one_size(
    service: RunningService,
) -> None:
    file_report(service.phone("+258841119201"), description=None, contact="none")
    file_report(service.phone("+258841119202"), description="a" * 140, contact="none")
    file_report(service.phone("+258841119203"), description="b", contact="none")
    cases = service.cases()
    assert len(cases) == 3
    assert len({len(case.content_sealed) for case in cases}) == 1
