"""The questions of the feedback call, as versions a service can reword (DOMAIN §6).

The default set has no service; a service's own versions are copies with new wording. Keys, kinds,
choice codes, flags and measures never change between versions, so the returns stay comparable.
Records keep the version they were made on.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Q

from accounts.models import Service, User
from agreements.feedback_questions import DEFAULT_QUESTIONS, DEFAULT_TITLE
from agreements.models import FeedbackQuestion, FeedbackQuestionSet
from cases.services.common import now


def _default_set_create() -> FeedbackQuestionSet:
    """Version 1 of the default set, if the seeding migration's row is missing (e.g. a flushed database)."""
    question_set = FeedbackQuestionSet.objects.create(
        service=None, version=1, title=DEFAULT_TITLE, introduced_at=now(), introduced_by=None
    )
    FeedbackQuestion.objects.bulk_create(
        FeedbackQuestion(question_set=question_set, order=order, **question)
        for order, question in enumerate(DEFAULT_QUESTIONS, start=1)
    )
    return question_set


def current_question_set(service: Service | None) -> FeedbackQuestionSet:
    """The service's newest version of the questions, else the newest default version."""
    if service is not None:
        own = FeedbackQuestionSet.objects.filter(service=service).order_by("-version").first()
        if own is not None:
            return own
    default = FeedbackQuestionSet.objects.filter(service__isnull=True).order_by("-version").first()
    if default is None:
        with transaction.atomic():
            default = _default_set_create()
    return default


def question_sets_for(service: Service):
    """Every version a service can see: the default versions and its own, newest first."""
    return (
        FeedbackQuestionSet.objects.filter(Q(service=service) | Q(service__isnull=True))
        .select_related("introduced_by", "service")
        .order_by("-version", "service_id")
    )


def _labels(question: FeedbackQuestion) -> dict[str, str]:
    return {choice["code"]: choice["label"] for choice in question.choices}


def _edited_text(value: Any, field: str, *, required: bool, what: str) -> str:
    text = " ".join(str(value or "").split())
    if required and not text:
        raise ValidationError({field: f"Enter {what}"})
    if len(text) > 300:
        raise ValidationError({field: f"{what.capitalize()} must be 300 characters or fewer"})
    return text


@transaction.atomic
def question_set_new(
    *,
    service: Service,
    actor: User,
    based_on: FeedbackQuestionSet,
    questions: dict[str, dict[str, Any]],
    title: str | None = None,
) -> FeedbackQuestionSet:
    """A new version of the service's questions: a copy of `based_on` with new wording.

    `questions` maps a question key to {"text", "hint", "labels": {choice code: label}}; a question
    or a label left out keeps its wording. Keys, kinds, codes, flags and measures are copied
    unchanged, so the returns stay comparable. Errors are keyed "<key>__text", "<key>__hint" and
    "<key>__<choice code>". Records already made keep the version they were made on.
    """
    if not actor.has_perm("core.configure_service") or actor.service_id != service.pk:
        raise ValidationError("Only an administrator of this service can change its feedback questions.")
    Service.objects.select_for_update().filter(pk=service.pk).first()
    if based_on.service_id not in (None, service.pk):
        raise ValidationError("Start from one of this service's versions or a default version.")
    originals = list(based_on.questions.order_by("order"))
    by_key = {q.key: q for q in originals}
    unknown = set(questions) - set(by_key)
    if unknown:
        raise ValidationError(f"These questions are not in version {based_on.version}: {', '.join(sorted(unknown))}")
    errors: dict[str, str] = {}
    copies: list[FeedbackQuestion] = []
    changed = False
    for original in originals:
        edits = questions.get(original.key, {})
        labels = _labels(original)
        new_labels = dict(edits.get("labels") or {})
        for code in set(new_labels) - set(labels):
            errors[f"{original.key}__{code}"] = "This answer is not in the question being copied"
        try:
            text = _edited_text(
                edits.get("text", original.text), f"{original.key}__text", required=True, what="the question"
            )
            hint = _edited_text(edits.get("hint", original.hint), f"{original.key}__hint", required=False, what="hint")
        except ValidationError as exc:
            errors.update({k: v[0] for k, v in exc.message_dict.items()})
            continue
        choices = []
        for choice in original.choices:
            code = choice["code"]
            try:
                label = _edited_text(
                    new_labels.get(code, choice["label"]), f"{original.key}__{code}", required=True, what="the answer"
                )
            except ValidationError as exc:
                errors.update({k: v[0] for k, v in exc.message_dict.items()})
                label = choice["label"]
            choices.append({**choice, "label": label})
            changed = changed or label != choice["label"]
        changed = changed or text != original.text or hint != original.hint
        copies.append(
            FeedbackQuestion(
                order=original.order,
                key=original.key,
                text=text,
                hint=hint,
                kind=original.kind,
                choices=choices,
                measure=original.measure,
                required=original.required,
            )
        )
    if errors:
        raise ValidationError(errors)
    title = " ".join((title if title is not None else based_on.title).split())[:200] or based_on.title
    if not changed and title == based_on.title:
        raise ValidationError("Nothing has changed. Change the wording of at least one question or answer.")
    latest = FeedbackQuestionSet.objects.filter(Q(service=service) | Q(service__isnull=True)).aggregate(
        v=Max("version")
    )["v"]
    question_set = FeedbackQuestionSet.objects.create(
        service=service, version=(latest or 0) + 1, title=title, introduced_at=now(), introduced_by=actor
    )
    for copy in copies:
        copy.question_set = question_set
    FeedbackQuestion.objects.bulk_create(copies)
    return question_set


__all__ = ["current_question_set", "question_set_new", "question_sets_for"]
