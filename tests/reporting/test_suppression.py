from __future__ import annotations

import pytest

from reporting.suppression import SUPPRESSED, count_cell, median_cell, rate_cell, suppress_line, suppress_table


def _texts(cells):
    return [c.text for c in cells]


@pytest.mark.parametrize(("value", "text"), [(0, "0"), (1, SUPPRESSED), (4, SUPPRESSED), (5, "5"), (1234, "1,234")])
def test_counts_from_1_to_4_are_hidden(value, text):
    assert count_cell(value).text == text


def test_a_single_hidden_cell_beside_a_total_takes_another_with_it():
    # 3 could be worked out as total - 20 - 9: the smallest other cell (9) is hidden too
    assert _texts(suppress_line([20, 3, 9])) == ["20", SUPPRESSED, SUPPRESSED]
    # zeros are kept when a non-zero cell can be hidden instead
    assert _texts(suppress_line([0, 3, 12, 7])) == ["0", SUPPRESSED, "12", SUPPRESSED]
    # two hidden cells already protect each other
    assert _texts(suppress_line([2, 3, 40])) == [SUPPRESSED, SUPPRESSED, "40"]
    # nothing small: nothing hidden
    assert _texts(suppress_line([5, 6, 7])) == ["5", "6", "7"]
    # without a total shown, primary suppression only
    assert _texts(suppress_line([20, 3, 9], total_shown=False)) == ["20", SUPPRESSED, "9"]


def test_tables_are_protected_along_rows_and_columns():
    table = [[10, 2, 30], [12, 15, 40], [9, 8, 7]]
    cells = suppress_table(table)
    hidden = {(r, c) for r, row in enumerate(cells) for c, cell in enumerate(row) if cell.suppressed}
    assert (0, 1) in hidden
    for r in range(3):
        assert len([c for c in range(3) if (r, c) in hidden]) != 1
    for c in range(3):
        assert len([r for r in range(3) if (r, c) in hidden]) != 1


@pytest.mark.parametrize(
    ("numerator", "denominator", "text"),
    [
        (85, 100, "85%"),
        (17, 20, SUPPRESSED),
        (0, 20, "0%"),
        (3, 20, SUPPRESSED),
        (18, 20, SUPPRESSED),
        (4, 4, SUPPRESSED),
        (20, 20, "100%"),
    ],
)
def test_rates(numerator, denominator, text):
    assert rate_cell(numerator, denominator).text == text


def test_medians_need_five_people():
    assert median_cell(12.0, 5).text == "12 days"
    assert median_cell(12.5, 9).text == "12.5 days"
    assert median_cell(3.0, 4).text == SUPPRESSED
    assert median_cell(None, 0).text == SUPPRESSED
