from __future__ import annotations

from django import template
from django.utils.html import format_html

from cases.models import PathwayStatus, Stage

register = template.Library()

_STAGE_COLOURS = {
    Stage.REFERRAL: "govuk-tag--light-blue",
    Stage.ELIGIBILITY: "govuk-tag--blue",
    Stage.ALLOCATED: "govuk-tag--turquoise",
    Stage.ASSESSMENT: "govuk-tag--purple",
    Stage.PREPARATION: "govuk-tag--pink",
    Stage.ACTIVITY: "govuk-tag--orange",
    Stage.FOLLOW_UP: "govuk-tag--yellow",
    Stage.CLOSED: "govuk-tag--green",
    Stage.WITHDRAWN: "govuk-tag--grey",
    Stage.NOT_PROCEEDING: "govuk-tag--grey",
}

_PATHWAY_COLOURS = {
    PathwayStatus.NOT_STARTED: "govuk-tag--grey",
    PathwayStatus.SUITABLE: "govuk-tag--green",
    PathwayStatus.READY: "govuk-tag--green",
    PathwayStatus.COMPLETED: "govuk-tag--green",
    PathwayStatus.UNSUITABLE: "govuk-tag--red",
    PathwayStatus.DECLINED: "govuk-tag--red",
    PathwayStatus.WITHDRAWN: "govuk-tag--red",
    PathwayStatus.PAUSED: "govuk-tag--yellow",
    PathwayStatus.THINKING: "govuk-tag--yellow",
}


@register.simple_tag
def stage_tag(stage: str) -> str:
    """The case stage as a GOV.UK tag: colour and the word, never colour alone."""
    return format_html('<strong class="govuk-tag {}">{}</strong>', _STAGE_COLOURS.get(stage, ""), Stage(stage).label)


@register.simple_tag
def pathway_tag(status: str) -> str:
    return format_html(
        '<strong class="govuk-tag {}">{}</strong>',
        _PATHWAY_COLOURS.get(status, "govuk-tag--blue"),
        PathwayStatus(status).label,
    )
