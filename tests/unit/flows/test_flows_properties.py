"""Property tests: no input sequence breaks the engine or a screen's size, and replay agrees."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from flows import Bundle, State, load_bundle, render_ussd, replay, start, step

BUNDLE: Bundle = load_bundle()
USEFUL = st.sampled_from(["0", "00", "1", "2", "3", "4", "5", "9", "11", "98", "99", "1234"])
ANY_TEXT = st.text(max_size=200)
INPUTS = st.lists(st.one_of(USEFUL, USEFUL, USEFUL, ANY_TEXT), max_size=30)


@settings(max_examples=300, deadline=None)
@given(lang=st.sampled_from(["pt", "en", "xx"]), inputs=INPUTS)
def test_random_inputs_never_raise_and_every_screen_is_ascii_within_160(
    lang: str, inputs: list[str]
) -> None:
    result = start(BUNDLE, lang)
    for entry in inputs:
        result = step(BUNDLE, result.state, entry)
        text = render_ussd(BUNDLE, result.state.lang, result.screen.with_params(code="1" * 9))
        assert text.isascii()
        assert 0 < len(text) <= 160
        assert result.state.misses <= 3


@settings(max_examples=200, deadline=None)
@given(inputs=INPUTS)
def test_replay_gives_the_same_screen_state_and_last_effects_as_stepping(
    inputs: list[str],
) -> None:
    result = start(BUNDLE, "pt")
    for entry in inputs:
        result = step(BUNDLE, result.state, entry)
    assert replay(BUNDLE, inputs) == result


@settings(max_examples=200, deadline=None)
@given(inputs=INPUTS)
def test_state_survives_a_json_round_trip_unchanged(inputs: list[str]) -> None:
    state = replay(BUNDLE, inputs).state
    assert State.from_dict(json.loads(json.dumps(state.to_dict()))) == state


@settings(max_examples=100, deadline=None)
@given(
    data=st.dictionaries(
        st.sampled_from(["v", "lang", "stack", "answers", "misses", "page", "ended", "resuming"]),
        st.one_of(st.none(), st.integers(), st.text(max_size=5), st.lists(st.text(max_size=5))),
    )
)
def test_malformed_saved_state_is_refused_with_a_flow_error_only(data: dict[str, object]) -> None:
    from flows import FlowError

    try:
        state = State.from_dict(data)
    except FlowError:
        return
    step(BUNDLE, state, "1")
