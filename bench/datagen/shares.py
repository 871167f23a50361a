"""How often each thing happens in the generated dataset: (value, weight) pairs, weights in any unit.

The fates are DOMAIN §2's planning figures for cases in scope; ethnicity follows the 2021 census of England and
Wales (plus "prefer not to say" and "not known"); the rest are plausible shares for an RJ service's caseload.
"""

from __future__ import annotations

# What becomes of a case in scope: 30% the person responsible refuses or is unsuitable, 15% the person harmed
# declines or cannot be reached, 5% withdraw later, 30% conference, 20% indirect communication.
OFFENDER_OUT, VICTIM_OUT, WITHDRAWN, CONFERENCE, INDIRECT = 1, 2, 3, 4, 5
FATE = ((OFFENDER_OUT, 30), (VICTIM_OUT, 15), (WITHDRAWN, 5), (CONFERENCE, 30), (INDIRECT, 20))
NOT_ELIGIBLE_SHARE = 0.04  # referrals outside the targeting criteria (before the shares above)
ACTIVITY_OUTCOMES = ("conference", "letter_of_apology", "shuttle", "victim_empathy")  # a closed case's outcomes

DISTRIBUTIONS: dict[str, tuple[tuple[object, float], ...]] = {
    "fate": FATE,
    "source": (
        ("police", 25), ("police_leaflet", 5), ("victim_self", 5), ("offender_self", 2), ("court_psr", 8),
        ("probation_community", 15), ("probation_rar", 6), ("probation_licence", 5), ("probation_deferred", 2),
        ("prison", 10), ("vlu_vcs", 5), ("victim_hub", 6), ("yot", 4), ("other", 2),
    ),
    "offence": (
        ("violence_with_injury", 16), ("violence_without_injury", 12), ("stalking_harassment", 5), ("robbery", 8),
        ("burglary_residential", 14), ("burglary_non_residential", 5), ("vehicle", 5), ("theft_person", 5),
        ("shoplifting", 6), ("theft_other", 4), ("criminal_damage_arson", 9), ("public_order", 4),
        ("bicycle_theft", 1), ("fraud", 3), ("sexual", 2), ("homicide", 0.3), ("death_injury_driving", 0.4),
        ("drugs", 0.5), ("weapons", 1), ("misc_society", 0.3),
    ),
    "ethnicity": (
        ("white_british", 72.4), ("white_irish", 0.9), ("white_gypsy_traveller", 0.2), ("white_roma", 0.2),
        ("white_other", 6.2), ("mixed_white_black_caribbean", 0.9), ("mixed_white_black_african", 0.4),
        ("mixed_white_asian", 0.8), ("mixed_other", 0.9), ("asian_indian", 3.1), ("asian_pakistani", 2.7),
        ("asian_bangladeshi", 1.1), ("asian_chinese", 0.7), ("asian_other", 1.6), ("black_african", 2.5),
        ("black_caribbean", 1.0), ("black_other", 0.5), ("other_arab", 0.6), ("other_any", 1.6),
        ("prefer_not_to_say", 2.0), ("not_known", 3.0),
    ),
    "victim_sex": (("female", 48), ("male", 48), ("self_describe", 1), ("prefer_not_to_say", 3)),
    "offender_sex": (("male", 82), ("female", 15), ("self_describe", 0.5), ("prefer_not_to_say", 2.5)),
    "disability": (("no", 73), ("yes", 18), ("prefer_not_to_say", 6), (None, 3)),
    "victim_age": (
        ((18, 25), 14), ((25, 35), 20), ((35, 45), 18), ((45, 55), 16), ((55, 65), 14), ((65, 90), 13),
    ),
    "offender_age": (
        ((15, 18), 4), ((18, 25), 31), ((25, 35), 33), ((35, 45), 18), ((45, 55), 10), ((55, 75), 4),
    ),
    "contact_type": (
        ("phone", 45), ("home_visit", 15), ("office_visit", 10), ("letter", 8), ("text", 8), ("email", 5),
        ("video", 4), ("prison_visit", 3), ("other", 2),
    ),
    "appointment": (
        ("kept", 70), ("not_applicable", 14), ("rearranged", 6), ("dna", 5), ("cancelled_participant", 3),
        ("cancelled_service", 2),
    ),
    "offender_reason": (
        ("offender_declined", 40), ("offender_unsuitable_risk", 25), ("offender_unsuitable_capacity", 15),
        ("offender_unavailable", 20),
    ),
    "withdrawn_by": (("victim", 50), ("offender", 35), ("service", 10), ("referrer", 5)),
    "indirect_outcome": (("letter_of_apology", 50), ("shuttle", 35), ("victim_empathy", 15)),
    "tier": (("1", 10), ("2", 25), ("3", 40), ("4", 25)),
    "sentence": (
        ("community_order", 35), ("suspended", 20), ("custody", 18), ("licence", 8), ("conditional_discharge", 5),
        ("fine", 5), ("deferred", 3), ("other", 6),
    ),
}  # fmt: skip
