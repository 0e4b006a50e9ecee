"""How screens make room in 160 characters: hints, the back line, the 00 main-menu key."""

from __future__ import annotations

import pytest

from flows import Bundle, render_ussd, replay, step


def screen_after(bundle: Bundle, inputs: list[str], lang: str = "pt") -> str:
    result = replay(bundle, inputs, lang)
    return render_ussd(bundle, lang, result.screen)


@pytest.mark.parametrize("lang", ["pt", "en"])
def test_double_zero_is_shown_two_screens_deep_where_it_fits(bundle: Bundle, lang: str) -> None:
    assert "00. Menu" in screen_after(bundle, ["1", "1"], lang)  # danger, two deep
    assert "00. Menu" in screen_after(bundle, ["1", "1", "2", "1", "5"], lang)  # support
    assert "00." not in screen_after(bundle, ["1"], lang)  # one deep: 0 is the main menu
    assert "00." not in screen_after(bundle, [], lang)


def test_double_zero_is_left_out_where_it_would_not_fit(bundle: Bundle) -> None:
    province = screen_after(bundle, ["1", "1", "2", "1"])
    assert "12. Nao sei" in province
    assert "00." not in province and "0. Voltar" not in province


def test_a_menu_leaves_out_its_back_line_only_to_stay_on_one_page(bundle: Bundle) -> None:
    what = screen_after(bundle, ["1"])
    assert "7. Outra coisa" in what and "98." not in what and "0. Voltar" not in what
    assert "0. Voltar" in screen_after(bundle, ["1", "1"])  # danger: room to spare
    # 0 still goes back where the line is not shown.
    assert replay(bundle, ["1", "0"]).state.screen_id == "main"


def test_a_hint_goes_above_the_question_when_there_is_room(bundle: Bundle) -> None:
    text = screen_after(bundle, ["1", "1", "9"])
    assert text.startswith("Nao valido.\nEsta em perigo agora?")


def test_a_hint_takes_the_questions_place_when_both_would_not_fit(bundle: Bundle) -> None:
    text = screen_after(bundle, ["1", "1", "2", "1", "13"])
    assert text.startswith("Nao valido.\n1. Maputo Cidade")
    assert "Provincia?" not in text and "12. Nao sei" in text
    assert len(text) <= 160


def test_every_screen_of_a_path_fits_with_or_without_its_hint(bundle: Bundle) -> None:
    state = replay(bundle, ["1"]).state
    for entry in ["1", "2", "1", "5", "1", "1"]:
        missed = step(bundle, state, "97")
        assert len(render_ussd(bundle, "pt", missed.screen)) <= 160
        state = step(bundle, state, entry).state
