"""Invented names, places and phrases for the benchmark dataset. Nothing here is about a real person or place.

Surnames and place names are made from made-up parts ("Fablewick", "Mythbury") so they read as invented;
first names are ordinary given names, which identify nobody on their own. Phone numbers come from Ofcom's
ranges kept for drama (01632 960xxx, 07700 900xxx, 020 7946 0xxx, 0113 496 0xxx, 0161 496 0xxx); email
addresses use the reserved example.com, example.org and example.net domains. Postcodes start with Q, V or X,
letters no real UK postcode area starts with.
"""

from __future__ import annotations

FIRST_NAMES = (
    "Alex", "Ali", "Amani", "Amari", "Ash", "Aubrey", "Avery", "Bailey", "Bay", "Blair", "Bobbie", "Brooke",
    "Bryn", "Cameron", "Casey", "Charlie", "Codie", "Dale", "Dani", "Darcy", "Devon", "Drew", "Eden", "Elliot",
    "Ellis", "Emerson", "Emery", "Finley", "Frankie", "Gabi", "Georgie", "Gray", "Hadley", "Harley", "Harper",
    "Hayden", "Hollis", "Indigo", "Jaden", "Jamie", "Jess", "Jesse", "Jo", "Jordan", "Jude", "Jules", "Kai",
    "Kendall", "Kerry", "Kit", "Lee", "Lindsay", "Logan", "Lou", "Lowri", "Mackenzie", "Marley", "Marlow", "Mel",
    "Micah", "Morgan", "Nat", "Nico", "Noel", "Oakley", "Ocean", "Ollie", "Parker", "Pat", "Peyton", "Quinn",
    "Rae", "Ray", "Reese", "Remy", "Rene", "Riley", "Robin", "Rowan", "Ryan", "Sage", "Sam", "Sasha", "Shay",
    "Sid", "Sky", "Skyler", "Sol", "Stevie", "Sydney", "Tate", "Taylor", "Teagan", "Terry", "Toni", "Tyler",
    "Val", "Vic", "Wren", "Yael", "Zion", "Aled", "Anwen", "Carys", "Dylan", "Eirlys", "Ffion", "Gethin",
    "Idris", "Lleu", "Meinir", "Nia", "Osian", "Rhian", "Seren", "Siân", "Tegan", "Aaliyah", "Adebayo", "Aiko",
    "Amara", "Ayesha", "Chidi", "Deniz", "Esra", "Farah", "Hamza", "Imani", "Jun", "Kemi", "Leila", "Malik",
    "Mei", "Nadia", "Omar", "Priya", "Rashid", "Sana", "Tariq", "Yusuf", "Zara", "Kofi", "Ngozi", "Tomasz",
    "Agnieszka", "Mihai", "Ioana", "Luca", "Sofia", "Mateo", "Ines", "Kwame", "Ama", "Ravi", "Anjali",
)  # fmt: skip

_SURNAME_STARTS = (
    "Fable", "Myth", "Dream", "Notion", "Sketch", "Fancy", "Riddle", "Whimsy", "Fiction", "Story", "Figment",
    "Pretend", "Inkle", "Quill", "Parable", "Rumour", "Yarn", "Legend", "Fantasia", "Marvel", "Nimble", "Hollow",
    "Thistle", "Bramble", "Puzzle", "Tinsel", "Moonbeam", "Lantern", "Pebble", "Saffron", "Cobble", "Dapple",
    "Drizzle", "Feather", "Glimmer", "Hazel", "Juniper", "Kettle", "Marigold", "Nettle",
)  # fmt: skip
_SURNAME_ENDS = (
    "wick", "bury", "worth", "field", "ley", "ton", "ham", "ford", "stead", "combe", "thorpe", "by", "dale",
    "more", "brook", "well", "shaw", "croft", "gate", "hurst", "mere", "wood", "holm", "cott", "den", "lock",
    "stone", "berry", "ridge", "wright", "smith", "man", "son", "child", "kin", "ling", "hart", "lane", "ward",
    "vale", "wyn", "ston", "ett", "away", "over", "under", "right", "mont", "ingham", "esby",
)  # fmt: skip
SURNAMES = tuple(start + end for start in _SURNAME_STARTS for end in _SURNAME_ENDS)

_PLACE_STARTS = (
    "Amber", "Briar", "Cinder", "Dusk", "Elder", "Fern", "Gloam", "Heron", "Ivy", "Jasper", "Kestrel", "Larch",
    "Mallow", "Nettle", "Osprey", "Plover", "Quarry", "Rook", "Sorrel", "Teasel", "Umber", "Vetch", "Willow",
    "Yarrow", "Alder", "Bracken", "Curlew", "Dunlin", "Egret", "Foxglove", "Gorse", "Hawthorn", "Ironwood",
    "Juniper", "Kingcup", "Linnet", "Merlin", "Nightjar", "Oxlip", "Pipit", "Redwing", "Sedge",
)  # fmt: skip
_PLACE_ENDS = ("dale", "moor", "shire", "field", "mouth", "bridge", "ford", "wold", "marsh", "fell", "combe", "vale")
AREA_WORDS = _PLACE_STARTS  # 42 invented area names, one for each PCC area
TOWN_ENDS = ("bury", "ton", "minster", "by", "caster", "port", "wick", "ham", "stow", "ley", "borough", "haven")
STREETS = (
    "Imaginary Road", "Pretend Street", "Makebelieve Avenue", "Storybook Gardens", "Notional Terrace",
    "Hypothesis Close", "Sketchbook Crescent", "Figment Way", "Fiction Lane", "Madeup Mews", "Daydream Drive",
    "Fable Row", "Parable Place", "Riddle Walk", "Whimsy Court", "Legend Parade", "Rumour Hill", "Yarn Square",
)  # fmt: skip
VICTIM_STREETS = STREETS[:9]
OFFENDER_STREETS = STREETS[9:]
POSTCODE_AREAS = tuple(f"Q{c}" for c in "ABCDEFGHJKLMNPRSTUWYZ") + tuple(f"X{c}" for c in "ABCDEFGHJKLMNPRSTUWYZ")
POSTCODE_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"

PHONE_PREFIXES = ("01632 960", "07700 900", "020 7946 0", "0113 496 0", "0161 496 0")
EMAIL_DOMAINS = ("example.com", "example.org", "example.net")

ORGANISATIONS = (
    "Corner Shop (invented)", "Community Centre (invented)", "Village Bakery (invented)", "Bus Company (invented)",
    "Garden Centre (invented)", "Youth Club (invented)", "Takeaway (invented)", "Garage (invented)",
)  # fmt: skip
PRISONS = tuple(f"HMP {p}moor (fictional)" for p in ("Ash", "Crag", "Fen", "Holt", "Marsh", "Stone", "Wold", "Mere"))
LEAFLET = "Meeting the other person: what to expect (version 4)"
AGENCY_PROBATION = "Probation Service (fictional office)"
AGENCY_VCS = "Victim Contact Scheme (fictional)"

OFFENCE_TEXT = {
    "burglary_residential": "Entered a house during the day and took a laptop, jewellery and a bank card.",
    "burglary_non_residential": "Broke into a storeroom overnight and took equipment.",
    "robbery": "Threatened a person at a bus stop and took their phone and wallet.",
    "violence_with_injury": "Punched a person outside a takeaway after an argument, causing an injury.",
    "violence_without_injury": "Pushed and threatened a neighbour during a dispute about parking.",
    "criminal_damage_arson": "Smashed the windows of a parked car and a shop front on the same night.",
    "theft_person": "Took a handbag from a café table while the owner was distracted.",
    "vehicle": "Took a car from a driveway and crashed it into a garden wall.",
    "shoplifting": "Took goods from a small shop several times and was abusive to staff.",
    "stalking_harassment": "Sent repeated unwanted messages and waited outside a workplace over several weeks.",
    "public_order": "Shouted threats and abuse in the street outside a family home.",
    "bicycle_theft": "Cut a lock and took a bicycle from outside a block of flats.",
    "theft_other": "Took tools from a builder's van parked overnight.",
    "fraud": "Used a stolen bank card for online purchases over two weeks.",
    "sexual": "Touched a person without consent on a late-night bus.",
    "homicide": "An assault that led to a death.",
    "death_injury_driving": "Drove dangerously and caused a collision in which a person died.",
    "drugs": "Supplied drugs from a flat, causing harm to neighbours.",
    "weapons": "Carried a knife and threatened a group of young people.",
    "misc_society": "Made threats to a public servant.",
}
LOCATIONS = (
    "Invented Market Square", "Notreal Retail Park", "High Street", "Bus Station", "Town Park", "Railway Station",
    "Shopping Centre", "Residential street", "Their home", "A pub car park",
)  # fmt: skip
CONTACT_PURPOSES = (
    "Introduced the service and what restorative justice involves",
    "Arranged a meeting to talk about taking part",
    "Assessment interview",
    "Talked through their questions and worries",
    "Checked support needs and what would help",
    "Explained what the other party has agreed to share",
    "Prepared them for the meeting: ground rules and what to expect",
    "Agreed travel and timings",
    "Follow-up after the activity",
    "Update on the agreement",
)  # fmt: skip
CONTACT_NOTES = (
    "Went well. They asked for time to think and a call next week.",
    "Spoke for a while about the impact; they would like to carry on.",
    "No answer; no voicemail left as agreed.",
    "Meeting kept. Notes on file; nothing of concern raised.",
    "They would prefer letters at first. Agreed to post information.",
    "Discussed supporters who might come. Will confirm names.",
    "Checked safe times to call: weekday mornings only.",
    "Explained again that taking part makes no difference to sentence or licence.",
)  # fmt: skip
NEED_DETAILS = {
    "interpreter": ("Needs an interpreter", "Interpreter booked for every meeting"),
    "sign_language": ("Uses British Sign Language", "BSL interpreter booked"),
    "disability_access": ("Uses a wheelchair", "Step-free venue chosen"),
    "childcare": ("Cares for two young children", "Meetings set in school hours"),
    "travel_costs": ("Cannot afford travel", "Travel costs paid by the service"),
    "literacy": ("Finds reading difficult", "Letters read to them by phone"),
    "other": ("Prefers a facilitator of the same sex", "Allocated accordingly"),
}
SUPPORTER_RELATIONSHIPS = ("parent", "partner", "family", "friend", "professional", "community", "other")
ITEM_TEXTS = (
    ("action", "offender", "Write a letter of apology"),
    ("action", "offender", "Attend a victim awareness course"),
    ("action", "offender", "Pay for the damage in monthly amounts"),
    ("action", "offender", "Do 20 hours of unpaid work at a community garden"),
    ("action", "offender", "Keep away from the street where the person harmed lives"),
    ("action", "offender", "Go to a drug and alcohol service appointment"),
    ("statement", "offender", "Will not contact the person harmed again"),
    ("action", "service", "Send the person harmed an update on each item"),
    ("action", "victim", "Return the letter with any questions"),
    ("statement", "victim", "Will not raise the matter with the other's family"),
)  # fmt: skip
CONFERENCE_VENUES = ("Community hall (fictional)", "Library meeting room (fictional)", "Faith centre (fictional)")
WRITE_UP_BACKGROUND = "Both parties prepared over several meetings; each brought a supporter."
WRITE_UP_WENT = (
    "The turning point came when the person responsible answered the questions directly and apologised.",
    "Tense at first; it eased once the person harmed described the impact and was listened to.",
    "Calm throughout. Both said afterwards they were glad to have met.",
)  # fmt: skip
WRITE_UP_LESSONS = ("Allow more time for breaks.", "Brief supporters separately beforehand.", "None noted.")
MESSAGE_TEXT = {
    "to_victim": "I am sorry for what I did and for how it affected you and your family.",
    "to_offender": "I want you to know how much this affected me, and I have some questions for you.",
}
SAFEGUARDING_CONCERNS = (
    "Said during a visit that an ex-partner had made threats.",
    "A child in the household may be at risk; passed on the same day.",
    "Talked about feeling unsafe at home.",
    "Mentioned thoughts of self-harm; agreed a plan with their GP.",
)  # fmt: skip
OUTCOME_REASONS = {
    "offender_declined": "Did not want to take part after hearing what it involves.",
    "offender_unsuitable_risk": "Assessment found a risk that could not be managed.",
    "offender_unsuitable_capacity": "Not able to take part safely at present.",
    "offender_unavailable": "Moved out of the area.",
    "victim_declined": "Decided not to take part.",
    "victim_not_contactable": "No reply to calls or letters over six weeks.",
    "withdrawn": "Withdrew before the activity.",
    "not_eligible": "Outside the service's published criteria.",
}
