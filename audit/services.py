from __future__ import annotations

from collections.abc import Iterable

from django.http import HttpRequest
from django.utils import timezone

from audit.models import Operation, PersonKind, ProcessingLogEntry


def log_processing(
    *,
    user,
    operation: str,
    person_kind: str,
    person_ids: Iterable[int],
    case_id: int | None,
    object_type: str,
    object_id: int | None = None,
    reason: str = "",
    recipient: str = "",
    break_glass: bool = False,
    request: HttpRequest | None = None,
) -> None:
    """Write one processing-log row per person the operation touched."""
    now = timezone.now()
    path = request.get_full_path()[:300] if request is not None else ""
    ProcessingLogEntry.objects.bulk_create(
        ProcessingLogEntry(
            at=now,
            user=user if getattr(user, "is_authenticated", False) else None,
            operation=operation,
            person_kind=person_kind,
            person_id=person_id,
            case_id=case_id,
            object_type=object_type,
            object_id=object_id,
            reason=reason,
            recipient=recipient,
            break_glass=break_glass,
            path=path,
        )
        for person_id in person_ids
    )


__all__ = ["Operation", "PersonKind", "log_processing"]
