"""What crossed the wire: capture RTP on loopback with tshark and read it back.

Each RTP packet becomes (time, direction, voiced): the capture's own timestamps,
so latencies measured from it are the caller's view, independent of callwright's
own marks.
"""

from __future__ import annotations

import signal
import struct
import subprocess
import time
from collections.abc import Container
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from callwright.audio.g711 import alaw_decode, ulaw_decode
from callwright.telephony.rtp.packet import RtpPacket, RtpParseError

VOICED_PEAK = 300  # int16 magnitude (about -40 dBFS) that counts as voice
PCAP_HEADER_BYTES = 24
PCAP_RECORD_HEADER_BYTES = 16
LINKTYPE_ETHERNET = 1
LINKTYPE_LINUX_SLL = 113
DECODERS = {0: ulaw_decode, 8: alaw_decode}


@dataclass(frozen=True, slots=True)
class WirePacket:
    at: float  # capture time, seconds since the epoch
    from_caller: bool
    voiced: bool
    caller_port: int = 0  # the caller's end of the packet: its call, when a phone has several


class Capture:
    """tshark writing UDP on lo to a pcap file while the benchmark runs."""

    def __init__(self, path: Path, port_filter: str) -> None:
        self.path = path
        self._process = subprocess.Popen(
            ["tshark", "-i", "lo", "-f", port_filter, "-F", "pcap", "-w", str(path), "-q"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            line = self._process.stderr.readline()
            if "Capturing on" in line or not line:
                break

    def stop(self) -> None:
        time.sleep(0.5)
        self._process.send_signal(signal.SIGINT)
        self._process.wait(timeout=20)


def read_rtp(path: Path, caller_ports: Container[int]) -> list[WirePacket]:
    """RTP packets between a caller (whose RTP ports are `caller_ports`) and anyone."""
    data = path.read_bytes()
    magic, _, _, _, _, _, linktype = struct.unpack("<IHHiIII", data[:PCAP_HEADER_BYTES])
    if magic != 0xA1B2C3D4:
        raise ValueError(f"{path}: not a little-endian microsecond pcap file")
    link_bytes = {LINKTYPE_ETHERNET: 14, LINKTYPE_LINUX_SLL: 16}[linktype]
    packets: list[WirePacket] = []
    offset = PCAP_HEADER_BYTES
    while offset + PCAP_RECORD_HEADER_BYTES <= len(data):
        seconds, micros, length, _ = struct.unpack_from("<IIII", data, offset)
        offset += PCAP_RECORD_HEADER_BYTES
        frame = data[offset : offset + length]
        offset += length
        ip = frame[link_bytes:]
        if len(ip) < 28 or ip[0] >> 4 != 4 or ip[9] != 17:
            continue
        udp = ip[(ip[0] & 0x0F) * 4 :]
        source, destination = struct.unpack("!HH", udp[:4])
        if source not in caller_ports and destination not in caller_ports:
            continue
        try:
            rtp = RtpPacket.parse(bytes(udp[8:]))
        except RtpParseError:
            continue
        decode = DECODERS.get(rtp.payload_type)
        if decode is None:
            continue
        peak = int(np.abs(decode(rtp.payload).astype(np.int32)).max()) if rtp.payload else 0
        from_caller = source in caller_ports
        packets.append(WirePacket(seconds + micros / 1e6, from_caller, peak >= VOICED_PEAK,
                                  source if from_caller else destination))
    return packets
