"""Seed version 1 of the default feedback call questions (DOMAIN §6).

The questions are written out here, frozen: this migration must not change when
agreements/feedback_questions.py later does.
"""

from django.db import migrations

TITLE = "Feedback call after a conference or indirect communication"

QUESTIONS = [
    {
        "key": "how_it_went",
        "text": "How did it go for you?",
        "hint": "Select all that apply.",
        "kind": "many",
        "choices": [
            {"code": "went_well", "label": "It went well"},
            {"code": "went_badly", "label": "It went badly"},
            {"code": "said_what_i_wanted", "label": "I managed to say what I wanted to say"},
            {"code": "could_not_say", "label": "I did not manage to say what I wanted to say"},
            {"code": "pleased_other_party", "label": "I was glad about what the other person said"},
            {"code": "disappointed_other_party", "label": "I was let down by what the other person said"},
            {"code": "pleased_outcome", "label": "I was glad about how things ended up"},
            {"code": "disappointed_outcome", "label": "I was let down by how things ended up"},
        ],
        "measure": "",
        "required": False,
    },
    {
        "key": "pleased_by",
        "text": "Was there anything in particular you were happy about?",
        "hint": "",
        "kind": "yes_no_text",
        "choices": [{"code": "yes", "label": "Yes"}, {"code": "no", "label": "No"}],
        "measure": "",
        "required": False,
    },
    {
        "key": "disappointed_by",
        "text": "Was there anything in particular you were unhappy about?",
        "hint": "",
        "kind": "yes_no_text",
        "choices": [{"code": "yes", "label": "Yes"}, {"code": "no", "label": "No"}],
        "measure": "",
        "required": False,
    },
    {
        "key": "felt_straight_after",
        "text": "How did you feel straight afterwards?",
        "hint": "Select all that apply.",
        "kind": "many",
        "choices": [
            {"code": "really_pleased", "label": "Very happy"},
            {"code": "excited", "label": "Excited"},
            {"code": "relieved", "label": "Relieved"},
            {"code": "on_a_high", "label": "Elated"},
            {"code": "low", "label": "Low or down"},
            {"code": "worried", "label": "Worried"},
            {"code": "angry", "label": "Angry"},
        ],
        "measure": "",
        "required": False,
    },
    {
        "key": "feel_now",
        "text": "How do you feel about it now?",
        "hint": "Select all that apply.",
        "kind": "many",
        "choices": [
            {"code": "pleased", "label": "Happy"},
            {"code": "reassured", "label": "Reassured"},
            {"code": "low", "label": "Low or down"},
            {"code": "worried", "label": "Worried"},
            {"code": "angry", "label": "Angry"},
        ],
        "measure": "",
        "required": False,
    },
    {
        "key": "worries",
        "text": "Since taking part, has anything about it worried you?",
        "hint": "Select all that apply. Any worry or threat raises a safeguarding task for the team.",
        "kind": "many",
        "choices": [
            {"code": "threatened", "label": "The other person has made me feel threatened", "concern": True},
            {
                "code": "may_find_or_contact",
                "label": "I am afraid the other person may track me down or get in touch",
                "concern": True,
            },
            {"code": "knows_where_i_live", "label": "I am afraid they know my address", "concern": True},
            {"code": "none", "label": "No, nothing has worried me", "exclusive": True},
        ],
        "measure": "worry",
        "required": True,
    },
    {
        "key": "overall_impact",
        "text": "All in all, what difference has taking part made to you?",
        "hint": "",
        "kind": "one",
        "choices": [
            {"code": "positive", "label": "It has made things better", "positive": True},
            {"code": "negative", "label": "It has made things worse"},
            {"code": "none", "label": "It has made no real difference"},
            {"code": "dont_know", "label": "I cannot say yet"},
        ],
        "measure": "impact",
        "required": False,
    },
    {
        "key": "overall_satisfaction",
        "text": "How satisfied are you with the restorative justice service overall?",
        "hint": "",
        "kind": "one",
        "choices": [
            {"code": "very_satisfied", "label": "Very satisfied", "positive": True},
            {"code": "satisfied", "label": "Satisfied", "positive": True},
            {"code": "neither", "label": "Neither satisfied nor dissatisfied"},
            {"code": "dissatisfied", "label": "Dissatisfied"},
            {"code": "very_dissatisfied", "label": "Very dissatisfied"},
        ],
        "measure": "satisfaction",
        "required": True,
    },
    {
        "key": "received_agreement",
        "text": "Have you been given a copy of the outcome agreement?",
        "hint": "",
        "kind": "one",
        "choices": [
            {"code": "yes", "label": "Yes"},
            {"code": "no", "label": "No"},
            {"code": "no_agreement", "label": "No agreement was made"},
        ],
        "measure": "",
        "required": False,
    },
    {
        "key": "agreement_now",
        "text": "Looking at the agreement now, what do you make of it?",
        "hint": "",
        "kind": "text",
        "choices": [],
        "measure": "",
        "required": False,
    },
    {
        "key": "could_be_better",
        "text": "Is there anything we could have done better?",
        "hint": "",
        "kind": "text",
        "choices": [],
        "measure": "",
        "required": False,
    },
    {
        "key": "felt_prepared",
        "text": "Did you feel ready for what happened?",
        "hint": "Think about what you were told and how you were prepared beforehand.",
        "kind": "one",
        "choices": [
            {"code": "yes", "label": "Yes, fully ready", "positive": True},
            {"code": "partly", "label": "Partly"},
            {"code": "no", "label": "No"},
        ],
        "measure": "prepared",
        "required": False,
    },
    {
        "key": "felt_supported",
        "text": "Did you feel looked after, and did we meet your needs?",
        "hint": "",
        "kind": "one",
        "choices": [
            {"code": "yes", "label": "Yes", "positive": True},
            {"code": "partly", "label": "Partly"},
            {"code": "no", "label": "No"},
        ],
        "measure": "supported",
        "required": False,
    },
    {
        "key": "would_recommend",
        "text": "Would you suggest restorative justice to someone in a similar position?",
        "hint": "",
        "kind": "one",
        "choices": [
            {"code": "yes", "label": "Yes", "positive": True},
            {"code": "no", "label": "No"},
            {"code": "not_sure", "label": "Not sure"},
        ],
        "measure": "recommend",
        "required": True,
    },
    {
        "key": "want_to_know",
        "text": "Is there anything else you would like to find out?",
        "hint": "For example, what happens next or how to get more support.",
        "kind": "text",
        "choices": [],
        "measure": "",
        "required": False,
    },
    {
        "key": "compared_justice",
        "text": "How did this compare with any earlier dealings you have had with the criminal justice system?",
        "hint": "",
        "kind": "one",
        "choices": [
            {"code": "better", "label": "This was better"},
            {"code": "same", "label": "About the same"},
            {"code": "worse", "label": "This was worse"},
            {"code": "no_earlier", "label": "I have had no earlier dealings"},
        ],
        "measure": "",
        "required": False,
    },
    {
        "key": "evaluation_consent",
        "text": "May we give your contact details to the people who evaluate our service?",
        "hint": "Saying no makes no difference to the help you get from us.",
        "kind": "one",
        "choices": [{"code": "yes", "label": "Yes"}, {"code": "no", "label": "No"}],
        "measure": "",
        "required": False,
    },
    {
        "key": "talk_to_others",
        "text": "Would you be willing to talk about your experience to any of these?",
        "hint": "Select all that apply.",
        "kind": "many",
        "choices": [
            {"code": "future_participants", "label": "People who are thinking about taking part"},
            {"code": "media", "label": "Newspapers, radio or television"},
            {"code": "neither", "label": "Neither", "exclusive": True},
        ],
        "measure": "",
        "required": False,
    },
]


def seed(apps, schema_editor):
    from django.utils import timezone

    question_set_model = apps.get_model("agreements", "FeedbackQuestionSet")
    question_model = apps.get_model("agreements", "FeedbackQuestion")
    if question_set_model.objects.filter(service__isnull=True, version=1).exists():
        return
    question_set = question_set_model.objects.create(
        service=None, version=1, title=TITLE, introduced_at=timezone.now(), introduced_by=None
    )
    question_model.objects.bulk_create(
        question_model(question_set=question_set, order=order, **question)
        for order, question in enumerate(QUESTIONS, start=1)
    )


def unseed(apps, schema_editor):
    question_set_model = apps.get_model("agreements", "FeedbackQuestionSet")
    question_set_model.objects.filter(service__isnull=True, version=1).delete()


class Migration(migrations.Migration):
    dependencies = [("agreements", "0003_followup_feedback_reminders")]

    operations = [migrations.RunPython(seed, unseed)]
