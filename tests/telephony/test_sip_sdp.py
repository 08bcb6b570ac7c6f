"""SDP offer/answer: codec choice, telephone-event, hold, and offers we must refuse (488)."""

import pytest

from callwright.telephony.sip.errors import SipParseError
from callwright.telephony.sip.sdp import (
    SdpNegotiationError,
    SessionDescription,
    build_answer,
    negotiate,
)


def sdp(text: str) -> bytes:
    return text.replace("\n", "\r\n").encode()


BARESIP_OFFER = sdp("""\
v=0
o=- 4054920590 1299001867 IN IP4 192.0.2.2
s=-
c=IN IP4 192.0.2.2
t=0 0
a=tool:baresip 1.0.0
m=audio 18540 RTP/AVP 0 8 96 9 101
a=rtpmap:0 PCMU/8000
a=rtpmap:8 PCMA/8000
a=rtpmap:96 opus/48000/2
a=rtpmap:9 G722/8000
a=rtpmap:101 telephone-event/8000
a=fmtp:101 0-15
a=sendrecv
a=ptime:20
""")


def offer(media: str, session_extra: str = "", connection: str = "203.0.113.7") -> bytes:
    return sdp(
        f"v=0\no=x 1 1 IN IP4 {connection}\ns=-\nc=IN IP4 {connection}\nt=0 0\n"
        f"{session_extra}{media}"
    )


def answer_for(data: bytes) -> SessionDescription:
    parsed = SessionDescription.parse(data)
    plan = negotiate(parsed)
    built = build_answer(
        parsed, plan, local_ip="127.0.0.1", local_port=40000, session_id=5, version=1
    )
    return SessionDescription.parse(built.serialize())


def test_baresip_offer_gets_pcmu_and_its_telephone_event():
    plan = negotiate(SessionDescription.parse(BARESIP_OFFER))
    assert plan.remote == ("192.0.2.2", 18540)
    assert (plan.codec, plan.payload_type, plan.dtmf_payload_type) == ("PCMU", 0, 101)
    assert plan.remote_ptime_ms == 20
    assert plan.we_send


def test_answer_carries_our_address_codec_dtmf_and_direction():
    answer = answer_for(BARESIP_OFFER)
    assert answer.connection_address == "127.0.0.1"
    assert answer.origin == "callwright 5 1 IN IP4 127.0.0.1"
    (media,) = answer.media
    assert (media.media, media.port, media.proto, media.formats) == (
        "audio",
        40000,
        "RTP/AVP",
        ["0", "101"],
    )
    rtpmaps = [v for n, v in media.attributes if n == "rtpmap"]
    assert rtpmaps == ["0 PCMU/8000", "101 telephone-event/8000"]
    assert media.attribute("fmtp") == "101 0-16"
    assert media.attribute("ptime") == "20"
    assert media.has_attribute("sendrecv")


def test_pcmu_is_preferred_even_when_pcma_is_offered_first():
    plan = negotiate(SessionDescription.parse(offer("m=audio 4000 RTP/AVP 8 0\n")))
    assert (plan.codec, plan.payload_type, plan.dtmf_payload_type) == ("PCMU", 0, None)


def test_pcma_when_it_is_all_there_is_and_static_types_need_no_rtpmap():
    plan = negotiate(SessionDescription.parse(offer("m=audio 4000 RTP/AVP 8 18\n")))
    assert (plan.codec, plan.payload_type) == ("PCMA", 8)
    assert answer_for(offer("m=audio 4000 RTP/AVP 8 18\n")).media[0].formats == ["8"]


def test_telephone_event_at_8000_is_chosen_among_several_rates():
    media = (
        "m=audio 7078 RTP/AVP 96 0 101 100\na=rtpmap:96 opus/48000/2\n"
        "a=rtpmap:101 telephone-event/48000\na=rtpmap:100 telephone-event/8000\n"
    )
    plan = negotiate(SessionDescription.parse(offer(media)))
    assert plan.dtmf_payload_type == 100


@pytest.mark.parametrize(
    ("direction", "answered", "we_send"),
    [
        ("sendrecv", "sendrecv", True),
        ("sendonly", "recvonly", False),  # they hold us: we keep listening, stop sending
        ("recvonly", "sendonly", True),
        ("inactive", "inactive", False),
    ],
)
def test_hold_directions_are_answered_properly(direction, answered, we_send):
    data = offer(f"m=audio 4000 RTP/AVP 0\na={direction}\n")
    plan = negotiate(SessionDescription.parse(data))
    assert (plan.offer_direction, plan.answer_direction, plan.we_send) == (
        direction,
        answered,
        we_send,
    )
    assert answer_for(data).media[0].has_attribute(answered)


def test_session_level_direction_applies_when_media_has_none():
    plan = negotiate(SessionDescription.parse(offer("m=audio 4000 RTP/AVP 0\n", "a=sendonly\n")))
    assert plan.answer_direction == "recvonly"


def test_old_style_hold_with_zero_address_stops_our_sending():
    plan = negotiate(
        SessionDescription.parse(offer("m=audio 4000 RTP/AVP 0\n", connection="0.0.0.0"))
    )
    assert not plan.we_send


def test_media_level_connection_overrides_session_level():
    data = offer("m=audio 4000 RTP/AVP 0\nc=IN IP4 198.51.100.9\n")
    assert negotiate(SessionDescription.parse(data)).remote == ("198.51.100.9", 4000)


def test_other_streams_are_rejected_with_port_zero_in_order():
    data = offer("m=video 5000 RTP/AVP 96\na=rtpmap:96 H264/90000\nm=audio 4000 RTP/AVP 0\n")
    answer = answer_for(data)
    assert [(m.media, m.port) for m in answer.media] == [("video", 0), ("audio", 40000)]


@pytest.mark.parametrize(
    ("media", "problem"),
    [
        ("m=audio 4000 RTP/AVP 9 96\na=rtpmap:96 opus/48000/2\n", "need PCMU or PCMA"),
        ("m=audio 4000 RTP/SAVP 0\n", "no SRTP"),
        ("m=audio 0 RTP/AVP 0\n", "no audio stream"),
        ("m=video 4000 RTP/AVP 96\n", "no audio stream"),
    ],
)
def test_offers_without_a_usable_stream_are_refused(media, problem):
    with pytest.raises(SdpNegotiationError, match=problem):
        negotiate(SessionDescription.parse(offer(media)))


def test_offer_without_any_connection_address_is_refused():
    data = sdp("v=0\no=x 1 1 IN IP4 1.2.3.4\ns=-\nt=0 0\nm=audio 4000 RTP/AVP 0\n")
    with pytest.raises(SdpNegotiationError, match="no c= connection"):
        negotiate(SessionDescription.parse(data))


@pytest.mark.parametrize(
    "data",
    [
        b"not sdp at all",
        b"v=0\r\nc=IN IP4\r\nm=audio 1 RTP/AVP 0\r\n",
        b"v=0\r\ns=-\r\n",
        b"v=0\r\nm=audio 99999 RTP/AVP 0\r\n",
        b"\xff\xfe",
    ],
)
def test_garbage_sdp_raises_parse_error(data):
    with pytest.raises(SipParseError):
        SessionDescription.parse(data)
