"""The coded lists' entries kept in memory, so record pages need no join per coded field.

A person's sex, ethnicity and disability, a contact's type, direction and appointment: each is a foreign key to
a Code row. Joining the code table for each of them made the record pages' queries wide and dear to build.
Codes are few (a few hundred) and change only when the lists are seeded or extended; each process reads them all
in one query and keeps them for CODE_CACHE_SECONDS; it drops them when it saves or deletes a code itself (at once
and again at commit; codes added in bulk, by migrations, send no signal: processes started before them read them
at the next miss or after CODE_CACHE_SECONDS). A code missing from the kept ones (added by another process
meanwhile) makes the next look-up read them again.

The entries handed out are shared between requests: read them, never change them.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable

from django.db import transaction
from django.db.models import Model
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from cases.models import Code

CODE_CACHE_SECONDS = 300

_lock = threading.Lock()
_kept: dict[str, object] = {"at": float("-inf"), "by_pk": {}, "generation": 0}


def _load() -> dict[int, Code]:
    generation = _kept["generation"]
    by_pk = {code.pk: code for code in Code.objects.all()}
    with _lock:
        if _kept["generation"] == generation:  # not forgotten while reading: keep them
            _kept["by_pk"], _kept["at"] = by_pk, time.monotonic()
    return by_pk


def codes_by_pk(*, needing: Iterable[int] = ()) -> dict[int, Code]:
    """Every code by id; read again when kept too long or when one of `needing` is not among them."""
    by_pk: dict[int, Code] = _kept["by_pk"]  # type: ignore[assignment]
    if time.monotonic() - _kept["at"] > CODE_CACHE_SECONDS or any(pk not in by_pk for pk in needing):  # type: ignore[operator]
        by_pk = _load()
    return by_pk


def attach_codes(objects: Iterable[Model], *fields: str) -> None:
    """Set each object's coded `fields` (foreign keys to Code) from the kept codes, as select_related would."""
    objects = list(objects)
    if not objects:
        return
    model_fields = [objects[0]._meta.get_field(name) for name in fields]
    wanted = {getattr(obj, field.attname) for obj in objects for field in model_fields} - {None}
    by_pk = codes_by_pk(needing=wanted)
    for obj in objects:
        for field in model_fields:
            pk = getattr(obj, field.attname)
            field.set_cached_value(obj, by_pk.get(pk) if pk is not None else None)


def with_codes(objects: Iterable[Model], *fields: str) -> list[Model]:
    """`objects` as a list, with their coded `fields` set (attach_codes)."""
    objects = list(objects)
    attach_codes(objects, *fields)
    return objects


# A contact's coded fields.
CONTACT_CODES = ("contact_type", "direction", "appointment", "next_appointment_type")


def forget() -> None:
    with _lock:
        _kept["by_pk"], _kept["at"] = {}, float("-inf")
        _kept["generation"] = int(_kept["generation"]) + 1  # type: ignore[call-overload]


@receiver(post_save, sender=Code)
@receiver(post_delete, sender=Code)
def _code_changed(sender: type[Code], **kwargs: object) -> None:
    # At once, and again once the change is committed: a read between the two would have kept the old rows.
    forget()
    transaction.on_commit(forget)
