"""The phrases behind the escalation cues (`callwright.agent.understanding.escalation`), as regular
expressions over the words of `callwright.agent.words.words`.

`<name>` in a phrase stands for a word class of `_VOCABULARY` ("<people>": person, agent,
representative ...); `<who>` for an optional determiner and adjectives. Every pattern matches
whole words only. What each cue covers, and why the tricky cases go the way they do, is in
escalation.py's docstring.
"""

from __future__ import annotations

import re

# the words a negation reaches across, per cue: "not" [really want to talk to] "a person"

WANT_WORDS = """i we you want wanna need needs needed to a an the any really speak talk
    talking speaking chat with for looking asking ask trying going have has do does did be being
    am is are require necessary necessarily wish would transferred connected put through get
    think one real live actual human person right now yet even again another your some"""
SYMPTOM_WORDS = """i he she they it is am are was were have has had having any a an the feel
    feeling feels think experiencing with some really much getting of signs symptoms been
    showing do does did there seem seems look looks anything serious at all"""
FEELING_WORDS = """i am is are was you it this that really at all with getting feel feeling
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


HUMAN_EXCLUDED = _pattern(
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
HUMAN_REQUESTS = _pattern(
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
HUMAN_INSTEAD_OF_MACHINE = _pattern(
    "(?:not|never|no longer) (?:want |wanna |going |trying |like )?(?:to )?"
    "(?:talk|speak|deal|talking|speaking|dealing) (?:to|with) <machine>",
    "(?:hate|sick of|tired of|done with|fed up with) (?:talking|speaking|dealing) (?:to|with) "
    "<machine>",
    "(?:a|an) (?:person|human) not a (?:machine|robot|computer|bot)",
)

SWEARING = _pattern(
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
EXASPERATION = _pattern(
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
INSULTS_AND_FEELINGS = _pattern(
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
SELF_REPROACH = _pattern(
    "i (?:am|was|feel) (?:such |a |an |so |really |being |like |a complete )*"
    "(?:idiot|moron|stupid|dumb)",
    "(?:stupid|dumb|silly) (?:question|me|mistake)|my (?:stupid|dumb) self",
)

SYMPTOMS = _pattern(
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
NOT_AN_EMERGENCY = _pattern(
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
DANGER = _pattern(
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
