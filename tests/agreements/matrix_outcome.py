"""Rows and objects the authorisation matrix needs for the outcome agreement pages (reason=True: a facilitator
covering the case may read the page with a break-glass reason)."""

from __future__ import annotations

from tests.agreements.support import agreed_agreement, draft_agreement

WORKERS = {"facilitator", "manager"}


def outcome_rows(row) -> dict:
    """`row` is the matrix's Row class."""
    return {
        "agreements:agreement_from_conference": row(WORKERS, "conference", "post", ok=(302,)),
        "agreements:agreement_from_indirect": row(WORKERS, "indirect", "post", ok=(302,)),
        "agreements:agreement_detail": row(WORKERS, "agreed_agreement", reason=True),
        "agreements:item_add": row(WORKERS, "draft_agreement"),
        "agreements:agreement_updates": row(WORKERS, "agreed_agreement"),
        "agreements:agreement_signatures": row(WORKERS, "draft_agreement"),
        "agreements:agreement_pdf[victim]": row(WORKERS, "agreed_agreement", kwargs={"version": "victim"}, reason=True),
        "agreements:agreement_pdf[offender]": row(
            WORKERS, "agreed_agreement", kwargs={"version": "offender"}, reason=True
        ),
        "agreements:copy_add": row(WORKERS, "agreed_agreement"),
        "agreements:victim_update_add": row(WORKERS, "agreed_agreement"),
        "agreements:item_edit": row(WORKERS, "draft_item"),
        "agreements:item_remove": row(WORKERS, "draft_item", "post", ok=(302,), destructive=True),
        "agreements:item_outcome": row(WORKERS, "agreed_item"),
        # An item without an outcome cannot be signed off: the page explains (422) to those who may work the case
        "agreements:item_sign_off": row(WORKERS, "agreed_item", "post", ok=(422,)),
        "agreements:overdue_items": row({"manager", "other_manager"}),
    }


def outcome_world(case, facilitator) -> dict:
    draft = draft_agreement(case, facilitator)
    agreed = agreed_agreement(case, facilitator)
    return {
        "draft_agreement": draft,
        "draft_item": draft.items.order_by("number").first(),
        "agreed_agreement": agreed,
        "agreed_item": agreed.items.order_by("number").first(),
    }
