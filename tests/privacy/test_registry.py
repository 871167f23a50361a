"""privacy.registry must know every table that belongs to a case and say, for each text field, whether it can
identify someone. A new model or field fails here until it is classified, so erasure cannot miss it."""

from __future__ import annotations

from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db import models

from cases.models import Case, Offender, Victim
from privacy.registry import KEEP, NOT_PERSONAL, PERSON_FIELDS, RECORDS, text_fields


def _project_models() -> list[type[models.Model]]:
    base = Path(settings.BASE_DIR)
    found = []
    for config in apps.get_app_configs():
        if not Path(config.path).is_relative_to(base) or ".venv" in Path(config.path).parts:
            continue
        found += [m for m in config.get_models() if not m.__name__.startswith("Historical")]
    return found


def _case_models() -> set[type[models.Model]]:
    """Every project model whose rows belong to a case, a person, or a row that does (by foreign keys)."""
    linked: set[type[models.Model]] = {Case, Victim, Offender}
    candidates = _project_models()
    changed = True
    while changed:
        changed = False
        for model in candidates:
            if model in linked:
                continue
            targets = {f.related_model for f in model._meta.concrete_fields if f.is_relation}
            if targets & linked:
                linked.add(model)
                changed = True
    return linked - {Victim, Offender}


def test_every_table_of_a_case_is_in_the_registry():
    registered = {record.label for record in RECORDS} | set(NOT_PERSONAL)
    missing = {m._meta.label for m in _case_models()} - registered
    assert not missing, f"add these models to privacy.registry.RECORDS (or NOT_PERSONAL): {sorted(missing)}"


def test_every_text_field_of_a_registered_table_is_personal_or_kept():
    problems = []
    for record in RECORDS:
        model = record.model
        if model is None:
            continue
        declared = set(record.personal) | set(record.kept)
        if set(record.personal) & set(record.kept):
            problems.append(f"{record.label}: both personal and kept: {set(record.personal) & set(record.kept)}")
        if unknown := text_fields(model) - declared:
            problems.append(f"{record.label}: classify {sorted(unknown)}")
        if extra := declared - text_fields(model):
            problems.append(f"{record.label}: no such text fields {sorted(extra)}")
    assert not problems, "\n".join(problems)


def test_every_field_of_the_people_has_a_neutral_value_or_is_kept():
    for side, model in (("victim", Victim), ("offender", Offender)):
        spec = PERSON_FIELDS[side]
        names = {f.name for f in model._meta.concrete_fields}
        assert set(spec) <= names, f"{side}: no such fields {set(spec) - names}"
        unclassified = text_fields(model) - set(spec)
        assert not unclassified, f"{side}: give these fields a neutral value or KEEP: {sorted(unclassified)}"
        assert spec["pathway_status"] == KEEP


def test_no_model_keeps_files_that_erasure_would_not_reach():
    with_files = [
        f"{m._meta.label}.{f.name}"
        for m in _project_models()
        for f in m._meta.concrete_fields
        if isinstance(f, models.FileField)
    ]
    assert not with_files, f"erasure does not handle stored files yet: {with_files}"
