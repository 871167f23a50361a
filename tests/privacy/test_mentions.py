"""Finding an erased person's details inside other text."""

from __future__ import annotations

import datetime as dt

from privacy.mentions import Mentions, address_terms, name_terms
from privacy.policy import months_before, months_label
from privacy.snapshots import synthetic_birth_date


def test_names_match_as_whole_words_in_any_case():
    mentions = Mentions(name_terms("Sam O'Neil"))
    assert mentions.sub("Told sam's mum; Samuel is someone else. O'NEIL agreed") == (
        "Told [erased]'s mum; Samuel is someone else. [erased] agreed"
    )


def test_phone_numbers_match_however_they_are_spaced():
    mentions = Mentions(["07700 900456"])
    assert mentions.sub("Call 07700900456 or 07700-900-456, not 077009004567") == (
        "Call [erased] or [erased], not 077009004567"
    )


def test_titles_and_single_letters_are_not_terms_and_erased_text_is_left_alone():
    assert name_terms("Mrs J Smith") == ["Mrs J Smith", "Smith"]
    assert not Mentions(["Erased", "[erased]", "x", ""])
    assert address_terms("12 Long Lane, Testtown\nTT1 1TT") == ["12 Long Lane"]


def test_the_result_fits_the_field():
    assert Mentions(["Al"]).sub("Al", max_length=5) == "[eras"


def test_months_and_synthetic_dates_of_birth():
    assert months_before(dt.date(2026, 3, 31), 1) == dt.date(2026, 2, 28)
    assert months_before(dt.date(2026, 11, 30), 72) == dt.date(2020, 11, 30)
    assert months_label(72) == "6 years" and months_label(18) == "18 months" and months_label(12) == "1 year"
    assert synthetic_birth_date(40, dt.date(2024, 2, 29)) == dt.date(1984, 2, 28)
    assert synthetic_birth_date(None, dt.date(2024, 1, 1)) is None
