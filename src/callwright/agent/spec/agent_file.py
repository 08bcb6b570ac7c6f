"""The agent file: a YAML description of one front desk, and its schema.

A minimal file is a name, a greeting and a few intents; everything else has a default.
`load_agent_spec` reads a file and reports every problem with the file, line and field, e.g.
``agents/demo.yaml:14: intents[2].answer: field required``.

Spoken texts may use three placeholders, filled in when the agent loads: ``{business}`` (the
display name), ``{topics}`` (the main topics, e.g. "our hours, our address, or prices") and
``{keypad}`` (the phone menu, e.g. "For our hours, press 1. ...").
"""

from __future__ import annotations

import re
import zoneinfo
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from callwright.actions.http import HttpActionSpec
from callwright.agent.dialogue.templates import TemplateError, check_condition
from callwright.agent.llm.client import LlmConfig
from callwright.agent.spec.file_errors import problem_line, readable
from callwright.agent.spec.handoff import HandoffSpec
from callwright.agent.spec.outbound import Outbound
from callwright.agent.spec.tasks import SlotSpec, TaskSpec, VerificationSpec, slot_problems
from callwright.agent.spec.yaml_lines import Location, YamlProblem, load_yaml
from callwright.agent.understanding.small_talk import SMALL_TALK_INTENTS

PLACEHOLDERS = ("business", "topics", "keypad")
KEYPAD_MENU_DIGITS = "123456789"  # "0" is kept for "a person, please"

_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_INTENT_NAME = re.compile(r"[a-z0-9]+(?:[-_][a-z0-9]+)*")
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
_MENU_KEYS = re.compile(r"[0-9*#A-Dw]+")


def _spoken(text: str) -> str:
    text = " ".join(text.split())
    if not text:
        raise ValueError("text is empty; write what the agent should say")
    for name in _PLACEHOLDER.findall(text):
        if name not in PLACEHOLDERS:
            allowed = ", ".join("{" + p + "}" for p in PLACEHOLDERS)
            raise ValueError(f"unknown placeholder {{{name}}}; the ones you can use are {allowed}")
    return text


def _intent_id(name: str) -> str:
    if not _INTENT_NAME.fullmatch(name):
        raise ValueError(
            f"'{name}' is not an intent id; use lowercase letters, digits, '-' or '_', "
            "e.g. 'opening-hours'"
        )
    if name in SMALL_TALK_INTENTS:
        raise ValueError(f"'{name}' is a built-in intent; pick another name")
    return name


SpokenText = Annotated[str, AfterValidator(_spoken)]
"""Text the agent says aloud: whitespace collapsed, non-empty, known placeholders only."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Intent(_Section):
    name: str
    """Short id recorded on the call, e.g. ``hours``."""
    examples: list[str] = Field(min_length=1)
    """Ways a caller might ask; the more varied, the better the agent understands."""
    answer: SpokenText
    """What the agent says, word for word (so its audio can be synthesized once)."""
    keypad: str | None = None
    """Phone-menu digit 1-9 that also selects this intent."""
    topic: SpokenText | None = None
    """How the agent names this topic when offering help, e.g. "our opening hours"."""
    handoff: str | None = None
    """After the answer, hand the caller to a person for this reason (a question the
    agent must not answer itself, e.g. `pharmacist`); see the `handoff:` section."""

    @field_validator("name")
    @classmethod
    def _name_is_id(cls, name: str) -> str:
        return _intent_id(name)

    @field_validator("keypad", mode="before")
    @classmethod
    def _keypad_digit(cls, digit: Any) -> Any:
        if isinstance(digit, int) and not isinstance(digit, bool):
            digit = str(digit)
        if isinstance(digit, str) and (len(digit) != 1 or digit not in KEYPAD_MENU_DIGITS):
            raise ValueError(f"keypad must be one digit from 1 to 9, not '{digit}'")
        return digit

    @field_validator("examples")
    @classmethod
    def _examples_not_blank(cls, examples: list[str]) -> list[str]:
        if any(not example.strip() for example in examples):
            raise ValueError("an example phrase is empty; remove it or write the phrase")
        return examples

    @property
    def spoken_topic(self) -> str:
        return self.topic or self.name.replace("-", " ").replace("_", " ")


class FaqEntry(_Section):
    question: str | None = None
    questions: list[str] = Field(default_factory=list)
    answer: SpokenText
    name: str | None = None
    """Id recorded on the call; defaults to ``faq-<position>``."""

    @field_validator("name")
    @classmethod
    def _name_is_id(cls, name: str | None) -> str | None:
        return None if name is None else _intent_id(name)

    @model_validator(mode="after")
    def _has_question(self) -> FaqEntry:
        if not self.question and not self.questions:
            raise ValueError("give a question: (or questions: a list of ways to ask it)")
        return self

    def as_intent(self, position: int) -> Intent:
        examples = ([self.question] if self.question else []) + self.questions
        return Intent(name=self.name or f"faq-{position}", examples=examples, answer=self.answer)


class Goodbye(_Section):
    phrases: list[str] = Field(default_factory=list)
    """Extra caller phrases that mean goodbye ("bye", "that's all" ... are built in)."""
    say: SpokenText = "Thanks for calling {business}. Have a great day. Goodbye!"


class NoInput(_Section):
    timeout_s: float = Field(default=6.0, gt=0)
    """Caller silence after the agent finished speaking that counts as no input."""
    reprompts: list[SpokenText] = Field(
        default_factory=lambda: [
            "Are you still there? How can I help?",
            "Sorry, I can't hear anything. You can ask me about {topics}.",
        ]
    )
    goodbye: SpokenText = "I'll let you go for now. Please call back any time. Goodbye!"
    then: Literal["goodbye", "handoff"] = "goodbye"
    """After the last reprompt: say `goodbye` and hang up, or hand the caller to a person."""


class NotUnderstood(_Section):
    prompts: list[SpokenText] = Field(
        default_factory=lambda: [
            "Sorry, I didn't quite get that. I can help with {topics}. What would you like "
            "to know?",
            "Sorry, I'm still not sure what you need. {keypad} Or press 0 for a person.",
        ],
        min_length=1,
    )
    """Said in order, each once, when the agent cannot tell what the caller wants: rephrase
    the question, then offer the choices."""
    then: Literal["handoff", "goodbye"] = "handoff"
    """After the last prompt: hand the caller to a person, or say `closing` and hang up."""
    closing: SpokenText = (
        "I'm sorry I couldn't help this time. Please call back later and a member of our team "
        "will be happy to help. Goodbye!"
    )


class SmallTalk(_Section):
    thanks: SpokenText = "You're welcome. Anything else?"
    hello: SpokenText = "Hi there! How can I help?"
    yes: SpokenText = "Sure, what would you like to know?"


class MenuChoice(_Section):
    """One choice of a business's phone menu, taken on calls the agent places."""

    when: str = Field(min_length=1)
    """Words of the menu's prompt (any case, heard roughly), e.g. "for the pharmacy"."""
    press: str
    """The keys then pressed: 0-9, *, #, A-D, w for a half-second pause, e.g. "2"."""

    @field_validator("press", mode="before")
    @classmethod
    def _keys(cls, press: Any) -> Any:
        if isinstance(press, int) and not isinstance(press, bool):
            press = str(press)  # YAML reads `press: 2` as a number
        if not isinstance(press, str) or not _MENU_KEYS.fullmatch(press):
            raise ValueError(
                f"'{press}' is not keys to press; use 0-9, *, #, A-D and w (a pause), e.g. '2'"
            )
        return press


class AgentSpec(_Section):
    name: str
    """Lowercase slug; the agent answers at sip:<name>@host."""
    greeting: SpokenText
    intents: list[Intent] = Field(min_length=1)
    business: str = ""
    """Display name, e.g. "Maple Street Hair Studio"; defaults to the name, titled."""
    voice: str = "joe"
    timezone: str | None = None
    faq: list[FaqEntry] = Field(default_factory=list)
    follow_up: SpokenText | None = "Anything else I can help with?"
    """Said after each answer; null to say nothing."""
    keypad: SpokenText | None = None
    """Phone-menu prompt; by default built from the intents' keypad digits."""
    goodbye: Goodbye = Field(default_factory=Goodbye)
    no_input: NoInput = Field(default_factory=NoInput)
    not_understood: NotUnderstood = Field(default_factory=NotUnderstood)
    small_talk: SmallTalk = Field(default_factory=SmallTalk)
    kind: Literal["front_desk", "support", "sales"] = "front_desk"
    """Support agents are judged on containment and resolution, sales on qualification."""
    slots: dict[str, SlotSpec] = Field(default_factory=dict)
    """Typed values tasks collect, each with the question that asks for it."""
    verification: VerificationSpec | None = None
    tasks: list[TaskSpec] = Field(default_factory=list)
    """Intents with a flow of steps that act in the business's systems."""
    start_task: str | None = None
    """A task begun right after the greeting (a callback about a known matter)."""
    default_task: str | None = None
    """The task begun when the caller's words name no intent, and after each answer until it
    is done (a sales line: whatever brings them, discovery starts)."""
    outbound: Outbound | None = None
    phone_menu: list[MenuChoice] = Field(default_factory=list)
    """How to get through a business's phone menu on calls the agent places: each choice's
    keys are pressed when a menu prompt with its words has ended; the agent says nothing
    until a person answers."""
    actions: list[HttpActionSpec] = Field(default_factory=list)
    """The business's own systems reached over HTTP, used in flows like built-in actions."""
    llm: LlmConfig | None = None
    """Optional language model: answers questions the intents don't cover, from the agent's
    own answers only, and writes the call summary. Agents work fully without it."""
    handoff: HandoffSpec = Field(default_factory=HandoffSpec)
    """Where people are who take calls over, when, and how (see handoff_spec)."""
    fillers: list[SpokenText] = Field(
        default_factory=lambda: ["One moment, please.", "Let me check that for you."],
        min_length=1,
    )
    """Said when a reply takes longer than a moment (a slow backend or model)."""

    @field_validator("name")
    @classmethod
    def _name_is_slug(cls, name: str) -> str:
        if not _SLUG.fullmatch(name):
            raise ValueError(
                f"'{name}' is not a lowercase slug; use letters, digits and '-', e.g. "
                "'maple-street' (it becomes the SIP user, sip:<name>@host)"
            )
        return name

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, timezone: str | None) -> str | None:
        if timezone is not None:
            try:
                zoneinfo.ZoneInfo(timezone)
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                raise ValueError(
                    f"unknown time zone '{timezone}'; use an IANA name like 'America/New_York'"
                ) from None
        return timezone

    @model_validator(mode="after")
    def _default_business(self) -> AgentSpec:
        if not self.business.strip():
            self.business = self.name.replace("-", " ").title()
        return self

    def all_intents(self) -> list[Intent]:
        """The intents followed by the FAQ entries, each as an intent."""
        return self.intents + [entry.as_intent(i + 1) for i, entry in enumerate(self.faq)]

    def consistency_problems(self) -> list[tuple[Location, str]]:
        """Problems across fields (duplicate ids or digits), each with its location."""
        problems: list[tuple[Location, str]] = []
        seen_names: dict[str, str] = {}
        seen_digits: dict[str, str] = {}
        for i, intent in enumerate(self.intents):
            where = f"intents[{i}]"
            if intent.name in seen_names:
                message = (
                    f"intent name '{intent.name}' is already used by {seen_names[intent.name]}"
                )
                problems.append((("intents", i, "name"), message))
            seen_names.setdefault(intent.name, where)
            if intent.keypad is not None:
                if intent.keypad in seen_digits:
                    message = (
                        f"keypad {intent.keypad} is already used by {seen_digits[intent.keypad]}"
                    )
                    problems.append((("intents", i, "keypad"), message))
                seen_digits.setdefault(intent.keypad, where)
        for i, entry in enumerate(self.faq):
            name = entry.as_intent(i + 1).name
            if name in seen_names:
                message = f"name '{name}' is already used by {seen_names[name]}; give it a name:"
                problems.append((("faq", i), message))
            seen_names.setdefault(name, f"faq[{i}]")
        for i, task in enumerate(self.tasks):
            if task.name in seen_names:
                message = f"task name '{task.name}' is already used by {seen_names[task.name]}"
                problems.append((("tasks", i, "name"), message))
            seen_names.setdefault(task.name, f"tasks[{i}]")
            for s, step in enumerate(task.steps):
                if step.when:
                    try:
                        check_condition(step.when)
                    except TemplateError as error:
                        problems.append((("tasks", i, "steps", s, "when"), str(error)))
        problems += slot_problems(self.slots, self.tasks, self.verification)
        names = {task.name for task in self.tasks}
        for key in ("start_task", "default_task"):
            task = getattr(self, key)
            if task and task not in names:
                problems.append(((key,), f"no task named '{task}'"))
        if self.outbound:
            problems += self.outbound.problems(names, set(self.slots))
        for i, task in enumerate(self.tasks):
            for name in set(task.answered_by) - names:
                problems.append((("tasks", i, "answered_by"), f"no task named '{name}'"))
        return problems


class AgentFileError(ValueError):
    """An agent file that cannot be used; the message lists each problem as file:line: field."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def load_agent_spec(path: Path | str) -> AgentSpec:
    """Read and check one agent file; raises AgentFileError naming every problem found."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise AgentFileError([f"{path}: cannot read the agent file: {error}"]) from error
    try:
        document = load_yaml(text)
    except YamlProblem as problem:
        raise AgentFileError([f"{path}:{problem.line}: {problem.message}"]) from problem
    if not isinstance(document.data, dict):
        raise AgentFileError(
            [f"{path}:1: an agent file is a mapping of keys such as name:, greeting: and intents:"]
        )
    try:
        spec = AgentSpec.model_validate(document.data)
    except ValidationError as error:
        located = [
            (document.line_of(e["loc"]), e["loc"], readable(e, AgentSpec)) for e in error.errors()
        ]
        located.sort(key=lambda problem: problem[0])
        raise AgentFileError([problem_line(path, *problem) for problem in located]) from None
    problems = [
        problem_line(path, document.line_of(loc), loc, message)
        for loc, message in spec.consistency_problems()
    ]
    if problems:
        raise AgentFileError(problems)
    return spec
