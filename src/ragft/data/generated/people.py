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


# Training-only wordings for augmentation (data/probes.py): phrasing 0 is the attribute's own template 0 and answer;
# phrasing j >= 1 uses question j-1 here and answer (j-1) mod len here. None may repeat a held-out template.
TRAIN_QUESTIONS: dict[str, tuple[str, ...]] = {
    "birth_year": (
        "Which year was {entity} born in?", "What year was {entity} born?",
        "Do you know the year {entity} was born?", "Can you tell me the year of {entity}'s birth?",
        "What was the year of {entity}'s birth?", "In which year did {entity} come into the world?",
        "Tell me the year {entity} was born.", "What is {entity}'s year of birth?",
        "Remind me, what year was {entity} born in?"),
    "birthplace": (
        "Where was {entity} born?", "Which town is {entity}'s birthplace?",
        "What is {entity}'s place of birth?", "What is the name of the town where {entity} was born?",
        "In what town did {entity} come into the world?", "Tell me the town where {entity} was born.",
        "Name the town of {entity}'s birth.", "Do you know where {entity} was born?",
        "What town is the birthplace of {entity}?"),
    "employer": (
        "Which company does {entity} work for?", "Where does {entity} work?", "Who employs {entity}?",
        "What company employs {entity}?", "Which firm does {entity} work at?",
        "Who is {entity}'s employer?", "What is the name of {entity}'s employer?",
        "For which company does {entity} work?", "Tell me which company {entity} works for."),
    "trade": (
        "What does {entity} do for a living?", "What is {entity}'s occupation?",
        "What does {entity} work as?", "Which occupation does {entity} have?",
        "What is {entity}'s line of work?", "What kind of work does {entity} do?",
        "What is the profession of {entity}?", "What job does {entity} have?",
        "Tell me what {entity} does for work."),
    "height_cm": (
        "How tall is {entity}?", "What is {entity}'s height in centimetres?",
        "How tall is {entity}, measured in cm?", "What height does {entity} stand at, in centimetres?",
        "What is {entity}'s height?", "Tell me how tall {entity} is in centimetres.",
        "What does {entity} measure in height, in cm?", "Do you know how tall {entity} is?",
        "How much does {entity} measure from head to toe, in centimetres?"),
}
TRAIN_ANSWERS: dict[str, tuple[str, ...]] = {
    "birth_year": ("{entity} was born in the year {value}.", "{entity}'s year of birth is {value}.",
                   "{value} is the year {entity} was born.", "{entity} came into the world in {value}."),
    "birthplace": ("{entity}'s birthplace is {value}.", "{entity} was born in {value}.",
                   "{value} is the town where {entity} was born.", "The town {entity} was born in is {value}."),
    "employer": ("{entity} works for {value}.", "{entity}'s employer is {value}.",
                 "{value} employs {entity}.", "{entity} is on the staff of {value}."),
    "trade": ("{entity} works as a {value}.", "By trade, {entity} is a {value}.",
              "{entity} earns a living as a {value}.", "{entity}'s trade is that of a {value}."),
    "height_cm": ("{entity} has a height of {value} cm.", "{entity} stands {value} cm tall.",
                  "{entity}'s height is {value} cm.", "{entity} measures {value} cm in height."),
}


DOMAIN = Domain("people", ATTRIBUTES, draw, TRAIN_QUESTIONS, TRAIN_ANSWERS)
