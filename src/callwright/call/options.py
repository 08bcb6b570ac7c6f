"""How every call on this server behaves: turn-taking, no input, recordings, fillers.

`CallSession` takes these (the server's configuration); what differs from one call to the
next (an outbound call's `AnsweringOptions`) is passed to the session itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from callwright.speech.turns import TurnTakingOptions


@dataclass(frozen=True, slots=True)
class CallOptions:
    turn_taking: TurnTakingOptions = field(default_factory=TurnTakingOptions)
    no_input_timeout_s: float = 7.0
    """Caller silence after the agent finished speaking that counts as no input, for
    agents that do not set their own."""
    recordings_dir: Path = Path("var/recordings")
    filler_after_s: float = 0.7
    """A reply not started by then (a slow backend or model) gets a filler phrase first."""
