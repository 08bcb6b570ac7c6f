"""Drive Debian's baresip as a real SIP phone: it dials, speaks a WAV, records what it hears.

baresip 1.0's aufile module only plays files; what the phone heard comes from the
sndfile module's dump of the decoded stream (dump-*-dec.wav).
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from callwright.audio.wav import read_wav, write_wav

PHONE_RATE_HZ = 8000

CONFIG = """\
poll_method		epoll
sip_listen		127.0.0.1:0
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
    heard: np.ndarray  # what the phone received and decoded, 16 kHz int16
    log: str


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
    workdir.mkdir(parents=True, exist_ok=True)
    samples, rate = read_wav(speak_wav, target_hz=PHONE_RATE_HZ)
    speak = workdir / "speak-8k.wav"
    write_wav(speak, samples, PHONE_RATE_HZ)
    (workdir / "config").write_text(
        CONFIG.format(
            transport=transport, speak=speak, rate=PHONE_RATE_HZ, rtp_ports=rtp_ports,
            workdir=workdir,
        )
    )
    (workdir / "accounts").write_text(f"<sip:caller@127.0.0.1;transport={transport}>;regint=0\n")
    seconds = len(samples) / PHONE_RATE_HZ
    process = subprocess.Popen(
        ["baresip", "-f", str(workdir), "-e", f"/dial {uri}", "-t", str(int(seconds + 6))],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        output, _ = process.communicate(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        process.kill()
        output, _ = process.communicate()
    dumps = sorted(workdir.glob("dump-*-dec.wav"))
    received = read_wav(dumps[-1], target_hz=16000)[0] if dumps else np.zeros(0, np.int16)
    log = "\n".join(line for line in output.splitlines() if "audio=" not in line)
    return PhoneCall(process.returncode, received, log)
