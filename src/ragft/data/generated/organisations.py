"""The `orgs` domain: fictional organisations, made unlike `people` on purpose.

Other vocabulary, other sentence shapes, other attributes, so a retrieval or prompting choice
tuned on `people` can be checked here before it is trusted.
Founding years (1890-2019) and staff counts (2500-90000) never overlap.
"""

from __future__ import annotations

import random

from ragft.data.domains import Attribute, Domain, Record, unique_names

STEMS = (
    "Veltrane",
    "Orvexa",
    "Kaldris",
    "Brivanta",
    "Castrel",
    "Dravion",
    "Elvaro",
    "Fennix",
    "Galvora",
    "Hestral",
    "Ixora",
    "Jarvell",
    "Korvane",
    "Lysandre",
    "Mervalt",
    "Nortessa",
    "Obrecht",
    "Pyrelle",
    "Quintara",
    "Rovella",
    "Sylvane",
    "Tarquel",
    "Ulvane",
    "Virelle",
    "Wexmoor",
    "Zephra",
)
SUFFIXES = (
    "Labs",
    "Dynamics",
    "Holdings",
    "Collective",
    "Works",
    "Institute",
    "Partners",
    "Cooperative",
    "Group",
    "Foundry",
)
CEO_FIRST = (
    "Agathe",
    "Bertil",
    "Cosima",
    "Dagny",
    "Evander",
    "Florentin",
    "Greta",
    "Hollis",
    "Ines",
    "Joris",
    "Kasimira",
    "Linus",
    "Marit",
    "Nikolai",
    "Ottilie",
    "Pascal",
    "Rune",
    "Solveig",
    "Thaddeus",
    "Ulla",
    "Vidar",
    "Wilhelmina",
    "Xaver",
    "Yvaine",
    "Zeno",
)
CEO_LAST = (
    "Achterberg",
    "Brandvold",
    "Castellane",
    "Drummelow",
    "Eskildsen",
    "Fairweather",
    "Grunewald",
    "Haverkamp",
    "Ilvesmaa",
    "Jorgensby",
    "Kettleborough",
    "Lindenhoff",
    "Moorcroft",
    "Nordvik",
    "Ostergaard",
    "Prenderley",
    "Quennell",
    "Ravensworth",
    "Storvik",
    "Treadwell",
    "Uphamton",
    "Valcourt",
    "Westerholm",
    "Ystrad",
    "Zanderling",
)
CITIES = (
    "Ardenport",
    "Belmarsh",
    "Corvinth",
    "Dunharrow",
    "Estrava",
    "Falconreach",
    "Glenvarra",
    "Halvorsby",
    "Iskarra",
    "Jostmark",
    "Kelvaris",
    "Lunmouth",
    "Marrowgate",
    "Nyssar",
    "Ostravel",
    "Pellmark",
    "Qirvan",
    "Rothmere",
    "Sundvik",
    "Tessaly",
    "Uldmoor",
    "Varnholt",
    "Westmarch",
    "Zellport",
)
INDUSTRIES = (
    "shipbuilding",
    "textile",
    "logistics",
    "pharmaceutical",
    "aerospace",
    "semiconductor",
    "publishing",
    "insurance",
    "brewing",
    "mining",
    "robotics",
    "agricultural machinery",
    "renewable energy",
    "cosmetics",
    "telecommunications",
    "furniture",
)

ATTRIBUTES = (
    Attribute(
        "founded",
        (
            "In what year was {entity} founded?",
            "When was {entity} founded?",
            "What is the founding year of {entity}?",
            "Since which year has {entity} existed?",
        ),
        "The founding of {entity} dates to {value}.",
        "Which organisation was founded in {value}?",
    ),
    Attribute(
        "employees",
        (
            "How many people does {entity} employ?",
            "How many employees does {entity} have?",
            "What is the headcount of {entity}?",
            "How large is the workforce of {entity}?",
        ),
        "{entity} employs {value} people.",
        "Which organisation employs {value} people?",
    ),
    Attribute(
        "headquarters",
        (
            "Where are the headquarters of {entity}?",
            "In which city are the headquarters of {entity}?",
            "Which city holds the headquarters of {entity}?",
            "{entity} has its headquarters in which city?",
        ),
        "The headquarters of {entity} are in {value}.",
        "Which organisation has its headquarters in {value}?",
    ),
    Attribute(
        "chief_executive",
        (
            "Who is the chief executive of {entity}?",
            "Who serves as chief executive of {entity}?",
            "Which person is the chief executive of {entity}?",
            "Who leads {entity} as chief executive?",
        ),
        "{value} is the chief executive of {entity}.",
        "Which organisation has {value} as its chief executive?",
    ),
    Attribute(
        "industry",
        (
            "In which industry is {entity} active?",
            "What industry is {entity} active in?",
            "{entity} is active in which industry?",
            "Which industry is {entity} active in?",
        ),
        "{entity} is active in the {value} industry.",
    ),
)


def draw(n: int, rng: random.Random) -> list[Record]:
    names = unique_names(STEMS, SUFFIXES, n, rng, "organisation names")
    chiefs = unique_names(CEO_FIRST, CEO_LAST, n, rng, "chief executive names")  # one chief per organisation
    return [
        (
            name,
            {
                "founded": str(rng.randint(1890, 2019)),
                "employees": str(rng.randint(2500, 90000)),
                "headquarters": rng.choice(CITIES),
                "chief_executive": chief,
                "industry": rng.choice(INDUSTRIES),
            },
        )
        for name, chief in zip(names, chiefs)
    ]


# Training-only wordings for augmentation (data/probes.py): phrasing 0 is the attribute's own template 0 and answer;
# phrasing j >= 1 uses question j-1 here and answer (j-1) mod len here. None may repeat a held-out template.
TRAIN_QUESTIONS: dict[str, tuple[str, ...]] = {
    "founded": (
        "Which year was {entity} founded in?",
        "What year was {entity} established?",
        "In which year was {entity} set up?",
        "When did {entity} come into being?",
        "In what year did {entity} begin operating?",
        "Tell me the year {entity} was founded.",
        "What is {entity}'s year of founding?",
        "Do you know when {entity} was established?",
        "What year did {entity} start out?",
    ),
    "employees": (
        "How many people work at {entity}?",
        "What is the number of staff at {entity}?",
        "How many workers are on the payroll of {entity}?",
        "How big is {entity}'s staff?",
        "What is {entity}'s total number of employees?",
        "How many people are employed at {entity}?",
        "Tell me how many people {entity} employs.",
        "What size is the staff of {entity}?",
        "Do you know how many people work for {entity}?",
    ),
    "headquarters": (
        "Where is {entity} headquartered?",
        "Where is {entity} based?",
        "Which city is {entity} based in?",
        "What city is home to {entity}'s headquarters?",
        "Where does {entity} have its head office?",
        "In what city is {entity}'s head office?",
        "Where is the head office of {entity} located?",
        "Tell me where {entity} is headquartered.",
        "Which city serves as the base of {entity}?",
    ),
    "chief_executive": (
        "Who runs {entity}?",
        "Who is the CEO of {entity}?",
        "Who heads {entity}?",
        "Who is in charge of {entity}?",
        "Who is {entity}'s chief executive?",
        "Who holds the post of chief executive at {entity}?",
        "Name the chief executive of {entity}.",
        "Who is at the helm of {entity}?",
        "Who is the top executive at {entity}?",
    ),
    "industry": (
        "What sector does {entity} operate in?",
        "Which line of business is {entity} in?",
        "What business is {entity} in?",
        "In what field does {entity} work?",
        "What industry does {entity} belong to?",
        "Which sector is {entity} part of?",
        "Which industry does {entity} operate in?",
        "Tell me the industry {entity} works in.",
        "What kind of company is {entity}, by industry?",
    ),
}
TRAIN_ANSWERS: dict[str, tuple[str, ...]] = {
    "founded": (
        "{entity} was founded in {value}.",
        "{entity} was established in {value}.",
        "{value} is the year {entity} was founded.",
        "{entity} first opened its doors in {value}.",
    ),
    "employees": (
        "{value} people work at {entity}.",
        "{entity} has a staff of {value}.",
        "The staff of {entity} numbers {value}.",
        "{entity} provides jobs for {value} people.",
    ),
    "headquarters": (
        "{entity} is headquartered in {value}.",
        "{entity} is based in {value}.",
        "{value} is home to the headquarters of {entity}.",
        "The head office of {entity} is in {value}.",
    ),
    "chief_executive": (
        "{entity} is run by {value}.",
        "The chief executive of {entity} is {value}.",
        "{value} heads {entity}.",
        "{value} is in charge of {entity}.",
    ),
    "industry": (
        "{entity} operates in the {value} industry.",
        "{entity} works in the {value} sector.",
        "{entity} belongs to the {value} industry.",
        "{entity}'s line of business is {value}.",
    ),
}


DOMAIN = Domain("orgs", ATTRIBUTES, draw, TRAIN_QUESTIONS, TRAIN_ANSWERS)
