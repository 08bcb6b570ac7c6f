"""RTP media for SIP calls: packets, RFC 4733 DTMF both ways, receive reordering, the paced
session."""

from callwright.telephony.rtp.dtmf import DtmfReceiver, DtmfSender, TelephoneEvent
from callwright.telephony.rtp.jitter import Delivery, JitterBuffer
from callwright.telephony.rtp.packet import HeaderExtension, RtpPacket, RtpParseError
from callwright.telephony.rtp.session import RTP_TIMEOUT_S, RtpSession

__all__ = [
    "RTP_TIMEOUT_S",
    "Delivery",
    "DtmfReceiver",
    "DtmfSender",
    "HeaderExtension",
    "JitterBuffer",
    "RtpPacket",
    "RtpParseError",
    "RtpSession",
    "TelephoneEvent",
]
