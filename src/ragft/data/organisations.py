"""The `orgs` domain: fictional organisations, made unlike `people` on purpose.

Other vocabulary, other sentence shapes, other attributes, so a retrieval or prompting choice
tuned on `people` can be checked here before it is trusted.
Founding years (1890-2019) and staff counts (2500-90000) never overlap.
"""

from __future__ import annotations

import random

from ragft.data.domains import Attribute, Domain, Record, unique_names

STEMS = (
    "Veltrane", "Orvexa", "Kaldris", "Brivanta", "Castrel", "Dravion", "Elvaro", "Fennix", "Galvora",
    "Hestral", "Ixora", "Jarvell", "Korvane", "Lysandre", "Mervalt", "Nortessa", "Obrecht", "Pyrelle",
    "Quintara", "Rovella", "Sylvane", "Tarquel", "Ulvane", "Virelle", "Wexmoor", "Zephra",
)
SUFFIXES = (
    "Labs", "Dynamics", "Holdings", "Collective", "Works", "Institute", "Partners", "Cooperative",
    "Group", "Foundry",
)
CEO_FIRST = (
    "Agathe", "Bertil", "Cosima", "Dagny", "Evander", "Florentin", "Greta", "Hollis", "Ines", "Joris",
    "Kasimira", "Linus", "Marit", "Nikolai", "Ottilie", "Pascal", "Rune", "Solveig", "Thaddeus", "Ulla",
    "Vidar", "Wilhelmina", "Xaver", "Yvaine", "Zeno",
)
CEO_LAST = (
    "Achterberg", "Brandvold", "Castellane", "Drummelow", "Eskildsen", "Fairweather", "Grunewald",
    "Haverkamp", "Ilvesmaa", "Jorgensby", "Kettleborough", "Lindenhoff", "Moorcroft", "Nordvik",
    "Ostergaard", "Prenderley", "Quennell", "Ravensworth", "Storvik", "Treadwell", "Uphamton", "Valcourt",
    "Westerholm", "Ystrad", "Zanderling",
)
CITIES = (
    "Ardenport", "Belmarsh", "Corvinth", "Dunharrow", "Estrava", "Falconreach", "Glenvarra", "Halvorsby",
    "Iskarra", "Jostmark", "Kelvaris", "Lunmouth", "Marrowgate", "Nyssar", "Ostravel", "Pellmark",
    "Qirvan", "Rothmere", "Sundvik", "Tessaly", "Uldmoor", "Varnholt", "Westmarch", "Zellport",
)
INDUSTRIES = (
    "shipbuilding", "textile", "logistics", "pharmaceutical", "aerospace", "semiconductor", "publishing",
    "insurance", "brewing", "mining", "robotics", "agricultural machinery", "renewable energy",
    "cosmetics", "telecommunications", "furniture",
)

ATTRIBUTES = (
    Attribute("founded",
              ("In what year was {entity} founded?", "When was {entity} founded?",
               "What is the founding year of {entity}?", "Since which year has {entity} existed?"),
              "The founding of {entity} dates to {value}.", "Which organisation was founded in {value}?"),
    Attribute("employees",
              ("How many people does {entity} employ?", "How many employees does {entity} have?",
               "What is the headcount of {entity}?", "How large is the workforce of {entity}?"),
              "{entity} employs {value} people.", "Which organisation employs {value} people?"),
    Attribute("headquarters",
              ("Where are the headquarters of {entity}?", "In which city are the headquarters of {entity}?",
               "Which city holds the headquarters of {entity}?", "{entity} has its headquarters in which city?"),
              "The headquarters of {entity} are in {value}.",
              "Which organisation has its headquarters in {value}?"),
    Attribute("chief_executive",
              ("Who is the chief executive of {entity}?", "Who serves as chief executive of {entity}?",
               "Which person is the chief executive of {entity}?", "Who leads {entity} as chief executive?"),
              "{value} is the chief executive of {entity}.",
              "Which organisation has {value} as its chief executive?"),
    Attribute("industry",
              ("In which industry is {entity} active?", "What industry is {entity} active in?",
               "{entity} is active in which industry?", "Which industry is {entity} active in?"),
              "{entity} is active in the {value} industry."),
)


def draw(n: int, rng: random.Random) -> list[Record]:
    names = unique_names(STEMS, SUFFIXES, n, rng, "organisation names")
    chiefs = unique_names(CEO_FIRST, CEO_LAST, n, rng, "chief executive names")  # one chief per organisation
    return [(name, {
        "founded": str(rng.randint(1890, 2019)),
        "employees": str(rng.randint(2500, 90000)),
        "headquarters": rng.choice(CITIES),
        "chief_executive": chief,
        "industry": rng.choice(INDUSTRIES),
    }) for name, chief in zip(names, chiefs)]


ORGS = Domain("orgs", ATTRIBUTES, draw)
