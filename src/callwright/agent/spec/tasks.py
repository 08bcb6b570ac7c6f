"""The task part of an agent file: typed slots, identity verification and flows of steps.

A task is an intent with a flow: the steps say what to collect, which action to run,
what to offer, what to read back for confirmation and what to report. Texts may use
`{slot}` and `{result.field}` placeholders; a step may carry `when:` with a small
condition (`refill.status == 'needs_authorization'`, `total > 1000`).

Example:

    slots:
      day: {type: date, ask: "What day works for you?"}
    tasks:
      - name: book
        examples: [I'd like to book an appointment]
        verify: true
        steps:
          - collect: [day]
          - act: scheduling.find_slots
            params: {appointment_type: cleaning, day: "{day}"}
            as: found
          - say: "I have {found.slots.0.spoken}."
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

SLOT_TYPES = (
    "date",
    "time",
    "person_name",
    "phone_number",
    "number",
    "amount",
    "yes_no",
    "choice",
    "text",
)


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class SlotSpec(_Section):
    type: Literal[
        "date",
        "time",
        "person_name",
        "phone_number",
        "number",
        "amount",
        "yes_no",
        "choice",
        "text",
    ]
    ask: str
    """How the agent asks for it."""
    options: list[str] = Field(default_factory=list)
    """For choice: the accepted values."""
    digits: int | None = Field(default=None, ge=1, le=20)
    """For number: how many digits it has (also lets a caller key it on the keypad)."""
    past: bool = False
    """For date: the date is in the past (a birth date), so "eighty five" is 1985."""
    unit: Literal["months"] | None = None
    """For number: a length of time counted in this unit, said in any ("six weeks" is 2)."""
    optional: bool = False
    """Filled when the caller mentions it, never asked for."""
    unsure_ok: bool = False
    """Asked, but a caller who does not know ("not sure", "whenever") may leave it out: the
    task goes on without it (a sales lead's timeline or budget)."""
    about: str | None = None
    """For yes_no: the list of items (a value of the task, e.g. `alerts.pending`) whose first
    item the question asks about. Answers about the others, given in the same breath ("the
    gas one was me, the Apple one wasn't"), are kept for when each one comes up."""
    item_words: list[str] = Field(default_factory=list)
    """With `about`: the item fields a caller names an item by (`merchant`, `amount`)."""
    cues: list[str] = Field(default_factory=list)
    """Words that show a caller gives this slot before it is asked ("people", "users" for a
    team size; "budget" for a budget). A number or text slot without cues is only filled when
    asked, or (a number with `digits`) when a number of exactly that length is said."""
    help: str | None = None
    """Said when the answer was missed twice: how to answer (the options, the keypad). By
    default built from the type, e.g. 'You can say cleaning, checkup, or filling.'"""

    @model_validator(mode="after")
    def _choice_has_options(self) -> SlotSpec:
        if self.type == "choice" and not self.options:
            raise ValueError("a choice slot needs options: the values a caller may pick")
        return self


class VerificationSpec(_Section):
    """How a caller proves who they are before the agent acts on their records."""

    slots: list[str] = Field(min_length=1)
    """What to ask, e.g. [caller_name, birth_date] or [card_last_four, birth_date]."""
    action: str
    """Action that identifies the caller; it succeeds with the person's details."""
    params: dict[str, Any]
    caller_id_param: str | None = None
    """If set, the caller's phone number is tried first under this parameter name."""
    attempts: int = Field(default=2, ge=1, le=5)
    failed: str = "Sorry, I couldn't match those details to an account."
    gave_up: str = "I'm sorry, I can't verify your identity over the phone right now."


STEP_KINDS = ("collect", "act", "choose", "confirm", "say", "handoff")


class Step(_Section):
    """One step of a flow; exactly one of collect, act, choose, confirm, say, handoff."""

    collect: list[str] | None = None
    act: str | None = None
    params: dict[str, Any] = Field(default_factory=dict)
    as_: str | None = Field(default=None, alias="as")
    """Name the action's result for later steps: {found.slots}."""
    failure: str | None = None
    """Said when the action fails instead of its own message."""
    retry_slots: list[str] = Field(default_factory=list)
    """On failure, forget these slots and ask for them again (e.g. another day)."""
    choose: str | None = None
    """Slot to fill by picking one item of `from`."""
    from_: str | None = Field(default=None, alias="from")
    label: str = "spoken"
    """Field of each item the caller hears and picks by."""
    confirm: str | None = None
    say: str | None = None
    when: str | None = None
    """Condition on slots and results; the step is skipped when it is false."""
    end_task: bool = False
    """Stop the task after this step (a `say` that closes a branch)."""
    handoff: str | None = None
    """Hand the caller to a person for this reason (e.g. `specialist`, `qualified_lead`);
    the agent file's `handoff:` section says where. The task ends here."""
    outcome: str | None = None
    """The task's outcome once this step has run (an `act` that succeeded, a `say` said),
    e.g. `refill_requested`: recorded on the call for whoever placed it (a campaign)."""

    @model_validator(mode="after")
    def _one_kind(self) -> Step:
        kinds = [k for k in STEP_KINDS if getattr(self, k)]
        if len(kinds) != 1:
            listed = ", ".join(f"{kind}:" for kind in STEP_KINDS)
            raise ValueError(f"a step has exactly one of {listed}")
        if self.choose and not self.from_:
            raise ValueError("choose: needs from: (a list result, e.g. found.slots)")
        return self

    @property
    def kind(self) -> str:
        return next(k for k in STEP_KINDS if getattr(self, k))


class TaskSpec(_Section):
    name: str
    examples: list[str] = Field(min_length=1)
    topic: str | None = None
    """How the agent names the task when it asks which one the caller means ("move an
    appointment"); by default the first example."""
    verify: bool = False
    """Identity verification first (see `verification:`)."""
    steps: list[Step] = Field(min_length=1)
    done: str = "Is there anything else I can help with?"
    repeat_while: str | None = None
    """Run the steps again while this holds (one transaction of an alert after another)."""
    reset: list[str] = Field(default_factory=list)
    """Slots forgotten before each repetition."""
    answered_by: list[str] = Field(default_factory=list)
    """Tasks that answer this one (a reminder's "can we move it?"): one begun while this
    runs takes its place, and this one is not taken up again after it."""

    @field_validator("examples")
    @classmethod
    def _examples_not_blank(cls, examples: list[str]) -> list[str]:
        if any(not example.strip() for example in examples):
            raise ValueError("an example phrase is empty; remove it or write the phrase")
        return examples


def slot_problems(
    slots: dict[str, SlotSpec], tasks: list[TaskSpec], verification: VerificationSpec | None
) -> list[tuple[tuple, str]]:
    """Slots named in flows or verification that are not declared under `slots:`."""
    problems: list[tuple[tuple, str]] = []
    declared = set(slots)
    if verification is not None:
        for name in verification.slots:
            if name not in declared:
                problems.append((("verification", "slots"), f"unknown slot '{name}'"))
    for t, task in enumerate(tasks):
        if task.verify and verification is None:
            problems.append((("tasks", t, "verify"), "verify: true needs a verification: section"))
        for s, step in enumerate(task.steps):
            names = (step.collect or []) + ([step.choose] if step.choose else [])
            names += step.retry_slots
            for name in names:
                if name not in declared and not (step.choose and name == step.choose):
                    problems.append((("tasks", t, "steps", s), f"unknown slot '{name}'"))
    return problems
