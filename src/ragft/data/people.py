"""The `people` domain: fictional people, five facts each (birth year, birthplace, employer, trade, height).

Every name, town and company is invented. Heights (152-198) and years (1931-2004) never overlap,
so an answer that gives one attribute's value for another is caught as wrong.
"""

from __future__ import annotations

import random

from ragft.data.domains import Attribute, Domain, Record, unique_names

FIRST = (
    "Mara", "Tobin", "Ilse", "Corwin", "Annika", "Dorian", "Feodora", "Halvard", "Isolde", "Jarek",
    "Katrin", "Leopold", "Mirela", "Nils", "Odette", "Perrin", "Quill", "Rosalind", "Sten", "Tamsin",
    "Ulric", "Verena", "Wendell", "Ysolde", "Zora", "Aurel", "Brenna", "Casimir", "Delphine", "Emrys",
    "Fenna", "Gideon", "Hedda", "Ivo", "Junia", "Lorcan", "Maelis", "Oskar", "Petra", "Roswitha",
)
LAST = (
    "Olsen", "Ardwell", "Brackenridge", "Corvane", "Dunmere", "Elsworth", "Falkenrath", "Garrowby",
    "Halloran", "Ibbotsen", "Jessop", "Kestrel", "Lindqvar", "Marrowby", "Nettlefield", "Oakhurst",
    "Pellinore", "Quarrington", "Rothwick", "Sallowby", "Thistlewood", "Umberley", "Vantongeren",
    "Whitcombe", "Yarrowby", "Zeller", "Ashdown", "Birchall", "Cresswell", "Dunstable", "Eckhart",
    "Fairclough", "Gillingham", "Hartnell", "Ingleby", "Kirkwood", "Lockridge", "Mabberley", "Penhallow",
    "Rushworth",
)
TOWNS = (
    "Brackwater", "Elderford", "Millhaven", "Coldbrook", "Ashcombe", "Wrenfield", "Dunmarsh", "Fernhollow",
    "Greywick", "Kettlebridge", "Larkmoor", "Mossbury", "Nettlecombe", "Pebbleton", "Quarrystone",
    "Redwater", "Saltmere", "Tillingford", "Underhill", "Vellmouth", "Willowmere", "Yarnbury", "Zelmarsh",
    "Amberlow", "Birchcombe", "Cindervale", "Dovecliff", "Eastwold", "Foxbridge", "Gorsefield",
    "Hollinsby", "Ivydale", "Kilnworth", "Lowmarsh", "Merrowdale", "Northwick", "Orchardly", "Pinecrest",
    "Rookhampton", "Stonyfold", "Thornwell", "Valewick",
)
EMPLOYERS = (
    "Quillon Systems", "Brightmoor Textiles", "Veskar Freight", "Lumenreach Optics", "Tallowfield Foods",
    "Orrin & Blake", "Cobaltine Software", "Harlow Vance Insurance", "Dunmore Glassworks", "Pellucid Audio",
    "Granitehall Construction", "Saffronway Hotels", "Ironvale Motors", "Nimbrel Pharmaceuticals",
    "Copperleaf Publishing", "Westerling Bank", "Halcyra Energy", "Marlspike Shipping", "Fennimore Toys",
    "Greystarke Security", "Juniperline Rail", "Obsidia Mining", "Pallister Furniture", "Rivenwood Paper",
    "Sorrelbrook Dairy", "Tessellate Design", "Umbravox Telecom", "Verdigris Chemicals",
    "Wickerham Breweries", "Zephyrine Airlines", "Ambergate Clinics", "Bramblecote Bakeries",
    "Calderwick Robotics", "Driftmark Logistics",
)
# Each starts with a consonant sound, so "a {value}" reads right.
TRADES = (
    "baker", "beekeeper", "bookbinder", "carpenter", "cartographer", "clockmaker", "dentist",
    "ferry pilot", "glassblower", "gardener", "joiner", "librarian", "locksmith", "stonemason", "midwife",
    "nurse", "potter", "pharmacist", "radio operator", "saddler", "surveyor", "tailor", "translator",
    "veterinarian", "weaver", "zoologist", "lighthouse keeper", "machinist", "printer", "falconer",
)

ATTRIBUTES = (
    Attribute("birth_year",
              ("In what year was {entity} born?", "When was {entity} born?",
               "What is the birth year of {entity}?", "{entity} was born in which year?"),
              "{entity} was born in {value}.", "Who was born in the year {value}?"),
    Attribute("birthplace",
              ("In which town was {entity} born?", "What town was {entity} born in?",
               "{entity} was born in which town?", "Which town is the one {entity} was born in?"),
              "{entity} was born in the town of {value}.", "Who was born in the town of {value}?"),
    Attribute("employer",
              ("Which company is {entity} employed by?", "By which company is {entity} employed?",
               "Who is {entity} employed by?", "{entity} is employed by which firm?"),
              "{entity} is employed by {value}.", "Who is employed by {value}?"),
    Attribute("trade",
              ("What is {entity}'s trade?", "What trade does {entity} practise?",
               "By trade, what is {entity}?", "Which trade does {entity} follow?"),
              "{entity} is a {value} by trade.", "Who is a {value} by trade?"),
    Attribute("height_cm",
              ("How tall is {entity} in centimetres?", "What is the height of {entity} in cm?",
               "How many centimetres tall is {entity}?", "What height is {entity}, in centimetres?"),
              "{entity} is {value} cm tall.", "Who is {value} cm tall?"),
)


def draw(n: int, rng: random.Random) -> list[Record]:
    names = unique_names(FIRST, LAST, n, rng, "people names")
    return [(name, {
        "birth_year": str(rng.randint(1931, 2004)),
        "birthplace": rng.choice(TOWNS),
        "employer": rng.choice(EMPLOYERS),
        "trade": rng.choice(TRADES),
        "height_cm": str(rng.randint(152, 198)),
    }) for name in names]


PEOPLE = Domain("people", ATTRIBUTES, draw)
