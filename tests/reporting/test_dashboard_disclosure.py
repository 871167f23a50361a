"""Suppression across services: a group of services never shows what one service hides."""

from __future__ import annotations

from reporting.disclosure import suppress_grid, suppress_median, suppress_rate
from reporting.suppression import SUPPRESSED, suppress_line


def _texts(cells):
    return [cell.text for cell in cells]


def test_a_cell_hidden_for_one_service_is_hidden_for_the_group():
    # service 1 hides its 3 and, beside it, its police count; service 2 shows its 10
    grids = {1: [[10, 10, 3]], 2: [[10, 0, 0]]}
    alone = suppress_grid({1: grids[1]}, rows=1, columns=3)
    assert _texts(alone.cells[0]) == [SUPPRESSED, "10", SUPPRESSED]
    both = suppress_grid(grids, rows=1, columns=3)
    assert _texts(both.cells[0]) == [SUPPRESSED, "10", SUPPRESSED]
    assert both.row_totals[0].text == "33"


def test_a_total_hidden_for_one_service_is_hidden_for_the_group():
    both = suppress_grid({1: [[2, 1]], 2: [[10, 10]]}, rows=1, columns=2)
    assert both.row_totals[0].text == SUPPRESSED
    assert _texts(both.cells[0]) == [SUPPRESSED, SUPPRESSED]


def test_one_service_alone_is_suppressed_as_usual():
    one = suppress_grid({1: [[20, 3, 9]]}, rows=1, columns=3)
    assert _texts(one.cells[0]) == _texts(suppress_line([20, 3, 9]))


def test_columns_and_rows_are_both_protected():
    shown = suppress_grid({1: [[10, 3], [12, 15]]}, rows=2, columns=2, row_totals=True, column_totals=True)
    hidden = {(r, c) for r, row in enumerate(shown.cells) for c, cell in enumerate(row) if cell.suppressed}
    assert hidden == {(0, 0), (0, 1), (1, 0), (1, 1)}
    assert [cell.text for cell in shown.row_totals] == ["13", "27"]
    assert [cell.text for cell in shown.column_totals] == ["22", "18"]


def test_hidden_cells_never_add_up_to_a_small_group_beside_a_shown_total():
    # 2 and 1 would add up to 3, to be taken from the total: a third cell is hidden too
    assert _texts(suppress_line([2, 1, 30, 40])) == [SUPPRESSED, SUPPRESSED, SUPPRESSED, "40"]


def test_a_line_whose_total_is_small_hides_nothing_more():
    assert _texts(suppress_line([3, 0, 0])) == [SUPPRESSED, "0", "0"]


def test_rates_and_medians_follow_the_services():
    assert suppress_rate({1: (45, 50), 2: (5, 10)}).rate.text == "83%"
    # service 2's own rate would reveal 3 people: so does the group's
    assert suppress_rate({1: (45, 50), 2: (7, 10)}).rate.text == SUPPRESSED
    assert suppress_rate({1: (0, 0)}).rate.text == "nothing to count"
    assert suppress_median({1: 20, 2: 3}, 12.0, 23).median.text == SUPPRESSED
    assert suppress_median({1: 20, 2: 0}, 12.0, 20).median.text == "12 days"
