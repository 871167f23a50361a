"""The coded lists rjcase starts with (DOMAIN reference §2 and §10). Services may add entries.

Each entry: (code, label, group). Codes are stable: reports and returns use them.
"""

from __future__ import annotations

from cases.models.codes import CodeList

_BLACK = "Black, Black British, Caribbean or African"
_ETHNICITY = [
    ("asian_bangladeshi", "Bangladeshi", "Asian or Asian British"),
    ("asian_chinese", "Chinese", "Asian or Asian British"),
    ("asian_indian", "Indian", "Asian or Asian British"),
    ("asian_pakistani", "Pakistani", "Asian or Asian British"),
    ("asian_other", "Any other Asian background", "Asian or Asian British"),
    ("black_african", "African", "Black, Black British, Caribbean or African"),
    ("black_caribbean", "Caribbean", "Black, Black British, Caribbean or African"),
    (
        "black_other",
        "Any other Black, Black British or Caribbean background",
        "Black, Black British, Caribbean or African",
    ),
    ("mixed_white_asian", "White and Asian", "Mixed or multiple ethnic groups"),
    ("mixed_white_black_african", "White and Black African", "Mixed or multiple ethnic groups"),
    ("mixed_white_black_caribbean", "White and Black Caribbean", "Mixed or multiple ethnic groups"),
    ("mixed_other", "Any other mixed or multiple ethnic background", "Mixed or multiple ethnic groups"),
    ("white_british", "English, Welsh, Scottish, Northern Irish or British", "White"),
    ("white_irish", "Irish", "White"),
    ("white_gypsy_traveller", "Gypsy or Irish Traveller", "White"),
    ("white_roma", "Roma", "White"),
    ("white_other", "Any other White background", "White"),
    ("other_arab", "Arab", "Other ethnic group"),
    ("other_any", "Any other ethnic group", "Other ethnic group"),
    ("prefer_not_to_say", "Prefer not to say", ""),
    ("not_known", "Not known", ""),
]

_OFFENCE = [
    ("homicide", "Homicide", "Violence against the person"),
    ("death_injury_driving", "Death or serious injury by unlawful driving", "Violence against the person"),
    ("violence_with_injury", "Violence with injury", "Violence against the person"),
    ("violence_without_injury", "Violence without injury", "Violence against the person"),
    ("stalking_harassment", "Stalking and harassment", "Violence against the person"),
    ("sexual", "Sexual offences", "Sexual offences"),
    ("robbery", "Robbery", "Robbery"),
    ("burglary_residential", "Residential burglary", "Theft"),
    ("burglary_non_residential", "Non-residential burglary", "Theft"),
    ("vehicle", "Vehicle offences", "Theft"),
    ("theft_person", "Theft from the person", "Theft"),
    ("bicycle_theft", "Bicycle theft", "Theft"),
    ("shoplifting", "Shoplifting", "Theft"),
    ("theft_other", "Other theft", "Theft"),
    ("criminal_damage_arson", "Criminal damage and arson", "Criminal damage and arson"),
    ("drugs", "Drug offences", "Drug offences"),
    ("weapons", "Possession of weapons", "Possession of weapons"),
    ("public_order", "Public order offences", "Public order offences"),
    ("misc_society", "Miscellaneous crimes against society", "Miscellaneous crimes against society"),
    ("fraud", "Fraud and computer misuse", "Fraud and computer misuse"),
]

SEED: dict[str, list[tuple[str, str, str]]] = {
    CodeList.ETHNICITY: _ETHNICITY,
    CodeList.SEX: [
        ("female", "Female", ""),
        ("male", "Male", ""),
        ("self_describe", "Prefer to self-describe", ""),
        ("prefer_not_to_say", "Prefer not to say", ""),
    ],
    CodeList.DISABILITY: [("yes", "Yes", ""), ("no", "No", ""), ("prefer_not_to_say", "Prefer not to say", "")],
    CodeList.OFFENCE: _OFFENCE,
    CodeList.HATE_STRAND: [
        ("race", "Race", ""),
        ("religion", "Religion", ""),
        ("sexual_orientation", "Sexual orientation", ""),
        ("disability", "Disability", ""),
        ("transgender", "Transgender", ""),
    ],
    CodeList.REFERRAL_SOURCE: [
        ("police", "Police", ""),
        ("police_leaflet", "Police leaflet left with the person harmed", ""),
        ("victim_self", "Self-referral by the person harmed", ""),
        ("offender_self", "Self-referral by the person responsible", ""),
        ("court_psr", "Court or pre-sentence report author", ""),
        ("probation_community", "Probation: community sentence", "Probation"),
        ("probation_rar", "Probation: RAR or specified activity requirement", "Probation"),
        ("probation_licence", "Probation: licence condition", "Probation"),
        ("probation_deferred", "Probation: deferred sentence", "Probation"),
        ("prison", "Prison", ""),
        ("vlu_vcs", "Victim Liaison Unit or Victim Contact Scheme", ""),
        ("victim_hub", "Victim support hub", ""),
        ("yot", "Youth offending team", ""),
        ("other", "Other", ""),
    ],
    CodeList.INITIATOR: [
        ("victim", "The person harmed", ""),
        ("offender", "The person responsible", ""),
        ("agency", "An agency", ""),
    ],
    CodeList.CJ_STAGE: [
        ("pre_charge", "Pre-charge or out-of-court", ""),
        ("pre_sentence", "Pre-sentence", ""),
        ("community", "Community sentence", ""),
        ("custody", "Custody", ""),
        ("licence", "Licence or post-release", ""),
    ],
    CodeList.SENTENCE_TYPE: [
        ("conditional_discharge", "Conditional discharge", ""),
        ("fine", "Fine", ""),
        ("community_order", "Community order", ""),
        ("suspended", "Suspended sentence order", ""),
        ("deferred", "Deferred sentence", ""),
        ("custody", "Custody", ""),
        ("licence", "Licence", ""),
        ("other", "Other", ""),
    ],
    CodeList.SPECIAL_STATUS: [
        ("ppo", "Prolific and priority offender (PPO)", ""),
        ("mappa", "MAPPA", ""),
        ("iom", "Integrated offender management (IOM)", ""),
        ("yot", "Youth offending team (YOT)", ""),
    ],
    CodeList.TIER: [("1", "Tier 1", ""), ("2", "Tier 2", ""), ("3", "Tier 3", ""), ("4", "Tier 4", "")],
    CodeList.CO_DEFENDANTS: [("0", "None", ""), ("1", "1", ""), ("2", "2", ""), ("3_plus", "3 or more", "")],
    CodeList.CONTACT_TYPE: [
        ("phone", "Phone call", ""),
        ("text", "Text message", ""),
        ("letter", "Letter", ""),
        ("email", "Email", ""),
        ("home_visit", "Home visit", ""),
        ("office_visit", "Office visit", ""),
        ("prison_visit", "Prison visit", ""),
        ("video", "Video call", ""),
        ("other", "Other", ""),
    ],
    CodeList.APPOINTMENT: [
        ("kept", "Kept", ""),
        ("dna", "Did not attend", ""),
        ("cancelled_participant", "Cancelled by the person", ""),
        ("cancelled_service", "Cancelled by the service", ""),
        ("rearranged", "Rearranged", ""),
        ("not_applicable", "Not an appointment", ""),
    ],
    CodeList.DIRECTION: [
        ("outgoing", "Outgoing", ""),
        ("incoming", "Incoming", ""),
        ("attempt", "Attempt: no answer or no reply", ""),
    ],
    CodeList.OUTCOME: [
        ("conference", "Conference", ""),
        ("letter_of_apology", "Letter of apology", ""),
        ("shuttle", "Indirect mediation (shuttle)", ""),
        ("victim_empathy", "Victim empathy work", ""),
        ("breach_revoke", "Breach or revoke", ""),
        ("rejected_unsuitable", "Rejected or unsuitable", ""),
        ("not_proceeding", "Not proceeding", ""),
    ],
    CodeList.NOT_PROCEEDING: [
        ("victim_declined", "Person harmed declined", ""),
        ("victim_not_contactable", "Person harmed could not be contacted", ""),
        ("offender_declined", "Person responsible declined", ""),
        ("offender_unsuitable_risk", "Person responsible unsuitable: risk", ""),
        ("offender_unsuitable_capacity", "Person responsible unsuitable: capacity", ""),
        ("offender_unavailable", "Person responsible unavailable or transferred", ""),
        ("withdrawn", "Withdrawn", ""),
        ("not_eligible", "Did not meet the targeting criteria", ""),
    ],
    CodeList.NEED: [
        ("interpreter", "Interpreter", ""),
        ("sign_language", "Sign language", ""),
        ("disability_access", "Disability access", ""),
        ("childcare", "Childcare", ""),
        ("travel_costs", "Travel costs", ""),
        ("literacy", "Reading and writing", ""),
        ("other", "Other", ""),
    ],
    CodeList.RELATIONSHIP: [
        ("stranger", "Stranger", ""),
        ("neighbour", "Neighbour", ""),
        ("family", "Family member", ""),
        ("partner", "Partner or former partner", ""),
        ("acquaintance", "Acquaintance", ""),
        ("other", "Other", ""),
    ],
    CodeList.SUPPORTER_RELATIONSHIP: [
        ("parent", "Parent or guardian", ""),
        ("partner", "Partner", ""),
        ("family", "Other family member", ""),
        ("friend", "Friend", ""),
        ("professional", "Professional", ""),
        ("community", "Community member", ""),
        ("other", "Other", ""),
    ],
}


def load_codes(code_model) -> None:
    """Create any missing entries (never changes a service's edits). Works in migrations."""
    existing = set(code_model.objects.values_list("list_name", "code"))
    new = [
        code_model(list_name=list_name, code=code, label=label, group=group, sort_order=index)
        for list_name, entries in SEED.items()
        for index, (code, label, group) in enumerate(entries)
        if (list_name, code) not in existing
    ]
    code_model.objects.bulk_create(new)
