"""A generator of long, multi-session companion conversations with planted facts.

Deterministic for a seed. Each conversation has ``sessions`` sessions of
``turns`` turns (human and companion alternating), mostly everyday filler on
many topics, with distractors that reuse the words of the planted facts. The
planted facts come in three kinds:

* stable facts (a sister's name, an allergy, a favourite dish...);
* changing facts (the city and the employer change in later sessions: the
  question about "now" has the newest statement as its evidence);
* dated events (what happened in a given session; asked "when did...").

Every question names the ids of its evidence turns. Questions come in two
forms: *literal* (reusing the words of the evidence) and *paraphrased*
(sharing at most one content word stem with the evidence, checked here and
reported as measured overlap, so the benchmark cannot be passed by keywords).
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

NAMES = [
    "Maya",
    "Priya",
    "Lena",
    "Sofia",
    "Hannah",
    "Zoe",
    "Ines",
    "Clara",
    "Nora",
    "Elif",
    "Aiko",
    "Rosa",
    "Tomas",
    "Marek",
    "Idris",
    "Jonas",
    "Rafael",
    "Kenji",
    "Omar",
    "Felix",
    "Arjun",
    "Mateo",
    "Leon",
    "Bruno",
    "Yusuf",
    "Niko",
    "Emil",
    "Oskar",
    "Hugo",
    "Vera",
    "Lucia",
    "Mira",
]
CITIES = [
    "Porto",
    "Lisbon",
    "Leipzig",
    "Ghent",
    "Bologna",
    "Krakow",
    "Utrecht",
    "Valencia",
    "Tallinn",
    "Bergen",
    "Lyon",
]
COMPANIES = [
    "Acme",
    "Northwind",
    "Globex",
    "Initech",
    "Hooli",
    "Vandelay",
    "Umbrella",
    "Stark",
    "Wayne",
    "Tyrell",
]
ROLES = ["designer", "data analyst", "nurse", "teacher", "sales lead", "carpenter", "translator"]

STOP = frozenset(
    [
        "a",
        "about",
        "after",
        "again",
        "all",
        "am",
        "an",
        "and",
        "any",
        "are",
        "as",
        "at",
        "be",
        "been",
        "before",
        "being",
        "but",
        "by",
        "can",
        "could",
        "did",
        "do",
        "does",
        "for",
        "from",
        "had",
        "has",
        "have",
        "he",
        "her",
        "his",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "just",
        "me",
        "my",
        "of",
        "on",
        "or",
        "our",
        "she",
        "so",
        "than",
        "that",
        "the",
        "their",
        "them",
        "then",
        "there",
        "they",
        "this",
        "to",
        "too",
        "up",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "who",
        "why",
        "will",
        "with",
        "would",
        "you",
        "your",
        "i'm",
        "i've",
        "don't",
        "now",
        "these",
        "days",
        "currently",
        "at",
        "moment",
    ]
)


def stems(text: str) -> set[str]:
    """Crude stems of content words, for measuring lexical overlap honestly."""
    out = set()
    for w in re.findall(r"[a-z]+", text.lower()):
        if w in STOP or len(w) < 3:
            continue
        stem = w
        for suffix in ("ing", "ed", "es", "s", "ly"):
            if w.endswith(suffix) and len(w) - len(suffix) >= 3:
                stem = w[: -len(suffix)]
                break
        out.add(stem)
    return out


@dataclass(frozen=True)
class Turn:
    id: str
    session: str
    index: int
    speaker: str  # "human" or "companion"
    text: str
    date: str


@dataclass(frozen=True)
class Question:
    text: str
    evidence: tuple[str, ...]
    paraphrased: bool
    kind: str  # "fact", "change", "event", "answer"
    overlap: int  # content-word stems shared with the evidence text


@dataclass(frozen=True)
class FactKind:
    key: str
    statements: tuple[str, ...]
    literal: str
    paraphrases: tuple[str, ...]
    values: tuple[str, ...] = ()


def _k(
    key: str, statements: list[str], literal: str, paraphrases: list[str], values: str = ""
) -> FactKind:
    vals = tuple(v.strip() for v in values.split("|")) if values else ()
    return FactKind(key, tuple(statements), literal, tuple(paraphrases), vals)


STABLE = [
    _k(
        "sister",
        [
            "My sister's name is {v}, she's two years older than me.",
            "{v} is my sister, she always steals my hoodies.",
        ],
        "What is my sister's name?",
        [
            "Who is the female sibling I grew up with?",
            "Which girl did my parents raise alongside me?",
        ],
    ),
    _k(
        "brother",
        ["My brother {v} just became a dad.", "{v} is my younger brother, he lives abroad."],
        "What is my brother's name?",
        ["Who is the male sibling in my family?"],
    ),
    _k(
        "dog",
        [
            "We adopted a beagle puppy and named him {v}.",
            "Our dog {v} chewed through my shoes again.",
        ],
        "What is my dog's name?",
        [
            "What do we call our four-legged companion?",
            "Which pet did we bring home, and what is it called?",
        ],
    ),
    _k(
        "allergy",
        [
            "I'm allergic to {v}, so I have to check every menu.",
            "I broke out in hives again because of {v}, my allergy is getting worse.",
        ],
        "What am I allergic to?",
        [
            "Which food must stay off my plate for medical reasons?",
            "What triggers a bad reaction in my body?",
        ],
        "peanuts|shellfish|strawberries|sesame|kiwi",
    ),
    _k(
        "instrument",
        [
            "I've been learning to play the {v}, my fingers hurt.",
            "Practiced the {v} for an hour tonight, scales are so boring.",
        ],
        "What instrument am I learning to play?",
        ["Which musical hobby did I pick up?"],
        "cello|ukulele|violin|banjo|saxophone",
    ),
    _k(
        "dish",
        ["My favourite dish is {v}, I could eat it every day."],
        "What is my favourite dish?",
        ["Which meal do I love most?", "What could I eat daily without getting tired of it?"],
        "mushroom risotto|chicken curry|pad thai|lasagna|ramen",
    ),
    _k(
        "birthday",
        ["My birthday is on {v}, don't you dare forget!"],
        "When is my birthday?",
        ["On what date do I turn a year older?"],
        "March 14|July 2|October 21|January 9|May 30",
    ),
    _k(
        "fear",
        ["I'm terrified of {v}, I can't even look at pictures."],
        "What am I terrified of?",
        ["Which thing scares me most?", "What is my biggest phobia?"],
        "spiders|deep water|heights|snakes|thunderstorms",
    ),
    _k(
        "car",
        ["I drive an old {v} that keeps breaking down."],
        "What car do I drive?",
        ["Which vehicle do I own?"],
        "Volvo estate|Fiat Panda|Honda Civic|Ford Fiesta|Skoda Octavia",
    ),
    _k(
        "partner",
        ["My partner {v} works night shifts at the hospital."],
        "What is my partner's name?",
        ["Who am I in a relationship with?", "Who is my significant other?"],
    ),
    _k(
        "medication",
        ["The doctor put me on {v} for my blood pressure."],
        "What did the doctor put me on for my blood pressure?",
        ["Which pills am I taking for my heart health?"],
        "lisinopril|amlodipine|losartan",
    ),
    _k(
        "book",
        ["I just finished reading {v}, what an ending."],
        "Which book did I just finish reading?",
        ["What novel did I complete recently?"],
        "Middlemarch|The Left Hand of Darkness|Piranesi|Beloved|Dune",
    ),
    _k(
        "friend",
        ["My best friend {v} is coming to visit next month."],
        "What is my best friend's name?",
        ["Who is the person closest to me outside my family?"],
    ),
    _k(
        "sport",
        ["I joined a {v} club, training is on Tuesdays."],
        "Which club did I join?",
        ["What team activity do I do each week?"],
        "rowing|climbing|volleyball|fencing|badminton",
    ),
    _k(
        "language",
        ["I'm studying {v} with an app every morning."],
        "Which language am I studying?",
        ["What foreign tongue am I practicing?"],
        "Japanese|Portuguese|Turkish|Korean|Finnish",
    ),
]

CHANGING = {
    "city": (
        [
            "We finally moved to {v}, the apartment is tiny but bright.",
            "I live in {v} now and the commute is way shorter.",
        ],
        "Which city do I live in now?",
        ["Where is home for me currently?", "What town am I based in these days?"],
        "Which city did I live in before {v}?",
        ["Where was home for me prior to {v}?"],
    ),
    "job": (
        ["I started a new job at {v} as a {role}.", "First week at {v} done, my new team is nice."],
        "Where do I work now?",
        ["Who employs me these days?", "Which company pays my salary currently?"],
        "Where did I work before {v}?",
        ["Which employer did I have prior to {v}?"],
    ),
}

EVENTS = [
    (
        "This morning I ran my first half marathon in two hours and ten minutes.",
        "When did I run my first half marathon?",
        "On what day did I finish that long race?",
    ),
    (
        "Today I passed my driving test on the second try.",
        "When did I pass my driving test?",
        "When did I get permission to be on the road behind the wheel?",
    ),
    (
        "I got promoted to team lead this afternoon.",
        "When did I get promoted to team lead?",
        "When did I move up at the office?",
    ),
    (
        "We celebrated our tenth anniversary at a little Italian place tonight.",
        "When did we celebrate our tenth anniversary?",
        "When did we mark a decade together?",
    ),
    (
        "I had my wisdom teeth removed this morning and my face is swollen.",
        "When did I have my wisdom teeth removed?",
        "When was my dental surgery?",
    ),
    (
        "My grandmother turned ninety today and the whole family came.",
        "When did my grandmother turn ninety?",
        "When was grandma's big milestone party?",
    ),
    (
        "I finally quit smoking today, day one.",
        "When did I quit smoking?",
        "Since when have I stopped with cigarettes?",
    ),
    (
        "We got the keys to the new flat today.",
        "When did we get the keys to the new flat?",
        "When did we take over our new home?",
    ),
    (
        "I defended my thesis this morning and they said yes.",
        "When did I defend my thesis?",
        "When did I earn my doctorate?",
    ),
    (
        "I broke my wrist falling off my bike today.",
        "When did I break my wrist?",
        "When did I injure my arm in that cycling accident?",
    ),
]

# Facts given as a short answer to the companion's question: the answer turn
# alone ("Oskar! After my grandpa.") says little; its meaning is in the turn before.
QA = [
    (
        "What did you end up naming the puppy?",
        "{v}! After my grandpa.",
        "What did I end up naming the puppy?",
        "What is our young dog called?",
    ),
    (
        "What's your therapist called again?",
        "{v}. She's really patient with me.",
        "What is my therapist called?",
        "Who is the counsellor I see for my mental health?",
    ),
    (
        "Which band was it that you saw on Friday?",
        "{v}, they were incredible live.",
        "Which band did I see on Friday?",
        "What music group gave that concert I loved?",
    ),
    (
        "So where are you two going for the honeymoon?",
        "{v}! We booked it last night.",
        "Where are we going for the honeymoon?",
        "Which destination did we choose for the trip after the wedding?",
    ),
    (
        "What was the name of the bakery you liked?",
        "{v}, the one with the blue door.",
        "What was the name of the bakery I liked?",
        "Where do I buy my favourite bread and pastries?",
    ),
]
QA_VALUES = {
    0: NAMES,
    1: NAMES,
    2: ["Low Tide", "Mild Orange", "The Paper Kites", "Glass Animals"],
    3: ["Crete", "Madeira", "Sicily", "the Azores", "Iceland"],
    4: ["Pane Nostro", "Flour Hour", "Crumb Street", "Little Loaf"],
}

TOPICS = {
    "weather": [
        "it rained all day",
        "the sun finally came out",
        "it's freezing outside",
        "the wind knocked over our bins",
    ],
    "food": [
        "I made soup from leftovers",
        "we ordered pizza again",
        "I burned the toast",
        "I tried a new bakery",
    ],
    "work": [
        "the meeting ran over",
        "my inbox is a disaster",
        "the printer jammed twice",
        "a client yelled at me",
    ],
    "tv": [
        "we binged a crime show",
        "the finale was disappointing",
        "I fell asleep during a documentary",
    ],
    "mood": [
        "I feel a bit flat",
        "I'm weirdly energetic",
        "I'm tired but happy",
        "my head is foggy",
    ],
    "errands": ["I went to the post office", "the supermarket was packed", "I returned a parcel"],
    "garden": ["the tomatoes are finally red", "slugs ate my lettuce", "I repotted the basil"],
    "people": [
        "my coworker's dog barked all through the call",
        "a neighbour's sister borrowed our ladder",
        "my friend's partner got a new car",
        "someone at the gym talked about allergies",
        "the company next door is hiring",
        "the city is putting up new bike lanes",
        "my cousin keeps sending me books",
        "a colleague moved to another town",
    ],
    "music": [
        "I listened to old jazz records",
        "a street musician played violin by the station",
        "I found a great playlist for running",
    ],
}
OPENERS = [
    "Honestly,",
    "So,",
    "Ugh,",
    "Guess what,",
    "Anyway,",
    "Today",
    "Yesterday",
    "This week",
    "Well,",
    "",
]
CLOSERS = [
    "",
    " Not much else to report.",
    " How was your day?",
    " It was fine I guess.",
    " I keep thinking about it.",
    " Whatever.",
    " Kind of funny actually.",
]
REPLIES = [
    "That sounds like a lot. How are you feeling about it?",
    "I'm glad you told me. What happened next?",
    "Oh no. Do you want to talk it through?",
    "Ha, that made me smile.",
    "Noted. Anything else on your mind tonight?",
    "I hear you. Small days count too.",
    "That's lovely. Tell me more?",
    "Mm. Do you think it will get better this week?",
]


@dataclass
class Conversation:
    turns: list[Turn] = field(default_factory=list)
    questions: list[Question] = field(default_factory=list)


def _filler(rng: random.Random) -> str:
    topic = rng.choice(list(TOPICS))
    first = rng.choice(TOPICS[topic])
    opener = rng.choice(OPENERS)
    text = f"{opener} {first}." if opener else f"{first[0].upper()}{first[1:]}."
    if rng.random() < 0.4:
        text += f" Also {rng.choice(TOPICS[rng.choice(list(TOPICS))])}."
    return (text + rng.choice(CLOSERS)).strip()


def _question(
    text: str, evidence: list[Turn], paraphrased: bool, kind: str, context: Sequence[Turn] = ()
) -> Question:
    """A question; overlap counts shared stems with the evidence and its context turns."""
    shared = stems(text) & set().union(*(stems(t.text) for t in [*evidence, *context]))
    return Question(text, tuple(t.id for t in evidence), paraphrased, kind, len(shared))


def generate(
    sessions: int = 30, turns: int = 500, seed: int = 7, prefix: str = "s"
) -> Conversation:
    """One conversation: ``sessions`` x ``turns`` turns with planted facts and questions."""
    rng = random.Random(seed)
    conv = Conversation()
    names = rng.sample(NAMES, len(NAMES))
    start = date(2025, 1, 4)
    # Where each planted statement goes: (session, slot) -> statement builder.
    plan: dict[tuple[int, int], tuple[str, str, str, str]] = {}

    def free_slot(session: int) -> int:
        while True:
            slot = rng.randrange(2, turns - 2, 2)  # human turns are even
            if (session, slot) not in plan:
                return slot

    for i, kind in enumerate(STABLE):
        value = kind.values[rng.randrange(len(kind.values))] if kind.values else names[i]
        session = rng.randrange(sessions)
        plan[(session, free_slot(session))] = (
            "fact",
            kind.key,
            rng.choice(kind.statements).format(v=value),
            "",
        )
    for key in CHANGING:
        pool = CITIES if key == "city" else COMPANIES
        values = rng.sample(pool, 3)
        moments = sorted(rng.sample(range(sessions), 3))
        statements = CHANGING[key][0]
        for order, (value, session) in enumerate(zip(values, moments, strict=True)):
            text = rng.choice(statements).format(v=value, role=rng.choice(ROLES))
            plan[(session, free_slot(session))] = ("change", key, text, f"{order}:{value}")
    for event in rng.sample(EVENTS, len(EVENTS)):
        session = rng.randrange(sessions)
        plan[(session, free_slot(session))] = ("event", event[0], event[0], "")

    for i, (ask, answer, _lit, _para) in enumerate(QA):
        session = rng.randrange(sessions)
        slot = free_slot(session)
        while (session, slot - 1) in plan:
            slot = free_slot(session)
        value = rng.choice(QA_VALUES[i][len(STABLE) :] if i < 2 else QA_VALUES[i])
        plan[(session, slot - 1)] = ("qa-ask", str(i), ask, "")
        plan[(session, slot)] = ("qa", str(i), answer.format(v=value), "")

    placed: dict[str, list[tuple[Turn, str]]] = {}
    for s in range(sessions):
        day = (start + timedelta(days=9 * s + rng.randrange(0, 4))).isoformat()
        sid = f"{prefix}{s:03d}"
        for t in range(turns):
            planted = plan.get((s, t))
            filler = _filler(rng) if t % 2 == 0 else rng.choice(REPLIES)
            text = planted[2] if planted else filler
            turn = Turn(f"{sid}:{t}", sid, t, "human" if t % 2 == 0 else "companion", text, day)
            conv.turns.append(turn)
            if (s, t) in plan:
                what, key, _text, extra = plan[(s, t)]
                placed.setdefault(f"{what}:{key}", []).append((turn, extra))

    for kind in STABLE:
        turn = placed[f"fact:{kind.key}"][0][0]
        conv.questions.append(_question(kind.literal, [turn], False, "fact"))
        conv.questions.extend(_question(p, [turn], True, "fact") for p in kind.paraphrases)
    for key, (_st, now_lit, now_para, before_lit, before_para) in CHANGING.items():
        steps = sorted(placed[f"change:{key}"], key=lambda p: int(p[1].split(":")[0]))
        latest, prev = steps[-1], steps[-2]
        latest_value = latest[1].split(":", 1)[1]
        conv.questions.append(_question(now_lit, [latest[0]], False, "change"))
        conv.questions.extend(_question(p, [latest[0]], True, "change") for p in now_para)
        conv.questions.append(
            _question(before_lit.format(v=latest_value), [prev[0]], False, "change")
        )
        conv.questions.extend(
            _question(p.format(v=latest_value), [prev[0]], True, "change") for p in before_para
        )
    for statement, literal, para in EVENTS:
        turn = placed[f"event:{statement}"][0][0]
        conv.questions.append(_question(literal, [turn], False, "event"))
        conv.questions.append(_question(para, [turn], True, "event"))
    for i, (_ask, _answer, literal, para) in enumerate(QA):
        turn = placed[f"qa:{i}"][0][0]
        asked = placed[f"qa-ask:{i}"][0][0]
        conv.questions.append(_question(literal, [turn], False, "answer", [asked]))
        conv.questions.append(_question(para, [turn], True, "answer", [asked]))
    return conv
