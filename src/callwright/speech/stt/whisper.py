"""Whisper speech-to-text on CTranslate2, with the input window trimmed to the utterance.

faster-whisper always encodes a 30 s window (~480 ms on two cores whatever the
utterance length). A phone turn is a few seconds, so we compute the log-Mel
features for the utterance plus a short tail of silence (6 s at least) and hand
them to the CTranslate2 encoder directly, so encoder cost scales with the audio.
Decoding is greedy, English, without timestamps, and guarded against Whisper's
failure modes: max new tokens proportional to the duration, decoding loops cut,
and the stock "Thank you." / "you" hallucinations dropped when the audio is faint
or the model itself says there is no speech. Audio longer than 30 s is decoded
in consecutive windows.

Inference runs on one shared worker thread (speech/batching.py): utterances from
concurrent calls that wait together are decoded as one batch, which on two cores
costs little more than one of them, instead of oversubscribing the cores
(CTranslate2 releases the GIL, so the event loop keeps running). A queued
transcription whose awaiting task is cancelled is dropped before it starts.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Hashable
from pathlib import Path
from typing import Any

import numpy as np

from callwright.audio.frames import SAMPLE_RATE_HZ, SAMPLES_PER_FRAME
from callwright.speech.batching import Batcher
from callwright.speech.engines import Transcript
from callwright.speech.stt.models import tiny_en_dir

# CTranslate2 threads for one inference. Two use both cores of the reference box for the lowest
# latency per utterance; the single-worker executor keeps it to one inference at a time.
STT_CPU_THREADS = 2
COMPUTE_TYPE = "int8"
HOP_SAMPLES = 160  # Whisper's Mel hop: 100 frames per second
MAX_WINDOW_SECONDS = 30.0  # Whisper's positional embeddings end here
# Silence appended after the utterance, and the shortest window encoded. Too short a window makes
# the decoder ramble; on bench/stt_accuracy.py these cut phone-phrase WER from 30.5% (0.5 s tail,
# 1.5 s window) to 27.9% (full 30 s window: 31.0%) for ~15 ms more per utterance.
TAIL_PADDING_SECONDS = 2.0
MIN_WINDOW_SECONDS = 6.0
WINDOW_SAMPLES = int((MAX_WINDOW_SECONDS - TAIL_PADDING_SECONDS) * SAMPLE_RATE_HZ)
"""Audio decoded in one window; longer utterances are decoded window by window."""
MAX_BATCH = 4  # utterances decoded together (4 took as long as 2 on two cores)
MIN_AUDIO_SECONDS = 0.15  # shorter than a syllable: nothing to transcribe
SILENCE_DBFS = -55.0  # loudest 20 ms frame below this: silence, the model is not run
FAINT_DBFS = -35.0  # loudest frame below this: faint, known hallucinations are dropped
NO_SPEECH_PROB_LIMIT = 0.6  # the model's own "no speech" probability above which we trust it
NO_SPEECH_LOGPROB_LIMIT = -1.0  # ...together with an average log-probability below this
MAX_TOKENS_PER_SECOND = 8  # fast speech is ~5 tokens/s
MIN_NEW_TOKENS = 12
MAX_NEW_TOKENS = 220  # the decoder's 448 positions minus prompt and safety margin
MAX_CONTEXT_TOKENS = 120  # the agent's vocabulary given to the decoder as previous text
MAX_NGRAM_REPEATS = 3  # a word repeated more often than this to the end is a decoding loop
LOOP_PHRASE_WORDS = 4  # a phrase this long repeated once (in part) to the end is a loop
# One letter spelled more than MAX_NGRAM_REPEATS times over: nobody spells "F-F-F-F"
_LETTER_LOOP = re.compile(rf"\b([a-z])(?:[-.]\1){{{MAX_NGRAM_REPEATS},}}\b\.?", re.IGNORECASE)
SILENCE_HALLUCINATIONS = frozenset(
    {"you", "thank you", "thanks", "thank you very much", "thanks for watching", "bye", "okay",
     "so", "uh", "um", "hmm", "the", "i"}
)


class WhisperStt:
    """SpeechToText with Whisper (tiny.en by default), loaded once and shared by all calls."""

    def __init__(
        self,
        model_dir: Path | None = None,
        cpu_threads: int = STT_CPU_THREADS,
        uses_context: bool = True,
        beam_size: int = 1,
    ) -> None:
        """`uses_context`: whether the agent's vocabulary is given to the decoder as previous
        text (the `context` of `transcribe`); otherwise it is ignored. `beam_size` 1 decodes
        greedily."""
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        import ctranslate2
        import tokenizers
        from faster_whisper.feature_extractor import FeatureExtractor
        from faster_whisper.tokenizer import Tokenizer

        model_dir = model_dir or tiny_en_dir()
        self._ctranslate2 = ctranslate2
        self._model = ctranslate2.models.Whisper(
            str(model_dir),
            device="cpu",
            compute_type=COMPUTE_TYPE,
            intra_threads=cpu_threads,
            inter_threads=1,
        )
        hf_tokenizer = tokenizers.Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        multilingual = self._model.is_multilingual
        self._tokenizer = Tokenizer(
            hf_tokenizer, multilingual, task="transcribe", language="en" if multilingual else None
        )
        self._task_tokens = [*self._tokenizer.sot_sequence, self._tokenizer.no_timestamps]
        self._prompts: dict[str, list[int]] = {"": self._task_tokens}
        self._features = FeatureExtractor(feature_size=self._model.n_mels)
        self._batcher: Batcher[tuple[np.ndarray, str], Transcript] = Batcher(
            self._transcribe_all, MAX_BATCH, "whisper"
        )
        self._uses_context = uses_context
        self._beam_size = beam_size

    async def transcribe(self, pcm: np.ndarray, context: str = "") -> Transcript:
        """Transcribe one utterance of 16 kHz mono int16 audio off the event loop, in a batch
        with other calls' utterances of the same window and prompt length."""
        seconds = len(pcm) / SAMPLE_RATE_HZ
        if len(pcm) > WINDOW_SAMPLES:
            key: Hashable = object()  # decoded window by window, alone
        else:
            key = (_window_frames(seconds), len(self._prompt(context)))
        return await self._batcher.submit(key, (pcm, context))

    def _prompt(self, context: str) -> list[int]:
        """Whisper's decoder prompt: the context as "previous text", then the task tokens."""
        context = context if self._uses_context else ""
        prompt = self._prompts.get(context)
        if prompt is None:
            context_tokens = self._tokenizer.encode(" " + context.strip())[-MAX_CONTEXT_TOKENS:]
            prompt = [self._tokenizer.sot_prev, *context_tokens, *self._task_tokens]
            self._prompts[context] = prompt
        return prompt

    def transcribe_blocking(self, pcm: np.ndarray, context: str = "") -> Transcript:
        """Transcribe in the calling thread (benchmarks; calls use `transcribe`)."""
        return self._transcribe_all([(pcm, context)])[0]

    def _transcribe_all(self, requests: list[tuple[np.ndarray, str]]) -> list[Transcript]:
        """Transcripts of utterances whose windows and prompts have one length (a batch)."""
        transcripts: list[Transcript | None] = [None] * len(requests)
        batch: list[tuple[int, np.ndarray, list[int], float]] = []
        for index, (pcm, context) in enumerate(requests):
            audio = np.asarray(pcm, dtype=np.int16).astype(np.float32) / 32768.0
            loudest_dbfs = _loudest_frame_dbfs(audio)
            if len(audio) / SAMPLE_RATE_HZ < MIN_AUDIO_SECONDS or loudest_dbfs < SILENCE_DBFS:
                transcripts[index] = Transcript("", 0.0, len(audio) / SAMPLE_RATE_HZ)
            elif len(audio) > WINDOW_SAMPLES:
                windows = [audio[start : start + WINDOW_SAMPLES]
                           for start in range(0, len(audio), WINDOW_SAMPLES)]  # fmt: skip
                decoded = [self._decode_windows([(w, self._prompt(context))])[0] for w in windows]
                transcripts[index] = _transcript(decoded, loudest_dbfs, len(audio))
            else:
                batch.append((index, audio, self._prompt(context), loudest_dbfs))
        if batch:
            decoded = self._decode_windows([(audio, prompt) for _, audio, prompt, _ in batch])
            for (index, audio, _, loudest_dbfs), window in zip(batch, decoded, strict=True):
                transcripts[index] = _transcript([window], loudest_dbfs, len(audio))
        return [transcript for transcript in transcripts if transcript is not None]

    def _decode_windows(
        self, windows: list[tuple[np.ndarray, list[int]]]
    ) -> list[tuple[str, float]]:
        """(text, confidence) of each audio window, all of one length and prompt length."""
        longest_s = max(len(audio) for audio, _ in windows) / SAMPLE_RATE_HZ
        frames = _window_frames(longest_s)
        mels = []
        for audio, _ in windows:
            padded = np.zeros(frames * HOP_SAMPLES, dtype=np.float32)
            padded[: len(audio)] = audio
            mels.append(self._features(padded)[:, :frames])
        features = self._ctranslate2.StorageView.from_array(np.ascontiguousarray(np.stack(mels)))
        encoded = self._model.encode(features)
        prompts = [prompt for _, prompt in windows]
        max_new_tokens = min(MAX_NEW_TOKENS,
                             MIN_NEW_TOKENS + math.ceil(longest_s * MAX_TOKENS_PER_SECOND))
        results = self._model.generate(
            encoded,
            prompts,
            beam_size=self._beam_size,
            max_length=len(prompts[0]) + max_new_tokens,
            return_scores=True,
            return_no_speech_prob=True,
            suppress_blank=True,
            suppress_tokens=[-1],
        )
        return [self._text_of(result) for result in results]

    def _text_of(self, result: Any) -> tuple[str, float]:
        tokens = result.sequences_ids[0]
        # CTranslate2 scores are the summed log-probability over the tokens (length penalty 1);
        # faster-whisper's average also counts the end-of-text token.
        avg_logprob = result.scores[0] * len(tokens) / (len(tokens) + 1)
        if result.no_speech_prob > NO_SPEECH_PROB_LIMIT and avg_logprob < NO_SPEECH_LOGPROB_LIMIT:
            return "", 0.0
        text = _cut_loop(self._tokenizer.decode(tokens).strip())
        return text, float(min(1.0, math.exp(avg_logprob)))


def _window_frames(seconds: float) -> int:
    """Mel frames of the window that holds `seconds` of audio and its tail of silence."""
    window_seconds = min(max(seconds + TAIL_PADDING_SECONDS, MIN_WINDOW_SECONDS),
                         MAX_WINDOW_SECONDS)
    return int(window_seconds * SAMPLE_RATE_HZ) // HOP_SAMPLES // 2 * 2  # encoder stride 2


def _transcript(windows: list[tuple[str, float]], loudest_dbfs: float, samples: int) -> Transcript:
    """One utterance's transcript from its windows' decodings."""
    seconds = samples / SAMPLE_RATE_HZ
    texts = [text for text, _ in windows if text]
    text = " ".join(texts)
    if _normalise(text) in SILENCE_HALLUCINATIONS and loudest_dbfs < FAINT_DBFS:
        return Transcript("", 0.0, seconds)
    confidence = min((conf for t, conf in windows if t), default=0.0)
    return Transcript(text, confidence if text else 0.0, seconds)


def _loudest_frame_dbfs(audio: np.ndarray) -> float:
    usable = len(audio) // SAMPLES_PER_FRAME * SAMPLES_PER_FRAME
    if usable == 0:
        return -math.inf
    frames = audio[:usable].reshape(-1, SAMPLES_PER_FRAME)
    loudest_rms = float(np.sqrt(np.mean(frames * frames, axis=1)).max())
    return 20 * math.log10(loudest_rms) if loudest_rms > 0 else -math.inf


def _normalise(text: str) -> str:
    return re.sub(r"[^a-z' ]+", "", text.lower()).strip()


def _cut_loop(text: str) -> str:
    """Cut a decoding loop: the text from where a word n-gram starts repeating itself.

    A loop is an n-gram followed by copies of itself to the end of the text, the last copy
    possibly cut short by the token limit. Callers do say "no, no, no" or "thank you, thank
    you", so the looping tail must be long: more than MAX_NGRAM_REPEATS copies of one word, two
    copies and a word more of two or three words, or a longer phrase plus LOOP_PHRASE_WORDS
    words of its next copy. The first copy is kept, also of one letter spelled over and over
    ("I-F-F-F-F-F").
    """
    text = _LETTER_LOOP.sub(r"\1", text)
    words = text.split()
    keys = [_normalise(word) for word in words]
    for start in range(len(keys)):
        remaining = len(keys) - start
        for size in range(1, remaining):
            if size == 1:
                needed = MAX_NGRAM_REPEATS + 1
            elif size < LOOP_PHRASE_WORDS:
                needed = 2 * size + 1
            else:
                needed = size + LOOP_PHRASE_WORDS
            if remaining < needed:
                break
            gram = keys[start : start + size]
            if all(key == gram[offset % size] for offset, key in enumerate(keys[start:])):
                return " ".join(words[: start + size]).rstrip(",;")
    return text
