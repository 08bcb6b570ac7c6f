"""Understanding: which intent a caller's words are, and how sure we are.

Two views of the caller's words, blended (`SEMANTIC_WEIGHT`). By meaning: the utterance and
every example phrase are embedded with all-MiniLM-L6-v2 (`understanding.embeddings`, a few
milliseconds per utterance on two cores) and an intent scores the cosine of its closest example,
mapped onto 0-1 between `SEMANTIC_FLOOR_COSINE` and `SEMANTIC_SURE_COSINE`; this carries
phrasings that share no word with an example ("I ran out of my medication" for "I need a
refill"). By words (tens of microseconds): the caller's words and every example phrase become
matching terms (`callwright.agent.words.terms`), weighted by how rare the term is across intents
(IDF), so "parking" counts for more than "hair". An intent scores the blend of its closest
example (weighted cosine) and how much of the utterance its vocabulary explains. Unknown words
that are near-misses of known ones ("apointment") are corrected with rapidfuzz, and a
near-verbatim example wins outright. Numbers are entities, not evidence of an intent: both views
see the words without them. Below `CONFIDENCE_THRESHOLD` there is no guess. Small talk (goodbye,
thanks, hello, yes, no, okay) is recognised first, from cue phrases, when the utterance holds
nothing else.

Without the embedding model installed the matcher runs on words alone, with a warning.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import jellyfish
import numpy as np
from rapidfuzz import fuzz, process

from callwright.agent.understanding.clauses import (
    announces_only,
    asks,
    clauses,
    without_unwanted,
)
from callwright.agent.understanding.embeddings import (
    EmbeddingModelMissing,
    SentenceEncoder,
    sentence_encoder,
)
from callwright.agent.understanding.questions import is_question
from callwright.agent.understanding.small_talk import SmallTalk
from callwright.agent.understanding.words import CONCEPTS, numbers_as_digits, terms, words

log = logging.getLogger(__name__)

CONFIDENCE_THRESHOLD = 0.35
"""Scores below this (0-1) are not a guess: the dialogue says it did not understand."""
EXAMPLE_WEIGHT = 0.6
"""Share of the score from the closest example; the rest is vocabulary coverage."""
UNKNOWN_TERM_SHARE = 0.05
"""An unknown word weighs like a term found in this share of the intents."""
COVERAGE_SHARE_POWER = 0.5
"""A term found in few of an intent's examples explains less of an utterance about it."""
FUZZY_WORD_MIN_SCORE = 85.0  # rapidfuzz ratio, 0-100, to correct an unknown word
FUZZY_WORD_MIN_CHARS = 5  # shorter words are too easily "corrected" into another word
FUZZY_PHRASE_MIN_SCORE = 92.0  # rapidfuzz ratio, 0-100, for a near-verbatim example
SEMANTIC_FLOOR_COSINE = 0.3
"""Cosine to an intent's closest example at or below which meaning lends it no confidence
(requests for something else entirely come out at 0.1-0.45)."""
SEMANTIC_SURE_COSINE = 0.8
"""Cosine at which meaning is sure (a paraphrase this close is the same request)."""
SEMANTIC_WEIGHT = 0.7
"""Share of the blended score from meaning, the rest from words. On meaning alone an intent
needs a cosine of 0.55 to reach `CONFIDENCE_THRESHOLD`; matching words lower that. Tuned with
the threshold kept, on the demo agent's held-out phrasings and out-of-scope requests
(tests/agent/demo_phrases.py) and on paraphrases for the other agents
(tests/agent/test_understanding.py), never on bench/eval."""
BRAND_WORD = "you"
"""What the business's brand is read as: "how much does Acme cost" asks the price."""
MAX_ALTERNATIVES = 3
ALSO_ASKED_MARGIN = 0.15
"""Above the threshold by this much, a clause's own intent is a second request made."""
QUESTION_ALSO_MARGIN = 0.1
"""...and by this much, when the clause is a question ("and what would you charge for a
wash and cut?")."""
CLAUSE_MIN_WORDS = 2  # a clause of one word ("yes") tells no request
MAX_CLAUSES = 5  # read at most this many clauses apart (each is one more embedding)
TOLD_WEIGHT = 0.5
"""A clause that only tells ("I have an appointment later", "the order is 100999") counts this
much against one that clearly asks or requests in the same breath ("where are you exactly?",
"I want to return the coffee maker")."""
_CORRECTIONS_CACHED_MAX = 10_000
_EXAMPLE_VECTORS_CACHED_MAX = 20_000  # example phrase -> embedding, shared by every agent
_example_vectors: dict[str, np.ndarray] = {}

@dataclass(frozen=True, slots=True)
class Understanding:
    intent: str | None
    """The intent meant, or None when nothing scored above the threshold."""
    confidence: float
    """0-1; 1.0 for small talk recognised from a cue phrase."""
    alternatives: tuple[tuple[str, float], ...] = ()
    """The next best (intent, score) pairs, best first."""
    also: tuple[str, ...] = ()
    """Other intents asked in clauses of their own ("where are you, and can I park?"), each
    clearly the best of its clause, in the order said."""
    open_question: bool = False
    """A clause asks a question that no intent answers ("what are your hours, and how much
    is whitening?" where nothing covers whitening)."""


@dataclass(frozen=True, slots=True)
class _Example:
    intent: str
    terms: frozenset[str]
    norm: float


class IntentMatcher:
    """Matches utterances to the intents whose example phrases they resemble."""

    def __init__(
        self,
        intents: Mapping[str, Sequence[str]],
        goodbye_phrases: Iterable[str] = (),
        threshold: float = CONFIDENCE_THRESHOLD,
        by_meaning: bool = True,
        names: Iterable[str] = (),
        brand: Iterable[str] = (),
    ) -> None:
        """
        Args:
            intents: intent name -> example phrases.
            goodbye_phrases: caller phrases that mean goodbye, beyond the built-in ones.
            threshold: the confidence below which `understand` makes no guess.
            by_meaning: blend in sentence embeddings (when the model is installed).
            names: words of the business's own names (its doctors: "chen", "patel"), which
                tell no intent: "I was hoping to see Doctor Pattel" means "see the doctor".
            brand: words of the business's name, read as `BRAND_WORD` in examples and
                utterances alike: "how much does Acme cost" asks the price, though "Acme"
                only appears in the example "tell me about Acme".
        """
        self.threshold = threshold
        self._names = frozenset(name.lower() for name in names)
        self._brand = frozenset(word.lower() for word in brand)
        intents = {
            intent: [
                self._plain(words(phrase)) if (self._names | self._brand) & set(words(phrase))
                else phrase
                for phrase in phrases
            ]
            for intent, phrases in intents.items()
        }  # fmt: skip
        self._meanings = _ExampleMeanings.load(intents) if by_meaning else None
        self._small_talk = SmallTalk(goodbye_phrases)

        example_terms: list[tuple[str, frozenset[str]]] = []
        self._verbatim: list[tuple[str, str]] = []  # (normalised example, intent)
        self._known_words: set[str] = {w for text in CONCEPTS.values() for w in text.split()}
        self._known_words |= self._names | self._brand  # a misheard name is corrected first
        for intent, phrases in intents.items():
            for phrase in phrases:
                tokens = words(phrase)
                self._known_words.update(tokens)
                example_terms.append((intent, frozenset(terms(tokens))))
                self._verbatim.append((" ".join(numbers_as_digits(tokens)), intent))
        counts: dict[str, dict[str, int]] = {intent: {} for intent in intents}
        for intent, found in example_terms:
            for term in found:
                counts[intent][term] = counts[intent].get(term, 0) + 1
        intent_count = len(counts)
        document_frequency: dict[str, int] = {}
        for vocabulary in counts.values():
            for term in vocabulary:
                document_frequency[term] = document_frequency.get(term, 0) + 1
        self._idf = {
            term: math.log((intent_count + 1) / (count + 0.5))
            for term, count in document_frequency.items()
        }
        self._unknown_idf = math.log((intent_count + 1) / (UNKNOWN_TERM_SHARE * intent_count))
        self._share = {  # intent -> term -> share of its examples that hold the term
            intent: {term: count / len(intents[intent]) for term, count in found.items()}
            for intent, found in counts.items()
        }
        self._examples = [
            _Example(intent, found, math.sqrt(sum(self._idf[t] ** 2 for t in found)) or 1.0)
            for intent, found in example_terms
        ]
        self._known_word_list = sorted(w for w in self._known_words if len(w) >= 3)
        self._sounds = _sound_alikes(self._known_word_list)
        self._corrections: dict[str, str] = {}

    def understand(self, text: str) -> Understanding:
        """The intent of `text`. A request inside a longer utterance ("the shoes don't fit, I
        need to return them") is read clause by clause as well, and each intent keeps its
        best score, so words around it (a story, a garbled stretch) do not drown it."""
        text = without_unwanted(text)
        tokens = self._tokens(text)
        if not tokens:
            return Understanding(None, 0.0)
        small_talk = self._small_talk.recognise(text, tokens)
        if small_talk is not None:
            return Understanding(small_talk, 1.0)
        said = [
            (part, clause)
            for part, clause in ((part, self._tokens(part)) for part in clauses(text))
            if len(clause) >= CLAUSE_MIN_WORDS and clause != tokens
        ]
        if len(said) > MAX_CLAUSES:  # the ones that ask first: "..., or only cash?"
            kept = sorted(range(len(said)), key=lambda i: not asks(said[i][0]))
            said = [said[i] for i in sorted(kept[:MAX_CLAUSES])]
        pieces = [tokens] + [clause for _, clause in said]
        pieces = [
            words(self._plain(self._join_split_words([self._correct(t) for t in piece])))
            for piece in pieces
        ]
        scores: dict[str, float] = {}
        meanings = (
            self._meanings.closest_many([" ".join(piece) for piece in pieces])
            if self._meanings is not None
            else [None] * len(pieces)
        )
        clause_bests: list[tuple[str, float, float]] = []  # asking said: best, its margin
        told: dict[str, float] = {}  # of the said that only tell ("I have an appointment")
        open_question = False
        for index, (piece, by_meaning) in enumerate(zip(pieces, meanings, strict=True)):
            piece_scores = self._scores(piece)
            if by_meaning is not None:
                piece_scores = _blend(piece_scores, by_meaning)
            clause = said[index - 1][0] if index else text
            asked = is_question(clause)
            asking = asks(clause)
            kept = scores if asking or not index else told
            for intent, score in piece_scores.items():
                kept[intent] = max(kept.get(intent, 0.0), score)
            if not index:
                continue
            best_of_clause = max(piece_scores.items(), key=lambda item: item[1], default=None)
            if best_of_clause is not None and asking:
                margin = QUESTION_ALSO_MARGIN if asked else ALSO_ASKED_MARGIN
                clause_bests.append((*best_of_clause, margin))
            unanswered = best_of_clause is None or best_of_clause[1] < self.threshold
            if unanswered and is_question(clause.rstrip("?")) and not announces_only(clause):
                open_question = True  # "and how much is whitening", not "nothing fancy?"
        asked_clearly = any(score >= self.threshold for _, score, _ in clause_bests)
        weight = TOLD_WEIGHT if asked_clearly else 1.0  # the story weighs less than the request
        for intent, score in told.items():
            scores[intent] = max(scores.get(intent, 0.0), score * weight)
        ranked = sorted(scores.items(), key=lambda item: item[1], reverse=True)
        if not ranked:
            return Understanding(None, 0.0)
        best, confidence = ranked[0]
        if confidence < self.threshold:
            return Understanding(None, confidence, _rounded(ranked[:MAX_ALTERNATIVES]))
        also = tuple(dict.fromkeys(
            intent for intent, score, margin in clause_bests
            if intent != best and score >= self.threshold + margin
        ))  # fmt: skip
        return Understanding(
            best, confidence, _rounded(ranked[1 : MAX_ALTERNATIVES + 1]), also, open_question
        )

    def _tokens(self, text: str) -> list[str]:
        """The words that can show an intent: numbers are entities (order numbers, dates)."""
        return [
            t for t in numbers_as_digits(words(text)) if not t.isdigit() or t in self._known_words
        ]

    def _plain(self, tokens: list[str]) -> str:
        """The words without the business's names, the brand as `BRAND_WORD`."""
        return " ".join(
            BRAND_WORD if token in self._brand else token
            for token in tokens if token not in self._names
        )

    def _correct(self, word: str) -> str:
        if word in self._known_words or len(word) < FUZZY_WORD_MIN_CHARS or word.isdigit():
            return word
        corrected = self._corrections.get(word)
        if corrected is None:
            match = process.extractOne(
                word, self._known_word_list, scorer=fuzz.ratio, score_cutoff=FUZZY_WORD_MIN_SCORE
            )
            corrected = match[0] if match else self._sounds.get(_sound(word), word)
            if len(self._corrections) < _CORRECTIONS_CACHED_MAX:
                self._corrections[word] = corrected
        return corrected

    def _join_split_words(self, tokens: list[str]) -> list[str]:
        """Transcripts split compounds ("hair cut"): rejoin pairs that make a known word."""
        joined: list[str] = []
        for token in tokens:
            if joined and joined[-1] + token in self._known_words:
                joined[-1] += token
            else:
                joined.append(token)
        return joined

    def _scores(self, tokens: list[str]) -> dict[str, float]:
        found = terms(tokens)
        weights = {term: self._idf.get(term, self._unknown_idf) ** 2 for term in found}
        total = sum(weights.values())
        if total == 0:
            return {}
        norm = math.sqrt(total)
        closest: dict[str, float] = {}
        for example in self._examples:
            shared = sum(weights[t] for t in found & example.terms)
            if shared:
                cosine = shared / (norm * example.norm)
                closest[example.intent] = max(closest.get(example.intent, 0.0), cosine)
        scores = {
            intent: EXAMPLE_WEIGHT * cosine
            + (1 - EXAMPLE_WEIGHT) * self._coverage(intent, weights, total)
            for intent, cosine in closest.items()
        }
        verbatim = process.extractOne(
            " ".join(numbers_as_digits(tokens)),
            [text for text, _ in self._verbatim],
            scorer=fuzz.ratio,
            score_cutoff=FUZZY_PHRASE_MIN_SCORE,
        )
        if verbatim is not None:
            intent = self._verbatim[verbatim[2]][1]
            scores[intent] = max(scores.get(intent, 0.0), verbatim[1] / 100)
        return scores

    def _coverage(self, intent: str, weights: dict[str, float], total: float) -> float:
        share = self._share[intent]
        return (
            sum(w * share.get(t, 0.0) ** COVERAGE_SHARE_POWER for t, w in weights.items()) / total
        )


class _ExampleMeanings:
    """Every example phrase embedded once; how close an utterance comes to each intent."""

    def __init__(self, encoder: SentenceEncoder, intents: Mapping[str, Sequence[str]]) -> None:
        self._encoder = encoder
        self._intents = list(intents)
        counts = [len(phrases) for phrases in intents.values()]
        self._starts = np.cumsum([0, *counts[:-1]])  # each intent's first row in _vectors
        texts = [_without_numbers(phrase) for phrases in intents.values() for phrase in phrases]
        known = {text: _example_vectors[text] for text in texts if text in _example_vectors}
        missing = [text for text in dict.fromkeys(texts) if text not in known]
        if missing:
            encoded = dict(zip(missing, encoder.encode(missing), strict=True))
            known |= encoded
            if len(_example_vectors) + len(encoded) <= _EXAMPLE_VECTORS_CACHED_MAX:
                _example_vectors.update(encoded)
        self._vectors = np.stack([known[text] for text in texts])

    @classmethod
    def load(cls, intents: Mapping[str, Sequence[str]]) -> _ExampleMeanings | None:
        """The example meanings, or None (and a warning) when the model is not installed."""
        try:
            encoder = sentence_encoder()
        except EmbeddingModelMissing as missing:
            log.warning("intents are matched on words only: %s", missing)
            return None
        return cls(encoder, intents)

    def closest_many(self, texts: list[str]) -> list[dict[str, float]]:
        """For each of `texts` (encoded in one batch): intent -> cosine of its closest example."""
        cosines = self._encoder.encode(texts) @ self._vectors.T
        return [
            dict(zip(self._intents, np.maximum.reduceat(row, self._starts).tolist(), strict=True))
            for row in cosines
        ]


def _without_numbers(phrase: str) -> str:
    return " ".join(t for t in numbers_as_digits(words(phrase)) if not t.isdigit())


def _blend(by_words: dict[str, float], by_meaning: dict[str, float]) -> dict[str, float]:
    span = SEMANTIC_SURE_COSINE - SEMANTIC_FLOOR_COSINE
    return {
        intent: SEMANTIC_WEIGHT * min(1.0, max(0.0, (cosine - SEMANTIC_FLOOR_COSINE) / span))
        + (1 - SEMANTIC_WEIGHT) * by_words.get(intent, 0.0)
        for intent, cosine in by_meaning.items()
    }


def _rounded(ranked: list[tuple[str, float]]) -> tuple[tuple[str, float], ...]:
    return tuple((name, round(score, 3)) for name, score in ranked)


def _sound(word: str) -> str:
    return jellyfish.metaphone(word)


def _sound_alikes(known: list[str]) -> dict[str, str]:
    """Known words of FUZZY_WORD_MIN_CHARS or more by their sound (metaphone), for an unknown
    word that speech-to-text spelled as another one ("feeling" for "filling"); a sound two
    known words share corrects to neither."""
    by_sound: dict[str, set[str]] = {}
    for word in known:
        if len(word) >= FUZZY_WORD_MIN_CHARS and word.isalpha():
            by_sound.setdefault(_sound(word), set()).add(word)
    return {sound: next(iter(words)) for sound, words in by_sound.items() if len(words) == 1}
