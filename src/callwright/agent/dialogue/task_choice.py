"""Which task the caller means, when their words fit two about equally.

"It's about my appointment" could be booking, moving or checking one. Rather than guess,
the agent asks a short choice question ("Would you like to move an appointment, or cancel
an appointment?") and starts the one picked, with the words of both turns, so nothing the
caller said first is lost.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from callwright.agent.spec.tasks import TaskSpec
from callwright.agent.understanding.entities import extract
from callwright.agent.understanding.intents import Understanding

TASK_TIE_MARGIN = 0.05
"""Two tasks whose scores are this close (0-1) are both what the caller may mean."""
_NOT_THAT = re.compile(r"\b(?:don't|do not|dont|not|never|no need to)\s+\w+", re.I)
"""The option turned down ("no, don't cancel it. Move it"): not the one picked."""
ANSWER_MIN_SCORE = 0.25
"""Enough, in an answer to the choice question, to name a task ("I need to move it")."""


@dataclass(frozen=True, slots=True)
class TaskQuestion:
    """A choice question asked between two tasks, and the words that raised it."""

    first: str
    second: str
    heard: str

    def prompt(self, tasks: Mapping[str, TaskSpec]) -> str:
        first, second = topic(tasks[self.first]), topic(tasks[self.second])
        return f"Sure. Would you like to {first}, or {second}?"


def topic(task: TaskSpec) -> str:
    return task.topic or task.examples[0]


def rival_task(
    understanding: Understanding, tasks: Mapping[str, TaskSpec]
) -> str | None:
    """The other task the words fit as well as the best one, or None."""
    if understanding.intent not in tasks or not understanding.alternatives:
        return None
    runner_up, score = understanding.alternatives[0]
    close = understanding.confidence - score < TASK_TIE_MARGIN
    return runner_up if runner_up in tasks and close else None


def chosen_task(
    question: TaskQuestion,
    text: str,
    understanding: Understanding,
    tasks: Mapping[str, TaskSpec],
) -> str | None:
    """The task of the two that the answer picks ("move it", "the second one"), or None."""
    pair = (question.first, question.second)
    topics = [topic(tasks[name]) for name in pair]
    picked = extract("choice", _NOT_THAT.sub(" ", text), options=topics)
    if picked is not None:
        return pair[topics.index(picked.value)]
    ranked = [(understanding.intent, understanding.confidence), *understanding.alternatives]
    for name, score in ranked:  # the answer to a question about tasks names one, even faintly
        if name in tasks and score >= ANSWER_MIN_SCORE:
            return name
    return None
