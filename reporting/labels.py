"""The coded lists the dashboard labels its rows with: referral sources, outcomes, needs, ethnic groups..."""

from __future__ import annotations

from typing import Any

from cases.models import Code, CodeList
from reporting.tables import Keys

NOT_RECORDED = "not_recorded"

CODE_LISTS = (
    CodeList.REFERRAL_SOURCE,
    CodeList.CJ_STAGE,
    CodeList.OUTCOME,
    CodeList.NOT_PROCEEDING,
    CodeList.NEED,
    CodeList.ETHNICITY,
    CodeList.SEX,
    CodeList.DISABILITY,
)


class Codes:
    """The coded lists the dashboard labels its rows with (one query)."""

    def __init__(self) -> None:
        self.by_list: dict[str, list[Code]] = {name: [] for name in CODE_LISTS}
        for code in Code.objects.filter(list_name__in=CODE_LISTS).order_by("list_name", "sort_order", "label"):
            self.by_list[code.list_name].append(code)

    def rows(self, list_name: str, used: set[Any] = frozenset(), *, not_recorded: bool = False) -> Keys:
        """Active entries, and inactive ones that have figures, as (id, label)."""
        keys: list[tuple[Any, str]] = [
            (code.pk, code.label) for code in self.by_list[list_name] if code.active or code.pk in used
        ]
        if not_recorded:
            keys.append((None, "Not recorded"))
        return keys

    def ethnic_groups(self) -> Keys:
        """The census groups, then entries outside any group ("prefer not to say", "not known")."""
        groups = list(dict.fromkeys(code.group for code in self.by_list[CodeList.ETHNICITY] if code.group))
        loose = [(code.code, code.label) for code in self.by_list[CodeList.ETHNICITY] if not code.group]
        return [*((group, group) for group in groups), *loose, (NOT_RECORDED, "Not recorded")]

    def by_code(self, list_name: str) -> Keys:
        return [(code.code, code.label) for code in self.by_list[list_name]] + [(NOT_RECORDED, "Not recorded")]
