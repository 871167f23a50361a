"""Emails about risk assessments. They carry the case reference, what happened and a link: no personal data."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse

MESSAGES = {
    "submitted": (
        "Risk assessment waiting for approval: {reference}",
        "A risk assessment on case {reference} is waiting for your approval.",
    ),
    "returned": (
        "Risk assessment returned: {reference}",
        "A risk assessment on case {reference} was returned with comments. Change it and submit it again.",
    ),
    "approved": (
        "Risk assessment approved: {reference}",
        "A risk assessment on case {reference} was approved.",
    ),
}


@shared_task(name="risk.tasks.send_assessment_email")
def send_assessment_email(assessment_id: int, what: str, recipient_ids: list[int]) -> int:
    """Email the recipients about one step of an assessment. Returns how many emails were sent."""
    from accounts.models import User
    from risk.models import RiskAssessment

    assessment = RiskAssessment.objects.select_related("case").filter(pk=assessment_id).first()
    if assessment is None or what not in MESSAGES:
        return 0
    reference = assessment.case.reference
    subject, line = (text.format(reference=reference) for text in MESSAGES[what])
    link = settings.SITE_URL.rstrip("/") + reverse("risk:assessment_detail", args=[assessment.pk])
    body = f"{line}\n\nOpen it in rjcase (you will need to sign in):\n{link}\n"
    sent = 0
    for user in User.objects.filter(pk__in=recipient_ids, is_active=True).exclude(email=""):
        sent += send_mail(subject, body, None, [user.email])
    return sent
