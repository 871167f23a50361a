"""The default questions of the feedback call (DOMAIN §6), in our own plain English.

Each question is a dict with the fields of agreements.models.FeedbackQuestion (key, text, hint,
kind, choices, measure, required). A choice is {"code", "label"} with optional flags:
- "concern": true  a worry or threat: raises a safeguarding task;
- "positive": true counts towards the question's measure (satisfied, would recommend, felt prepared...);
- "exclusive": true an answer that stands alone in a "choose any" question ("nothing worried me").

Migration 0004 seeded version 1 of the default set from a frozen copy of this data. The copy here is
the wording a new default version would start from, and what the services fall back on to create
the default set if it is missing. Codes and measures never change between versions, so the returns
stay comparable whatever the wording.
"""

from __future__ import annotations

from typing import Any

DEFAULT_TITLE = "Feedback call after a conference or indirect communication"

YES_NO = [{"code": "yes", "label": "Yes"}, {"code": "no", "label": "No"}]

DEFAULT_QUESTIONS: list[dict[str, Any]] = [
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
        "choices": YES_NO,
        "measure": "",
        "required": False,
    },
    {
        "key": "disappointed_by",
        "text": "Was there anything in particular you were unhappy about?",
        "hint": "",
        "kind": "yes_no_text",
        "choices": YES_NO,
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
        "choices": YES_NO,
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

# What DOMAIN §6 asks about, and the question key that asks it (checked by the tests).
TOPICS = {
    "how it went": "how_it_went",
    "anything that pleased them": "pleased_by",
    "anything that disappointed them": "disappointed_by",
    "how they felt straight after": "felt_straight_after",
    "how they feel now": "feel_now",
    "worries since": "worries",
    "overall impact": "overall_impact",
    "overall satisfaction": "overall_satisfaction",
    "received the agreement": "received_agreement",
    "the agreement now": "agreement_now",
    "what could have been better": "could_be_better",
    "felt prepared": "felt_prepared",
    "felt supported and needs met": "felt_supported",
    "would recommend": "would_recommend",
    "anything else they want to know": "want_to_know",
    "compared with earlier experience of the justice system": "compared_justice",
    "consent to pass details to evaluators": "evaluation_consent",
    "willing to talk to future participants or the media": "talk_to_others",
}
