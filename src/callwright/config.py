"""Server settings: defaults in one place, overridable by environment and CLI flags."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from callwright.call.session import CallOptions
from callwright.store.database import DEFAULT_DATA_DIR
from callwright.telephony.admission import AdmissionPolicy


@dataclass(frozen=True, slots=True)
class ServerConfig:
    sip_host: str = "127.0.0.1"
    """Address SIP and RTP listen on and advertise in SDP (use the box's LAN/public IP
    for phones on other machines)."""
    sip_port: int = 5060
    """SIP port for both UDP and TCP."""
    http_host: str = "127.0.0.1"
    http_port: int = 8080
    """Port of the HTTP API (calls, recordings, metrics)."""
    agents_dir: Path = Path("agents")
    """Every agent file (*.yaml) here is answered at sip:<agent name>@host."""
    database_url: str | None = None
    """SQLAlchemy URL; None: store.database's default (callwright.db in the data folder)."""
    data_dir: Path = Path(DEFAULT_DATA_DIR)
    """Recordings and the default SQLite database live here."""
    max_calls: int = 6
    """Calls held at once (measured capacity of a 2-core box: bench/task_latency.py); more
    are refused with `refuse_with`."""
    refuse_with: int = 503
    """503 Service Unavailable (with Retry-After: a trunk tries elsewhere) or 486 Busy Here."""
    retry_after_s: int = 30
    """Retry-After of a 503 refusal, in seconds."""
    sip_config: Path | None = None
    """The SIP settings file: trunks, allowed sources, call targets, NAT (config_sip.py)."""
    vad: str = "silero"
    stt: str = "whisper-tiny.en"
    tts: str = "piper-joe"
    call: CallOptions = field(default_factory=CallOptions)

    def __post_init__(self) -> None:
        self.admission  # noqa: B018 - invalid admission settings fail at once, with their name

    @property
    def admission(self) -> AdmissionPolicy:
        """The admission policy of these settings (raises ValueError when they are invalid)."""
        return AdmissionPolicy(self.max_calls, self.refuse_with, self.retry_after_s)

    @classmethod
    def from_environment(cls, **overrides: object) -> ServerConfig:
        """Defaults, then CALLWRIGHT_* environment variables, then explicit overrides."""
        values: dict[str, object] = {}
        for name, kind in _FROM_ENVIRONMENT.items():
            variable = f"CALLWRIGHT_{name.upper()}"
            raw = os.environ.get(variable)
            if raw:
                try:
                    values[name] = kind(raw)
                except ValueError as error:
                    message = f"{variable}={raw!r} is not a valid {kind.__name__}"
                    raise ValueError(message) from error
        values.update({key: value for key, value in overrides.items() if value is not None})
        data_dir = Path(values.get("data_dir", DEFAULT_DATA_DIR))
        values["call"] = CallOptions(recordings_dir=data_dir / "recordings")
        return cls(**values)


_FROM_ENVIRONMENT: dict[str, type] = {
    "sip_host": str,
    "sip_port": int,
    "http_host": str,
    "http_port": int,
    "agents_dir": Path,
    "database_url": str,
    "data_dir": Path,
    "max_calls": int,
    "refuse_with": int,
    "retry_after_s": int,
    "sip_config": Path,
    "vad": str,
    "stt": str,
    "tts": str,
}
