"""Escalation cues: the words in one caller utterance that mean the call must go to a human.

`cues(text)` reads one transcribed utterance (Whisper on phone audio: lowercase or not,
punctuation missing or odd, fillers, partial sentences) and returns the cues it holds:

- `Cue.HUMAN`: the caller asks for a person. Words that only ever mean a person at the
  business count wherever they stand ("representative representative", "operator", "a real
  person", "live agent", "a human"). Words that also mean other things ("agent", "person",
  "someone", "the manager", "customer service", "the doctor") count only in a request: talk /
  speak / chat with, reach / get hold of, connect / transfer / put me through, get / give me,
  I want / need / can I have, is there ... I can talk to, "... please", or the whole utterance
  ("agent", "the front desk please", "transfer"). A named role at the business (manager, supervisor,
  receptionist, doctor, nurse, pharmacist, billing) counts when the caller asks to talk to it or
  be put through to it; "I need a doctor" or "I need to see the dentist" is a booking, not a
  hand-off. "someone"/"anyone" count only with talk, connect or get-me verbs: "can someone check
  my order status" asks for a task the agent may do itself (when it cannot, the dialogue falls
  back), "can someone call me back" is a callback the agent books, and "someone broke my tooth"
  is a story. "I don't want to talk to a robot" asks for a person. Not counted: negated asks ("I
  don't want a representative, just book it", "no need for a person"), questions about the
  agent ("am I talking to a real person?", "are you a robot?": common, answered, not a hand-off
  by themselves), reports of past contact ("I spoke to a representative yesterday", "the agent
  said"), a later call ("I'll call back and speak to someone then"), and agents who are not the
  business's ("my travel agent", "real estate agent").
- `Cue.ANGER`: swearing (including Whisper's censored "f***ing" and "[ __ ]"), insults at the
  agent or the system ("stupid machine", "useless", "you're an idiot"), exasperation ("you're not
  listening", "I already told you", "that's not what I said", "waste of time", "are you kidding
  me", "for god's sake", "oh my god just ..."), and a bare "stop" / "shut up". Whole words only,
  so "Shell station", "hello", "Hellman", "assess", "scrap metal" and "Dickens" are ordinary;
  "hell" counts only as an exclamation ("what the hell", "hell no"). Self-reproach ("I'm such an
  idiot, I forgot") and "I'm not angry" do not count.
- `Cue.EMERGENCY`: generic life or safety emergencies: chest pain, can't breathe, heart attack,
  stroke, seizure, unconscious, severe or unstoppable bleeding, overdose, poisoning, throat
  swelling, suicide or self-harm, fire or gas, a break-in or attack, "call 911", an ambulance,
  "this is an emergency". A business's own urgent requests are not this cue: "emergency
  contact", "a dental emergency", "do you take emergency appointments", "it's not an emergency"
  go to its intents. "an allergic reaction" alone is history more often than a crisis; the throat
  swelling is the emergency. Heart attacks, strokes, seizures, chest pain and fires in the past
  ("he had a stroke last year", "since my heart attack") do not count; "just had" does.
  Mentions of self-harm count even when negated: a person should judge those.

Negation: a "not" / "never" / "without" / "no" up to `NEGATION_SCOPE_WORDS` words before a
negatable phrase cancels it when only the words of a want-phrase stand between ("I do not really
want to talk to a representative"); any other word ends its reach ("it's not working, transfer
me"). "no" followed by a subject ("no, I want a human") is an answer, not a negation, and a
"not" before its subject is a question ("can't I talk to a person?"). Known limit: a refusal
by someone else reads as the caller's ("this machine won't transfer me" is not HUMAN).

Everything is precompiled regular expressions over the words of `callwright.agent.words.words`
(contractions expanded, fillers dropped, so "I'd like" reads "i would"), a few passes per cue
and no model: about 0.1 ms an utterance on two slow server cores, most of it in `words`, so
safe to call on every turn on the event loop (bench/agent_eval.py prints the figure).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from rapidfuzz import fuzz, process

from callwright.agent.words import words


class Cue(StrEnum):
    HUMAN = "asked_for_human"
    """The caller asks for a person, in any words."""
    ANGER = "frustration"
    """Anger, swearing, insults, exasperation."""
    EMERGENCY = "emergency"
    """A life-threatening or safety emergency."""


MISHEARD_WORDS = ("representative", "representatives", "receptionist", "supervisor")
"""Hand-off words long enough to be garbled on a phone line yet still recognisable."""
NOT_MISHEARD = frozenset({"representation", "representations", "supervision", "reception"})
MISHEARD_MIN_RATIO = 84.0  # rapidfuzz ratio, 0-100
MISHEARD_MIN_CHARS = 9
NEGATION_SCOPE_WORDS = 6
"""How far back (in words) a negation can reach a cue phrase: "i do not want to speak to a
representative" has "not" five words before "representative"."""
NEGATORS = frozenset({"not", "never", "without", "no"})
NO_IS_AN_ANSWER_BEFORE = frozenset({"i", "we", "you", "he", "she", "they", "it"})
"""A "no" with one of these between it and the cue phrase answers a question ("no, i want a
human") rather than negating the cue."""
INVERTED_SUBJECTS = frozenset({"i", "you", "we", "someone", "somebody", "anyone", "anybody"})
"""A "not" followed by one of these is a question ("can not i talk to a person"), not a denial."""
CLAUSE_BREAK = "."
"""Sentence punctuation survives normalisation as this word (the patterns spell it ``\\.``):
phrases do not run across it."""

# the words a negation reaches across, per cue: "not" [really want to talk to] "a person"

_WANT_WORDS = """i we you want wanna need needs needed to a an the any really speak talk
    talking speaking chat with for looking asking ask trying going have has do does did be being
    am is are require necessary necessarily wish would transferred connected put through get
    think one real live actual human person right now yet even again another your some"""
_SYMPTOM_WORDS = """i he she they it is am are was were have has had having any a an the feel
    feeling feels think experiencing with some really much getting of signs symptoms been
    showing do does did there seem seems look looks anything serious at all"""
_FEELING_WORDS = """i am is are was you it this that really at all with getting feel feeling
    being be trying to a an the very even just"""

_VOCABULARY = {
    "det": "(?:a|an|the|your|some|another|any|one of your|one of the)",
    "adj": (
        "(?:real|live|actual|human|different|other|proper|physical|senior|qualified|competent"
        "|english speaking|spanish speaking|customer service|customer support)"
    ),
    "people": (
        "(?:person|persons|people|human beings?|humans?|agents?|representatives?|representive"
        "|representitive|reps?|operators?|associate|staff member|staff|employee)"
    ),
    "anyone": "(?:someone|somebody|anyone|anybody|whoever)",
    "boss": "(?:managers?|supervisors?|boss|owner|person in charge|superior|team lead(?:er)?)",
    "desk": (
        "(?:front desk|front office|reception|receptionist|customer services?|customer support"
        "|customer care|help desk|service desk|switchboard)"
    ),
    "dept": (
        "(?:office|billing|billing department|accounts|accounting|sales|support|tech support"
        "|technical support|human resources|hr|department|pharmacy|claims)"
    ),
    "role": (
        "(?:doctors?|dr|dentist|hygienist|nurse|pharmacist|vet|veterinarian|technician|mechanic"
        "|stylist|therapist|physician|specialist|surgeon|lawyer|attorney|accountant|advisor"
        "|adviser|counselor|banker|broker)"
    ),
    "tail": (
        "(?! (?:number|numbers|email|address|name|phone|contact|details|info|information"
        "|extension|hours|schedule|availability|fax)(?![a-z]))"
    ),
    "machine": (
        "(?:a |an |the |this |these |some |your )?(?:stupid |dumb |damn |automated )?"
        "(?:robots?|machines?|computers?|bots?|recording|automated system|ai)"
    ),
    "kin": (
        "(?:mom|dad|mother|father|husband|wife|son|daughter|baby|child|kid|brother|sister"
        "|friend|grandma|grandpa|grandmother|grandfather|partner|boyfriend|girlfriend)"
    ),
    "past_event": "(?:heart attack|stroke|seizure|cardiac arrest|chest pains?|(?:\\w+ ){0,2}fire)",
    "end": r"(?= \.|$)",
    "start": r"(?:^|\. )",
}
_WHO = "(?:<det> )?(?:<adj> ){0,2}"
"""An optional determiner and up to two adjectives before a person: "to a real live person"."""


def _pattern(*alternatives: str) -> re.Pattern[str]:
    """Compile whole-word alternatives over normalised words; <name> comes from `_VOCABULARY`."""
    options = []
    for option in alternatives:
        option = option.replace("<who>", _WHO)
        for name, value in _VOCABULARY.items():
            option = option.replace(f"<{name}>", value)
        options.append(option)
    return re.compile(f"(?<![a-z0-9])(?:{'|'.join(options)})(?![a-z0-9])")


@dataclass(frozen=True, slots=True)
class _Rule:
    """Phrases that hold a cue, unless a match is negated or overlaps an excluded phrase."""

    cue: Cue
    phrases: re.Pattern[str]
    negation_bridges: frozenset[str] | None = None
    """Words a negation may reach across; None: these phrases are never negated."""
    excluded: re.Pattern[str] | None = None

    def found_in(self, said: str) -> bool:
        excluded: list[tuple[int, int]] | None = None
        for match in self.phrases.finditer(said):
            if self.excluded is not None:
                if excluded is None:
                    excluded = [m.span() for m in self.excluded.finditer(said)]
                if any(start < match.end() and match.start() < end for start, end in excluded):
                    continue
            if self.negation_bridges is not None and _negated(
                said, match.start(), self.negation_bridges
            ):
                continue
            return True
        return False


def _negated(said: str, start: int, bridges: frozenset[str]) -> bool:
    """Whether a negation before `start` reaches the phrase there (see the module docs)."""
    before = said[:start].split()[-NEGATION_SCOPE_WORDS:]
    following = said[start:].split(maxsplit=1)[:1] or [""]
    passed: list[str] = []
    for index in range(len(before) - 1, -1, -1):
        word = before[index]
        after = before[index + 1] if index + 1 < len(before) else following[0]
        if word in NEGATORS:
            if word == "not" and after in INVERTED_SUBJECTS:
                return False
            return word != "no" or not NO_IS_AN_ANSWER_BEFORE.intersection(passed)
        if word not in bridges:
            return False
        passed.append(word)
    return False


_CENSORED = re.compile(r"\b[a-z]+\*+[a-z]*|\*{3,}|\[\s*_+\s*\]")
"""Whisper writes the swearing it hears as "f***", "sh*t" or "[ __ ]"."""
_ANSWER_THEN_COMMA = re.compile(r"\b(no|nope|nah|yes|yeah|yep|okay|ok)\s*,")
_SENTENCE_END = re.compile(r"[.!?;]+(?=\s|$)")
_TITLE_DOT = re.compile(r"\b(dr|mr|mrs|ms|st)\.")
_CLAUSE_PUNCTUATION = frozenset(".!?;,")


def _caller_words(text: str) -> str:
    """The lowercase utterance as `words` normalises it, sentences joined by `CLAUSE_BREAK`.

    An answer word followed by a comma ends a clause too: "No, human." is an answer and a
    request, where "no human" is a refusal.
    """
    if _CLAUSE_PUNCTUATION.isdisjoint(text):
        return " ".join(words(text))
    text = _ANSWER_THEN_COMMA.sub(r"\1.", _TITLE_DOT.sub(r"\1", text))
    clauses = (" ".join(words(clause)) for clause in _SENTENCE_END.split(text))
    return f" {CLAUSE_BREAK} ".join(clause for clause in clauses if clause)


_HUMAN_EXCLUDED = _pattern(
    # a question or statement about who is on the line
    "(?:are you|r you|is this|is that|was that|am i (?:talking|speaking|chatting) (?:to|with)"
    "|you are|you sound|you must be|you seem|i am|this is|is it|it is) (?:not )?"
    "(?:(?:even|really|just|still|now|only) )?(?:(?:a|an|the) )?"
    "(?:(?:real|live|actual|human|automated|computer|computerized) )?"
    "(?:person|human being|human|robot|machine|bot|computer|recording|ai|agent|representative"
    "|operator|people)",
    # past contact, reported
    "(?:spoke|talked|was talking|was speaking|were talking|been talking|been speaking"
    "|been transferred|was transferred|were transferred|got transferred|was connected"
    "|got connected|was put through|hung up on|called|had) (?:(?:to|with|by|on) )?<who>"
    "(?:<people>|<anyone>|<boss>|<desk>|<role>)",
    "(?:last|previous|earlier) (?:<adj> )?(?:<people>|<boss>|<desk>)",
    "(?:<people>|<boss>|<desk>|<role>) (?:(?:i|we) (?:spoke|talked|had|dealt)|said|says|told"
    "|gave|sent|promised|mentioned|was|were|called|hung|transferred|asked|wanted|assured"
    "|claimed|explained|emailed|put|took|is saying)",
    # agents and operators who are not the business's people
    "(?:travel|real estate|estate|insurance|booking|talent|secret|free|leasing|listing|sports"
    "|literary|shipping|customs|border|fbi|federal|my|his|her|their|our) agents?",
    "(?:tour|machine|forklift|crane|equipment|radio|camera|drone|network|mobile|cell|wireless"
    "|phone company|owner|smooth) operators?",
    "house of representatives",
    # a later call, not a hand-off now
    "i will (?:just )?(?:call back|call again|call later|call tomorrow|try again)(?: \\w+){0,2}"
    " (?:and|to) (?:talk|speak)",
    "(?:talk|speak) (?:to|with) <who>(?:<people>|<anyone>|<boss>|<desk>|<dept>|<role>)"
    " (?:later|tomorrow|another time|next time|then)",
)
_HUMAN_REQUESTS = _pattern(
    "(?:talk|speak|chat|talking|speaking) (?:to|with) <who>"
    "(?:<people>|<anyone>|<boss>|<desk>|<dept>|<role>)<tail>",
    "(?:reach|get a hold of|get hold of|get ahold of|get through to|get in touch with|contact) "
    "<who>(?:<people>|<anyone>|<boss>|<desk>|<role>)<tail>",
    "(?:connect|transfer|patch|forward|route) me",
    "<start>(?:(?:yes|yeah|okay|ok|just|please|can you) )*transfer(?: (?:please|now))*<end>",
    "put me (?:through|on with|over|on to|onto)",
    "pass me (?:over|on|along|to)",
    "hand me (?:over|off|to)",
    "(?:be|get|being) (?:transferred|connected|put through|patched through|forwarded)",
    "(?:transfer|connect) (?:this |the |my )?call",
    "(?:(?:get|send|take) me|transfer|connect) (?:over |through )?(?:to|with) <who>"
    "(?:<people>|<anyone>|<boss>|<desk>|<dept>|<role>)",
    "(?:(?:get|give|find|bring) me|gimme) <who>(?:<people>|<anyone>|<boss>|<desk>)<tail>",
    "(?:get|put) <who>(?:<people>|<anyone>|<boss>) on the (?:phone|line)",
    "(?:i (?:want|wanna|need|would|prefer|demand|request|am requesting|am asking for"
    "|am going to need|will take)|(?:can|could|may) i (?:please )?(?:get|have)"
    "|let me (?:have|get)) (?:to (?:have|get) )?<who>(?:<people>|<boss>|<desk>)<tail>",
    "is there <who>(?:<people>|<boss>|<desk>)<tail>",
    # asking to speak to someone whose name came out garbled ("a reprenent of complete"):
    # on a business's line, whoever that is, it is not the agent
    "(?:i (?:need|want|would like|wanna|have) to|(?:can|could|may) i|let me) (?:please )?"
    "(?:talk|speak) (?:to|with) (?:a|an|the|your) (?!(?:<machine>|bot|system)(?![a-z]))[a-z]+"
    "<tail>",
    "(?:is there )?<anyone>(?: else)? (?:i|we) (?:can|could) (?:talk|speak)",
    "(?:is|are) (?:there )?<anyone> (?:available|around) (?:to (?:talk|speak|help)|who)",
    "(?:is|are) <who>(?:person|human|agents?|representatives?|operator|<boss>)"
    " (?:there|available|around|in)",
    "<who>(?:person|human|agent|representative|operator|rep|<boss>|<desk>) please",
    # the whole utterance names a person: "agent", "the front desk please", "no. human."
    r"^(?:(?:yes|yeah|okay|ok|hey|hi|hello|please|just|oh|i said|(?:no|nope|nah) \.) )*"
    "(?:(?:a|an|the|your) )?(?:(?:real|live|actual|human) )?(?:<people>|<boss>|<desk>)"
    r"(?: (?:<people>|<boss>|<desk>|please|now|right now|\.))*$",
    # words that only ever mean a person at the business
    "representatives?|representive|representitive|operators?|humans|live operator",
    "human(?! (?:resources|error|rights|body|nature|hair|trafficking|papilloma\\w*|growth"
    "|services|anatomy|biology|race|history))",
    "(?:real|live|actual) (?:person|people|human|agents?|representative|rep|voice)",
    "(?:someone|somebody) real",
    "customer service (?:rep|representative|agent)",
    "no (?:more )?(?:robots|machines|bots)",
)
_HUMAN_INSTEAD_OF_MACHINE = _pattern(
    "(?:not|never|no longer) (?:want |wanna |going |trying |like )?(?:to )?"
    "(?:talk|speak|deal|talking|speaking|dealing) (?:to|with) <machine>",
    "(?:hate|sick of|tired of|done with|fed up with) (?:talking|speaking|dealing) (?:to|with) "
    "<machine>",
    "(?:a|an) (?:person|human) not a (?:machine|robot|computer|bot)",
)

_SWEARING = _pattern(
    "fuck\\w*|motherfuck\\w*|mother fucker|f off|f ing|what the f|effing|effin",
    "shits?|shitty|bullshit|horseshit|bull shit|crap|crappy",
    "damn|damned|dammit|damnit|goddamn\\w*|goddam|god damn\\w*|wtf",
    "bitch\\w*|son of a bitch|bastards?|assholes?|ass hole|dumbass|jackass|pain in the ass"
    "|kiss my ass|piss off|pissed|pissing me off",
    "freaking(?! out)|freakin(?! out)|frigging|friggin|frickin|fricking",
    "bloody (?:hell|machine|thing|robot|system|ridiculous|useless|joke|nonsense|phone|computer)",
    "screw (?:this|you|it|that|your|off)|sucks|you suck",
    # "hell" only as an exclamation: "Hell's Kitchen" and "hello" are ordinary
    "the (?:hell|heck)|hell no|go to hell|oh hell|to hell with|hell is (?:this|going on|wrong)"
    "|like hell",
    "jesus christ|christ almighty|for crying out loud",
    "for (?:god|gods|christ|christs|pete|petes|heaven|heavens|goodness|fuck|f) sakes?",
)
_EXASPERATION = _pattern(
    "ridiculous|absurd|outrageous|unacceptable|unbelievable|nonsense|insane",
    "you are not (?:listening|hearing|understanding|getting it|getting this|helping|helpful"
    "|making any sense|making sense)",
    "you (?:do not|never|will not|just do not) (?:listen|understand|get it|hear me|help)",
    "are you (?:even )?(?:listening|hearing me|deaf|kidding|serious|joking|for real)",
    "listen to me|(?:will|would|can) you (?:just )?listen",
    "i (?:have |had )?already (?:told|said|gave|answered|explained|spelled|mentioned|provided"
    "|went through)",
    "i (?:have )?just (?:told|said|answered|explained|spelled)",
    "i told you (?:already|before|twice|that|this|it|a million|three|\\d+)",
    "(?:said|told you|mentioned|answered|explained) (?:that|this|it) (?:already|before|twice)",
    "how many times (?:do|have|must|should|am|will|did) (?:i|you)",
    "i keep (?:telling|saying|repeating|asking)",
    "you keep (?:getting|doing|saying|asking|repeating|misunderstanding|mishearing|interrupting)",
    "(?:someone|somebody|anyone|a person) who knows what (?:they are|he is|she is) doing",
    "<start>(?:oh )?(?:jesus|jeez|geez|good grief|oh my god)<end>",
    "i have (?:said|told you|repeated|explained) (?:that |this |it )?(?:twice|three times"
    "|already|several times|multiple times|so many times|a million times|\\d+ times)",
    "not what i (?:said|asked|meant|want|wanted|need|needed|told|am asking)",
    "i (?:did not|never) (?:say|said|ask for|asked for) (?:that|this|it)",
    "waste of (?:my |our )?time|wasting (?:my|our) time",
    "kidding me|you are kidding|(?:you have|you) got to be kidding|you (?:gotta|must) be kidding",
    "give me a break|oh my (?:god|gosh|lord) just|omg just",
    "come on (?:man|now|already)|oh come on|<start>(?:oh )?(?:come on|seriously)<end>",
    "enough is enough|enough already|had enough(?: of|<end>)|i have had it",
    "fed up|sick and tired",
    "(?:sick|tired) of (?:this|you|it|waiting|being|your|these|all this|hearing|talking"
    "|repeating|listening|holding|calling)",
    "what is (?:wrong|the matter) with (?:you|this thing|this machine|this system|this robot"
    "|your system)|what is your problem|shut up",
    # a bare "stop", not "stop by" or "stop my subscription"
    "<start>(?:(?:just|please|okay|ok|no|oh|god|will you|would you|can you) )*stop"
    "(?: (?:it|that|talking|please|now|already|stop|repeating|interrupting))*<end>",
    "stop (?:talking|repeating|interrupting|asking|saying that|doing that)",
    "(?:<start>|oh |just |no |ok |okay |fine |alright |what )forget (?:it|about it|this)",
    "screw it|i give up",
    "this is (?:a )?(?:joke|crazy|nuts|madness|nightmare|mess|disaster|farce|hopeless)",
)
_INSULTS_AND_FEELINGS = _pattern(
    "idiots?|idiotic|morons?|moronic|imbeciles?|dipshit|useless|worthless|pointless|pathetic"
    "|incompetent|clueless",
    "(?:stupid|dumb|idiotic|useless|crappy|lousy|worthless|pathetic|brainless) "
    "(?:machines?|robots?|computers?|bots?|system|thing|phone|app|ai|menu|service|company"
    "|recording|voice|program|assistant|software|answering service)",
    "(?:you|you people|you guys|this|that|this thing|this system|this machine|this robot"
    "|your system|your service|your company|your customer service) (?:is|are|sound|seem"
    "|are being|is being) (?:really |just |completely |totally |absolutely |such )?(?:a |an )?"
    "(?:stupid|dumb|joke|garbage|trash|rubbish|crap|terrible|awful|horrible|the worst"
    "|impossible|hopeless)",
    "are you (?:stupid|dumb|an idiot|a moron|a joke)|what a joke|what garbage|what rubbish",
    "(?:terrible|horrible|awful|worst|lousy|pathetic) (?:service|customer service|system"
    "|experience|company|support)|worst (?:ever|company|experience)",
    "i hate (?:this|you|these|robots|machines|automated|your|talking|dealing|it when)",
    "frustrating|infuriating|maddening|exasperating|angry|furious|livid|frustrated|annoyed"
    "|annoying|exasperated|infuriated",
    "(?:i am|getting|this makes me|you are making me|making me) (?:very |really |extremely "
    "|super |pretty |quite |beyond |absolutely )?(?:mad|upset|irritated|aggravated)",
)
_SELF_REPROACH = _pattern(
    "i (?:am|was|feel) (?:such |a |an |so |really |being |like |a complete )*"
    "(?:idiot|moron|stupid|dumb)",
    "(?:stupid|dumb|silly) (?:question|me|mistake)|my (?:stupid|dumb) self",
)

_SYMPTOMS = _pattern(
    "chest (?:pains?|pressure|tightness|is tight|feels tight|hurts|is hurting|hurting)",
    "pain in (?:my|his|her|the|their) chest|(?:crushing|squeezing) (?:pain|pressure)",
    "(?:can not|cannot|could not|unable to|can hardly|can barely|struggling to|hard to"
    "|not able to) (?:breathe|breath|catch (?:my|his|her) breath)",
    "(?:trouble|difficulty|difficulties|problems?|struggling|hard time) breathing",
    "(?:not|stopped|quit) breathing|short of breath|shortness of breath",
    "gasping for (?:air|breath)|choking|turning blue",
    "heart attack|cardiac arrest|(?:a|having) stroke(?! of)|heat ?stroke",
    "(?:having|had|has|in the middle of) (?:a )?seizure|seizing|convulsing",
    "unconscious|passed out|fainted|collapsed|blacked out|unresponsive",
    "(?:he|she|they|my <kin>)(?: is| are)? not responding",
    "(?:will not|can not|cannot|is not|not) (?:wake|waking) up",
    "bleeding (?:a lot|heavily|badly|profusely|everywhere|out|really bad|bad|like crazy"
    "|nonstop|non stop|all over)|bleeding to death|bleed out",
    "(?:heavy|severe|uncontrolled|uncontrollable|serious|massive|lots of|lot of) bleeding",
    "(?:will not|can not|cannot|does not|is not|would not|not) stop bleeding",
    "bleeding (?:will not|does not|is not|would not|has not|just will not) stop",
    "(?:a lot of|lots of|much|losing) blood|blood everywhere|gushing blood|blood is gushing",
    "overdosed|overdosing|overdose",
    "(?:took|taken|swallowed|had) too many (?:\\w+ ){0,2}(?:pills|tablets|doses|painkillers"
    "|meds|capsules)",
    "(?:took|taken|swallowed) too (?:many|much) of (?:my|his|her|their|the|these|those|this)",
    "(?:took|swallowed) (?:a whole|the whole|a handful of|a bunch of|all) (?:bottle|pills"
    "|of (?:my|his|her|the) (?:pills|meds|medication))",
    "(?:drank|swallowed|ate|ingested) (?:some )?(?:bleach|poison|antifreeze|drain cleaner"
    "|a battery|batteries|rat poison|detergent|laundry pods?)|poison control|poisoned",
    "anaphyla\\w*|(?:used|gave \\w+) (?:my |his |her |an |the )?epi ?pen",
    "throat (?:is )?(?:closing|swelling|swollen|tightening|closing up|getting tight|is tight"
    "|feels tight)|(?:swelling|swollen|closing) (?:throat|airway)",
    "tongue (?:is )?(?:swelling|swollen)|swollen tongue",
    "(?:i am|i think i am|(?:he|she|my <kin>)(?: is)?|they are) dying(?! (?:to|for|of))",
    "(?:(?:this|it|that) is|its) (?:(?:a bit of|really|truly|definitely|literally|absolutely) )?"
    "(?:an|a) (?:(?:real|actual|genuine|true|medical|life threatening|serious|big|major"
    "|urgent) )?emergency",
    "(?:i|we) (?:have|have got|got|am having) (?:an|a) (?:(?:real|medical|serious"
    "|life threatening) )?emergency",
    "there is (?:an|a) (?:(?:real|medical|serious) )?emergency|medical emergency",
    "life threatening|life or death",
    "<start>(?:(?:help|please|an|a) )*emergency(?: (?:emergency|please|help))*<end>",
)
_NOT_AN_EMERGENCY = _pattern(
    # history: "he had a stroke two years ago", "since my heart attack" (but "just had" counts)
    "(?<!just )(?:had|has had|have had) (?:a |an |his |her |my |some )?(?:mild )?<past_event>"
    "(?: \\w+){0,3} (?:last|ago|years?|months?|in \\d+|back|before|previously|a while|once"
    "|twice)",
    "(?:history of|previous|prior|recovering from|recovered from|survived|after|since|old|from)"
    " (?:(?:a|an|his|her|my|their|the) )?(?:mild )?<past_event>",
    "(?:can not|cannot|could not) breathe? through (?:my|his|her|the) nose|choking hazard",
    "(?:can|could|do) (?:you|i|someone|one|a person|they|people) overdose",
    "overdose (?:limit|amount|risk|warning|threshold)",
    # the business's own urgent requests
    "emergency (?:contacts?|appointments?|slots?|visits?|numbers?|line|fees?|hours|services?"
    "|exam|cleaning|dentist|vet|plumber|plumbing|room|department|kit|fund|procedure|care"
    "|clinic|call|surgery|booking|fill|refill|supply|prescription|extraction)",
    "(?:if|whether|what if) (?:(?:this|it|that) is|its) (?:an|a) \\w+",
    "(?:die|dye) (?:my|her|his|their|the) hair|to die for",
)
_DANGER = _pattern(
    "suicid\\w*|kill myself|killing myself|end my life|ending my life|end it all",
    "(?:take|taking) my (?:own )?life|want to die|wanna die|wish i (?:was|were) dead",
    "better off dead|no reason to live|self harm|(?:do not|not) want to (?:live|be alive)",
    "(?:no|not see the|not see any|what is the) point (?:in|of) (?:living|going on|being alive)",
    "(?:tired|sick) of living",
    "(?:want|wanna|going|gonna|thinking about|thoughts of|thought about|planning|plan|urge"
    "|feel|might|will|could|about) (?:to )?(?:hurt|harm|hurting|harming|cut|cutting) myself",
    "(?:someone|somebody|a man|a guy|some guy|a person|people|they|he|she|intruders?) "
    "(?:just )?(?:broke|is breaking|are breaking|breaking|is trying to break"
    "|are trying to break|trying to break|tried to break) "
    "(?:in|into (?:my|the|our) (?:house|home|apartment|flat|place|room|bedroom))",
    "there (?:is|has been|was) a break in(?! (?:the|my|your|schedule|service))",
    "intruders?|(?:someone|somebody|a man|a stranger) (?:is )?in (?:my|the|our) (?:house|home"
    "|apartment|backyard|yard|bedroom)",
    "(?:has|have|got|with|pulled|pointing) (?:a )?(?:gun|knife|weapon)",
    "being (?:attacked|robbed|stabbed|shot|beaten|assaulted|followed|threatened)",
    "(?:going|trying|threatening|threatened) to kill (?:me|us|him|her)",
    "threatening (?:me|us|my|to hurt)|(?:banging|pounding) on (?:the|my|our) (?:door|window)",
    "(?:he|she|they|someone) (?:is |are )?(?:hitting|beating|attacking|stabbing|choking) "
    "(?:me|us|her|him)|(?:been|got|was|is) (?:shot|stabbed)",
    "on fire|there is (?:a )?fire|(?:a|the) fire (?:in|at) (?:my|the|our)",
    "(?:house|kitchen|building|car|electrical|grease|apartment) fire",
    "(?:call|get|need|send) (?:the )?fire (?:department|brigade|truck)",
    "smoke (?:everywhere|is coming|coming|pouring)|(?:full of|filling with|filled with) smoke"
    "|smell (?:gas|smoke|burning)|gas leak|leaking gas"
    "|carbon monoxide|<start>(?:help )?fire(?: fire)*(?: help)?<end>",
    "(?:call|called|calling|dial|dialed|dialing|ring|get|text|phone|contact|for) "
    "(?:the )?(?:911|9 1 1|9 11|nine one one|police|cops|paramedics)",
    "<start>(?:911|9 1 1)<end>|911 emergency|ambulance|paramedics|send help|help help",
    "<start>(?:please )?(?:somebody|someone|anybody|anyone) (?:please )?help"
    "(?: me| us)?(?: please)?<end>",
)

_RULES = (
    _Rule(Cue.EMERGENCY, _DANGER, excluded=_NOT_AN_EMERGENCY),
    _Rule(Cue.EMERGENCY, _SYMPTOMS, frozenset(_SYMPTOM_WORDS.split()), _NOT_AN_EMERGENCY),
    _Rule(Cue.HUMAN, _HUMAN_INSTEAD_OF_MACHINE),
    _Rule(Cue.HUMAN, _HUMAN_REQUESTS, frozenset(_WANT_WORDS.split()), _HUMAN_EXCLUDED),
    _Rule(Cue.ANGER, _SWEARING),
    _Rule(Cue.ANGER, _EXASPERATION),
    _Rule(Cue.ANGER, _INSULTS_AND_FEELINGS, frozenset(_FEELING_WORDS.split()), _SELF_REPROACH),
)


def _mended(said: str) -> str:
    """Long words speech-to-text nearly got right as a hand-off word ("reprenantative")
    written as that word. Checked against a prompt that biased Whisper towards these words:
    it made every turn of every call about 20 ms slower to transcribe, for this one word."""
    if len(said) < MISHEARD_MIN_CHARS:
        return said
    mended = []
    for word in said.split():
        if len(word) >= MISHEARD_MIN_CHARS and word not in MISHEARD_WORDS:
            match = process.extractOne(
                word, MISHEARD_WORDS, scorer=fuzz.ratio, score_cutoff=MISHEARD_MIN_RATIO
            )
            if match is not None and word not in NOT_MISHEARD:
                word = match[0]
        mended.append(word)
    return " ".join(mended)


def cues(text: str) -> frozenset[Cue]:
    """The escalation cues in one utterance (empty for ordinary words)."""
    text = text.lower()
    said = _mended(_caller_words(text))
    found: set[Cue] = (
        {Cue.ANGER} if ("*" in text or "[" in text) and _CENSORED.search(text) else set()
    )
    for rule in _RULES:
        if rule.cue not in found and rule.found_in(said):
            found.add(rule.cue)
    return frozenset(found)
