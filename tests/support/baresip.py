"""Drive Debian's baresip 1.0 as a real SIP phone: it speaks a WAV, records what it hears.

It plays either end of a call: `call_with_baresip` dials; `answering_phone` is a person at
a desk phone who answers every call at once (account `answermode=auto`), with a SIP trace
(`-s`) in its log. Either hangs up when its WAV ends (the menu module ends a call on its
audio source's end of file) and the process stops by itself a while later (`-t`).

baresip 1.0's aufile module only plays files, from the start for each call; what the phone
heard comes from the sndfile module's dump of each decoded stream (dump-<time>-dec.wav, one
per call that got media, named to the second). baresip runs in its work folder, where a
core dump would land.

What baresip 1.0 does with a REFER, found by experiment (tests/e2e/test_sip_transfer.py
checks the parts marked *):
- It answers 202 and NOTIFYs (Event: refer;id=<the REFER's CSeq>, message/sipfrag) "SIP/2.0
  100 Trying", dials the Refer-To URI from the same account, then NOTIFYs only the final
  status* ("200 OK", "486 Busy Here") with Subscription-State: terminated;reason=noresource.
  A 180 from the target is not reported. A target that never answers leaves the
  subscription open until baresip stops, which ends it with "100 Trying" and
  terminated;reason=deactivated (after its BYE of the original call).
- It neither holds the original call while it dials* nor hangs it up after a success*:
  the transferor must send BYE (RFC 5589 §6). After a failure the original call goes on*.
- It does not make headers embedded in the Refer-To URI into headers of its INVITE: it
  dials the URI as it is, so `?X-Name=value` stays in the INVITE's Request-URI and To*.
- Its menu module uses the Refer-To as a printf format, so %-escapes in it are read as
  conversions: "X-A=b%41c" dials a garbled URI, and "Maria%20Lopez%20wants%20to%20reschedule"
  crashed baresip (SIGBUS). Header values embedded for it must need no escaping.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from callwright.audio.wav import read_wav, write_wav
from tests.support.server import port_in_use

PHONE_RATE_HZ = 8000
HEARD_RATE_HZ = 16000
STOP_AFTER_VOICE_S = 6  # the caller's process quits this long after its WAV (and call) ends
LISTEN_TIMEOUT_S = 5.0
EXIT_GRACE_S = 10.0  # beyond its -t, how long baresip may take to wind down

CONFIG = """\
poll_method		epoll
sip_listen		127.0.0.1:{port}
sip_trans_def		{transport}
audio_player		aufile,/dev/null
snd_path		{workdir}
audio_source		aufile,{speak}
audio_alert		aufile,/dev/null
audio_srate		{rate}
audio_channels		1
jitter_buffer_delay	1-3
rtp_ports		{rtp_ports}
module_path		/usr/lib/baresip/modules
module			g711.so
module			aufile.so
module			sndfile.so
module_app		account.so
module_app		menu.so
"""


@dataclass
class PhoneCall:
    returncode: int
    heard: np.ndarray  # what the phone received and decoded in its last call, 16 kHz int16
    log: str


@dataclass
class AnsweringPhone:
    """A running baresip that answers calls to `uri` until it stops by itself."""

    uri: str
    process: subprocess.Popen
    workdir: Path
    seconds: int

    def finish(self) -> PhoneCall:
        """Wait for it to stop (blocking: run it in a thread) and say what it heard."""
        return _finish(self.process, self.workdir, self.seconds + EXIT_GRACE_S)


def baresip_available() -> bool:
    return shutil.which("baresip") is not None


def call_with_baresip(
    uri: str,
    speak_wav: Path,
    workdir: Path,
    *,
    transport: str = "udp",
    rtp_ports: str = "41000-41998",
    timeout_s: float = 60,
) -> PhoneCall:
    """Dial `uri`, play `speak_wav` as the caller's voice, hang up when it ends."""
    account = f"<sip:caller@127.0.0.1;transport={transport}>;regint=0"
    voice_s = _set_up(workdir, speak_wav, account, transport=transport, rtp_ports=rtp_ports)
    seconds = int(voice_s + STOP_AFTER_VOICE_S)
    process = _start(workdir, "-e", f"/dial {uri}", "-t", str(seconds))
    return _finish(process, workdir, timeout_s)


def answering_phone(
    speak_wav: Path,
    workdir: Path,
    *,
    port: int,
    seconds: int,
    user: str = "human",
    rtp_ports: str = "42000-42998",
    verbose: bool = False,
) -> AnsweringPhone:
    """Start a phone on 127.0.0.1:`port` (UDP) that answers at once, speaks `speak_wav`
    (hanging up when it ends) and quits after `seconds`; returns once it listens. `verbose`
    (-v) adds baresip's debug lines to its log, among them "received event: '5' (end=0)"
    and "... (end=1)" for each RFC 4733 key press it receives (the start and the end)."""
    account = f"<sip:{user}@127.0.0.1>;regint=0;answermode=auto"
    _set_up(workdir, speak_wav, account, port=port, rtp_ports=rtp_ports)
    process = _start(workdir, "-s", *(["-v"] if verbose else []), "-t", str(seconds))
    deadline = time.monotonic() + LISTEN_TIMEOUT_S
    while not port_in_use(port):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(f"baresip did not listen on {port}:\n{process.communicate()[0]}")
        time.sleep(0.02)
    return AnsweringPhone(f"sip:{user}@127.0.0.1:{port}", process, workdir, seconds)


def _set_up(
    workdir: Path,
    speak_wav: Path,
    account: str,
    *,
    port: int = 0,
    transport: str = "udp",
    rtp_ports: str,
) -> float:
    """Write baresip's config, its account and its 8 kHz voice; the voice's length in s."""
    workdir.mkdir(parents=True, exist_ok=True)
    samples, _ = read_wav(speak_wav, target_hz=PHONE_RATE_HZ)
    speak = workdir / "speak-8k.wav"
    write_wav(speak, samples, PHONE_RATE_HZ)
    config = CONFIG.format(
        port=port,
        transport=transport,
        speak=speak,
        rate=PHONE_RATE_HZ,
        rtp_ports=rtp_ports,
        workdir=workdir,
    )
    (workdir / "config").write_text(config)
    (workdir / "accounts").write_text(account + "\n")
    return len(samples) / PHONE_RATE_HZ


def _start(workdir: Path, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        ["baresip", "-f", str(workdir), *args],
        cwd=workdir,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        errors="replace",
    )


def _finish(process: subprocess.Popen, workdir: Path, timeout_s: float) -> PhoneCall:
    try:
        output, _ = process.communicate(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        process.kill()
        output, _ = process.communicate()
    dumps = sorted(workdir.glob("dump-*-dec.wav"))
    heard = read_wav(dumps[-1], target_hz=HEARD_RATE_HZ)[0] if dumps else np.zeros(0, np.int16)
    log = "\n".join(line for line in output.splitlines() if "audio=" not in line)
    return PhoneCall(process.returncode, heard, log)
