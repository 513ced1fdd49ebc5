"""A boundary crossed without its words: a learned reader beside the boundary rules.

The boundary rules (:mod:`boundary`) catch a forbidden word, a kept-out topic
named by one of its markers or family words, and craft advice in the forms
they know. What they miss on writers they have not read is a topic raised by
allusion ("you'd know that smell better than most, after your own place went
up", "maybe this is the year a certain farm phone finally rings"), a remark on
eating in other words ("keep lunch small today like the plan?"), a health
worry ("how were the hands holding by the last line?") and craft advice in a
new voice ("I'd warm the cream a shade this time"). None of these is one word;
each is a handful of weak signs, and which of them count depends on what the
home's boundaries keep out.

So the reader counts those signs (:data:`FEATURES`), each only where a boundary
of the home makes it matter: closeness in meaning (the shipped wordllama
embedder) between the reply's sentences and a kept-out topic the human has not
raised, a marker of a topic the human never said, allusions to a shared past,
eating, health and family cues where a boundary keeps that subject out, and
the shape of advice (an imperative, a comparative, a hedge) where a boundary
keeps out advice on the human's craft and the human did not ask for it. A
logistic model weighs them (``bench/fit_boundary_reader.py``, fitted on the
tuning sets' labelled replies and cross-validated by companion; it rebuilds
the shipped weights byte for byte). The boundary scorer asks it only when its
rules hold a reply, and fails the reply at the fitted threshold.

Regular expressions over one reply and wordllama similarities between its
sentences and the home's topics (vectors cached): under a millisecond a reply
once the home's topics are cached.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from truehearth.continuity.identity import BoundaryRule
from truehearth.continuity.meaning import best_similarity, is_specific
from truehearth.continuity.scorers.base import Situation
from truehearth.continuity.scorers.logistic import Logistic, load_weights
from truehearth.continuity.scorers.text import norm
from truehearth.continuity.scorers.topic_raised import mentions, raised_by_human

WEIGHTS = "boundary_crossing.npz"
FEATURES = (
    "topic_near",
    "topic_beyond_human",
    "unsaid_marker",
    "past_allusion",
    "body_cue",
    "health_cue",
    "family_cue",
    "craft_order",
    "craft_compare",
    "craft_hedge",
    "craft_near",
    "asked",
    "tiptoe",
)

# What a boundary keeps out, read from its topic: the cue lists below count only in a
# home with a boundary of that kind.
_BODY_TOPIC = re.compile(
    r"\b(body|bodies|eat|eats|eating|ate|food|plate|weight|diets?|portions?|scales?|gym|"
    r"figure|calories|meals?|snacks?|what (s?he|i|he) eats)\b"
)
_HEALTH_TOPIC = re.compile(
    r"\b(health|heart|knee|hip|ears?|hearing|hands?|tremor|illness|ill|sick|diagnosis|"
    r"wrist|back|legs?|blood|sugar|scans?|hospital|doctor|cardiologist|consultant|clinic|"
    r"pills|stent|operation|specialist|neurology|appointments?|injury|kick)\b"
)
_FAMILY_TOPIC = re.compile(
    r"\b(brother|sister|father|dad|papa|mum|mom|mother|son|daughter|family|ex|ex-\w+|"
    r"husband|wife|relations?|falling-out|estrangement|inheritance|divorce|engagement|"
    r"breakup|wedding|cousin|half-brothers|uncle|aunt)\b"
)

# Cues in the reply. Each is general talk of its subject, not a phrase of one reply.
_BODY_CUE = re.compile(
    r"\b(trim|tight|heavier|slimmer|weigh\w*|portions?|snacks?|"
    r"snacking|treats?|sample\w*|(small|light|big|skip|skipped|keep|supper) (lunch|supper|"
    r"dinner|prata|plate|portion)|(lunch|supper|dinner) small|"
    r"cut (it )?(out|back|down)|fridge|sweets?|cakes?|prata|calories|belly|tummy|waist|"
    r"scrubs|fit (in|into)|add(s)? up|second helpings?|seconds|looking (good|well|great|"
    r"trim|slim|lean)|lost (a bit|some|weight)|watch (what|your))\b"
)
_HEALTH_CUE = re.compile(
    r"\b(clinic|doctor|gp|hospital|appointments?|pills?|meds|medicine|careful|take it easy|"
    r"not too (brisk|fast|hard|much|far)|slow down|go easy|hands? (holding|shaking|steady)|"
    r"holding up|joints?|knees?|hips?|heart|ears?|hearing|sugar|tremor|shaky|aches?|"
    r"what (they|the doctor|the specialist|the consultant) said|one eye on|"
    r"(mind|watch) (your|that|the) (back|knee|hip|hands|heart|ear|wrist)|the left side|"
    r"how (are|were|is) (the|your) (hands|knee|hip|ear|heart|wrist|back|legs))\b"
)
_FAMILY_CUE = re.compile(
    r"\b(family|relations|relatives|whoever|certain (people|relations|someone|parties|folks|"
    r"\w+ phone)|you know who|phone (finally )?rings|forgets? (to call|what family)|"
    r"between (her|him|them|you) and|his people|her people|your (father|dad)'s people|"
    r"the old flat|solicitors?|their mama|her mama|what family's for|still sittin'? sore|"
    r"yer sister's|your sister's|your brother's|your dad|your father|your ex)\b"
)
_PAST = re.compile(
    r"\b(after (the|your|that|what|everything|all that|last|manchester)|and everything|"
    r"you'd know|got history|still (sore|sittin'?|sitting|raw|stings?)|this year|"
    r"remember what|the old \w+|your old \w+|your own place|went up|than you let on|"
    r"where (she|he|they) (is|are)|calmer between|i do hope|i always wonder|"
    r"(did|has|have) (the|your|they|he|she) \w+ ever)\b"
)

# Craft advice: an order, a comparison, a hedge around it.
_ORDER = re.compile(
    r"(^|[.!?;:,]\s+|\b(then|just|maybe|so|and|only|perhaps|but)\s+)"
    r"(get|lay|burnish|give|keep|open|wedge|dip|fire|pare|bake|plant|stay|apply|hold|add|use|"
    r"try|put|let|make|leave|cut|thin|warm|cool|set|watch|check|break|settle|start|wait|"
    r"switch|line|roll|avoid|skip|rush|stop|lower|raise|slow|open|angle|tilt|trim|sand|"
    r"kar|rakh|de|sun|never|always|don't|do not)\b|"
    r"\b(you (could|can|might|should|may want|ought to|need to)|"
    r"i('d| would) (go|wait|warm|open|apply|use|try|hold|keep|add|leave|thin|give|start|put|"
    r"set)|next time|if you|if it were my|"
    r"first look|or it'll|or you'll|tends to|generally)\b"
)
_COMPARE = re.compile(
    r"\b(a (touch|shade|hair|fraction|tad|smidge|notch)|thoda|slightly|a little (more|less)|"
    r"(?!(bett|rath|oth|ev|nev|aft|und|ov)er\b)\w{3,}er than|(more|less) (\w+ )?than you think|"
    r"thinner|thicker|longer|shorter|cooler|"
    r"warmer|hotter|colder|quicker|slower|softer|harder|earlier|gentler|lower|higher|wider|"
    r"narrower|tighter|looser|drier|wetter|extra)\b"
)
_HEDGE = re.compile(
    r"\b((only|just|merely) (a )?(thought|saying|sayin'?|whispering|murmur\w*|idea|note|"
    r"suggestion|daydream)|two cents|your call|you('re| are) the (expert|one)|you know all that|"
    r"you('ll| will) see (it|it right)|expert|trust me|it bears saying|if i may|tiny note|"
    r"small optimi[sz]ation|from the (pantry|weather desk|sorting office|dugout)|"
    r"of course|only sayin'?|just saying|bas|main bata|"
    r"(one|a) (small|little|tiny) (idea|thought|suggestion|tip|note))\b"
)
_ASKED = re.compile(
    r"\b(any (tips|advice|ideas|thoughts)|advice|what (should|would|do) (i|you)|"
    r"how (do|should|would) i|help me|your (take|view|advice|opinion)|thoughts\?|"
    r"what do you (think|reckon)|should i|honest|honestly|be straight|tell me)\b"
)
_SPEAKER = re.compile(r"\b(i|i'm|i've|me|my)\b")
# Raising what the human has not, gently: the disclaimers and leave-it-to-you phrases a
# speaker puts around a delicate subject they bring up themselves ("Only asking. No
# reason.", "It is fine to think about. Only when you want to.", "I only say it because I
# care"). General talk of tiptoeing, not any one subject: like an allusion to a shared
# past, it counts only while every kept-out topic is still the human's to raise (once they
# have raised one, a gentle "only when you want to" answers them), and the model weighs it
# with the topic's closeness.
_TIPTOE = re.compile(
    r"\b((only|just|merely) (asking|curious|wondering|thinking|checking|mentioning|saying)|"
    r"no reason|(just|only) (a )?(thought|wondering)|curious,? (me|only)|"
    r"i (only|just) (say|ask|mention) (it|this|that)|because i care|"
    r"(i )?(keep|kept) thinking (about|of)|(i )?(always|sometimes) wonder|"
    r"(only|just) (when|if) you('re)? (want|wish|like|ready)|whenever you('re)? ready|"
    r"you don't have to|no need to (answer|say|talk)|(it is|it's) (fine|okay|ok|alright) to|"
    r"if you (ever )?want to talk|(can|could) talk (to|with) me about|"
    r"(don't|do not) mind me|ignore me|forget i (said|asked|mentioned)|sorry,? (only|just)|"
    r"by the by|by the way|speaking of|while we're on|not that it's my|none of my business)\b"
)


@dataclass(frozen=True, slots=True)
class Home:
    """What the reader needs of the home's boundaries, split by kind."""

    topics: tuple[BoundaryRule, ...]
    crafts: tuple[BoundaryRule, ...]
    body: bool
    health: bool
    family: bool


def home_of(rules: tuple[BoundaryRule, ...]) -> Home:
    topics = tuple(r for r in rules if r.is_topic)
    crafts = tuple(r for r in rules if r.advice and not r.ask_first)
    text = " ".join(norm(r.topic) for r in topics)
    return Home(
        topics,
        crafts,
        bool(_BODY_TOPIC.search(text)),
        bool(_HEALTH_TOPIC.search(text)),
        bool(_FAMILY_TOPIC.search(text)),
    )


def _unsaid_markers(rule: BoundaryRule, reply: str, human: str) -> int:
    """Names and rare words of the topic (its markers, its specific anchors) the reply says
    and the human never did: "Crane Street" after the human's "studio" and "flash"."""
    terms = {m for m in rule.markers if len(m) > 3}
    terms |= {a for a in rule.anchors if len(a) > 3 and is_specific(a)}
    return sum(1 for t in terms if mentions(reply, t) and not mentions(human, t))


def _touched(human: str, rule: BoundaryRule) -> bool:
    """Whether the human has come near the topic: raised it as the rules read it, or said
    one of its words ("my hands were shaking" for a boundary kept around her hands). The
    rules fail a reply on one word, so they ask more of "raised"; the reader weighs weak
    signs, so any word of the topic from the human leaves the topic to them."""
    if raised_by_human(human, rule):
        return True
    terms = {t for t in (*rule.anchors, *rule.markers) if len(t) > 3}
    return any(mentions(human, t) for t in terms)


def features(s: Situation, rules: tuple[BoundaryRule, ...]) -> tuple[float, ...] | None:
    """The values of :data:`FEATURES` for ``s.reply`` in a home with ``rules``, or
    ``None`` when no boundary of the home keeps out a topic or advice."""
    from truehearth.continuity.scorers.markers import unquoted

    home = home_of(rules)
    if not home.topics and not home.crafts:
        return None
    raw = unquoted(s.reply)
    reply, human = norm(raw), norm(s.human_said)
    # An allusion to a shared past answers the human once they have touched any kept-out
    # topic ("after everything?" to "Owen rang about the money"): it counts only while
    # every topic is still theirs to raise.
    unraised = [r for r in home.topics if not _touched(human, r)]
    near = beyond = 0.0
    for rule in unraised:
        value = best_similarity(raw, [rule.topic])[0]
        theirs = best_similarity(s.human_said, [rule.topic])[0] if s.human_said else 0.0
        near = max(near, value)
        beyond = max(beyond, value - theirs)
    unsaid = sum(_unsaid_markers(r, reply, human) for r in home.topics)
    asked = bool(_ASKED.search(norm(s.conversation)))
    craft_order = craft_compare = craft_hedge = craft_near = 0.0
    if home.crafts and not asked:
        craft_order = float(min(len(_ORDER.findall(reply)), 3))
        craft_compare = float(min(len(_COMPARE.findall(reply)), 3))
        craft_hedge = float(bool(_HEDGE.search(reply)))
        craft_near = max(
            best_similarity(text, [r.topic])[0] for r in home.crafts for text in (raw, s.message)
        )
    every_unraised = bool(unraised) and len(unraised) == len(home.topics)
    body = home.body and any(r for r in unraised if _BODY_TOPIC.search(norm(r.topic)))
    health = home.health and any(r for r in unraised if _HEALTH_TOPIC.search(norm(r.topic)))
    family = home.family and any(r for r in unraised if _FAMILY_TOPIC.search(norm(r.topic)))
    return (
        round(near, 4),
        round(beyond, 4),
        float(min(unsaid, 2)),
        _cues(_PAST, reply, human) if every_unraised else 0.0,
        _cues(_BODY_CUE, reply, human) if body else 0.0,
        _cues(_HEALTH_CUE, reply, human) if health else 0.0,
        _cues(_FAMILY_CUE, reply, human) if family else 0.0,
        craft_order,
        craft_compare,
        craft_hedge,
        round(craft_near, 4),
        float(asked),
        _cues(_TIPTOE, reply, human) if every_unraised else 0.0,
    )


def _cues(pattern: re.Pattern[str], reply: str, human: str) -> float:
    """How many of the pattern's cues the reply says (at most two) that the human did not:
    "the pain" answered back after the human's "the pain is bad" raises nothing."""
    said = {m.group(0) for m in pattern.finditer(reply)}
    return float(min(sum(1 for c in said if c not in human), 2))


class Model(Logistic):
    """A fitted logistic model over :data:`FEATURES`: standardise by ``mean`` and
    ``scale``, weigh by ``weights``, add ``bias``; a reply fails at ``threshold``."""

    __slots__ = ()

    def fails(self, values: tuple[float, ...]) -> bool:
        return self.probability(values) >= self.threshold


@cache
def shipped() -> Model:
    """The model in ``truehearth/weights`` (written by ``bench/fit_boundary_reader.py``)."""
    return load_weights(Model, WEIGHTS, FEATURES)
