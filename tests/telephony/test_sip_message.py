"""SIP message parsing and serialization, on INVITEs as real phones and proxies send them."""

import pytest

from callwright.telephony.sip.address import CSeq, NameAddress, SipUri, Via
from callwright.telephony.sip.message import (
    MAX_EXTRA_HEADER_VALUE_BYTES,
    MAX_HEADER_SECTION_BYTES,
    SipParseError,
    SipRequest,
    SipResponse,
    extra_headers,
    find_message_length,
    parse_message,
)


def wire(text: str) -> bytes:
    """A message written with \\n line ends, as it travels (CRLF)."""
    return text.replace("\n", "\r\n").encode()


# Captured from baresip 1.0.0 dialling sip:demo@127.0.0.1 (note the empty Supported:).
BARESIP_INVITE = wire("""\
INVITE sip:demo@127.0.0.1:42461 SIP/2.0
Via: SIP/2.0/UDP 127.0.0.1:47840;branch=z9hG4bKc0966cec1117096d;rport
Contact: <sip:alice-0x55f2d7879330@127.0.0.1:47840>
Max-Forwards: 70
To: <sip:demo@127.0.0.1:42461>
From: <sip:alice@127.0.0.1>;tag=97d8f9dbb9912849
Call-ID: 75806cfda0da466c
CSeq: 32684 INVITE
User-Agent: baresip v1.0.0 (x86_64/linux)
Allow: INVITE,ACK,BYE,CANCEL,OPTIONS,NOTIFY,SUBSCRIBE,INFO,MESSAGE,REFER
Supported:
Content-Type: application/sdp
Content-Length: 427

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
a=fmtp:96 stereo=1;sprop-stereo=1
a=rtpmap:9 G722/8000
a=rtpmap:101 telephone-event/8000
a=fmtp:101 0-15
a=sendrecv
a=label:1
a=rtcp-rsize
a=ssrc:2026292106 cname:sip:alice@127.0.0.1
a=minptime:20
a=ptime:20
""")

# Captured from Kamailio 5.6 (record_route(); t_relay()) forwarding a sipp call.
KAMAILIO_INVITE = wire("""\
INVITE sip:demo@127.0.0.1:45062 SIP/2.0
Record-Route: <sip:127.0.0.1:45062;lr;ftag=11722SIPpTag001>
Via: SIP/2.0/UDP 127.0.0.1:45062;branch=z9hG4bK8c9e.7fd1e2b95299cb7ec8c33decca8a6ec3.0
Via: SIP/2.0/UDP 127.0.0.1:45064;branch=z9hG4bK-11722-1-0
From: sipp <sip:sipp@127.0.0.1:45064>;tag=11722SIPpTag001
To: demo <sip:demo@127.0.0.1:45062>
Call-ID: 1-11722@127.0.0.1
CSeq: 1 INVITE
Contact: sip:sipp@127.0.0.1:45064
Max-Forwards: 69
Subject: Performance Test
Content-Type: application/sdp
Content-Length:   129

v=0
o=user1 53655765 2353687637 IN IP4 127.0.0.1
s=-
c=IN IP4 127.0.0.1
t=0 0
m=audio 6000 RTP/AVP 0
a=rtpmap:0 PCMU/8000
""")

# As Linphone (Android, LinphoneSDK 5) sends it: quoted display name, +sip.instance in Contact.
LINPHONE_SDP = """\
v=0
o=bob 3069 2553 IN IP4 192.168.1.34
s=Talk
c=IN IP4 192.168.1.34
t=0 0
a=rtcp-xr:rcvr-rtt=all:10000 stat-summary=loss,dup,jitt,TTL voip-metrics
m=audio 7078 RTP/AVP 96 97 0 8 101 100
a=rtpmap:96 opus/48000/2
a=fmtp:96 useinbandfec=1
a=rtpmap:97 speex/16000
a=rtpmap:101 telephone-event/48000
a=rtpmap:100 telephone-event/8000
a=rtcp-fb:* trr-int 1000
"""
LINPHONE_INVITE = wire(f"""\
INVITE sip:demo@192.168.1.20 SIP/2.0
Via: SIP/2.0/UDP 192.168.1.34:5060;branch=z9hG4bK.lA3zXH9Ch;rport
From: "Bob Smith" <sip:bob@sip.example.org>;tag=1xmHBb~LS
To: sip:demo@192.168.1.20
CSeq: 20 INVITE
Call-ID: dHRlpgR3cW
Max-Forwards: 70
Supported: replaces, outbound, gruu
Allow: INVITE, ACK, CANCEL, OPTIONS, BYE, REFER, NOTIFY, MESSAGE, SUBSCRIBE, INFO, UPDATE
Content-Type: application/sdp
Content-Length: {len(wire(LINPHONE_SDP))}
Contact: <sip:bob@192.168.1.34;transport=udp>;expires=3600;+sip.instance="<urn:uuid:d1cd5f4d>"
User-Agent: LinphoneAndroid/4.6.0 (Pixel 5) LinphoneSDK/5.0.0

{LINPHONE_SDP}""")

COMPACT_INVITE = wire("""\
INVITE sip:demo@example.com SIP/2.0
v: SIP/2.0/TCP 10.0.0.5:5060;branch=z9hG4bKcompact1
v: SIP/2.0/UDP 10.0.0.9;branch=z9hG4bKfirst, SIP/2.0/UDP 10.0.0.10:5070;branch=z9hG4bKorigin
f: "A, B" <sip:ab@example.com>;tag=t1
t: <sip:demo@example.com>
i: compact@10.0.0.5
CSeq: 7 INVITE
m: <sip:ab@10.0.0.5:5060;transport=tcp>
k: timer
s: hello
c: application/sdp
l: 4

abcd""")


@pytest.mark.parametrize("data", [BARESIP_INVITE, KAMAILIO_INVITE, LINPHONE_INVITE, COMPACT_INVITE])
def test_real_invites_round_trip_byte_for_byte(data):
    request = SipRequest.parse(data)
    assert request.serialize() == data
    assert SipRequest.parse(request.serialize()) == request


def test_baresip_invite_fields():
    request = SipRequest.parse(BARESIP_INVITE)
    assert request.method == "INVITE"
    assert SipUri.parse(request.uri).user == "demo"
    assert request.call_id == "75806cfda0da466c"
    assert request.cseq == CSeq(32684, "INVITE")
    assert request.from_address.tag == "97d8f9dbb9912849"
    assert request.to_address.tag is None
    assert request.vias[0].branch == "z9hG4bKc0966cec1117096d"
    assert "rport" in request.vias[0].params
    assert request.content_type == "application/sdp"
    assert len(request.body) == 427 and request.body.startswith(b"v=0\r\n")
    assert request.headers.get("supported") == ""


def test_kamailio_invite_has_record_route_and_two_vias():
    request = SipRequest.parse(KAMAILIO_INVITE)
    assert request.headers.get_list("Record-Route") == [
        "<sip:127.0.0.1:45062;lr;ftag=11722SIPpTag001>"
    ]
    assert [via.port for via in request.vias] == [45062, 45064]
    assert len(request.body) == 129


def test_linphone_contact_and_display_name():
    request = SipRequest.parse(LINPHONE_INVITE)
    assert request.from_address.display_name == "Bob Smith"
    contact = NameAddress.parse(request.headers.get_list("Contact")[0])
    assert contact.uri == "sip:bob@192.168.1.34;transport=udp"
    assert contact.params["+sip.instance"] == '"<urn:uuid:d1cd5f4d>"'
    assert request.headers.get_list("Supported") == ["replaces", "outbound", "gruu"]


def test_compact_forms_and_multiple_values():
    request = SipRequest.parse(COMPACT_INVITE)
    assert request.call_id == "compact@10.0.0.5"
    assert request.headers.get("Content-Type") == "application/sdp"
    assert request.headers.get("Supported") == "timer"
    assert request.headers.get("SUBJECT") == "hello"
    assert [v.branch for v in request.vias] == [
        "z9hG4bKcompact1",
        "z9hG4bKfirst",
        "z9hG4bKorigin",
    ]
    assert request.vias[1].port is None and request.vias[2].port == 5070
    assert request.from_address.display_name == "A, B"  # comma inside quotes is no separator
    assert request.body == b"abcd"


def test_body_is_cut_at_content_length():
    request = SipRequest.parse(COMPACT_INVITE + b"trailing junk")
    assert request.body == b"abcd"


def test_serialize_fixes_a_stale_content_length():
    request = SipRequest.parse(COMPACT_INVITE)
    request.body = b"longer body"
    assert b"l: 11\r\n" in request.serialize()
    assert SipRequest.parse(request.serialize()).body == b"longer body"


def test_response_copies_the_dialog_headers_and_adds_our_tag():
    request = SipRequest.parse(KAMAILIO_INVITE)
    ringing = request.response(180, to_tag="ourtag", headers=[("Contact", "<sip:demo@x>")])
    data = ringing.serialize()
    assert data.startswith(b"SIP/2.0 180 Ringing\r\n")
    response = SipResponse.parse(data)
    assert response.headers.get_all("Via") == request.headers.get_all("Via")
    assert response.headers.get("From") == request.headers.get("From")
    assert response.to_address.tag == "ourtag"
    assert response.call_id == request.call_id
    assert response.cseq == CSeq(1, "INVITE")
    assert response.headers.get_list("Record-Route") == request.headers.get_list("Record-Route")
    assert response.headers.get("Content-Length") == "0"


def test_trying_and_errors_carry_no_record_route_and_100_no_tag():
    request = SipRequest.parse(KAMAILIO_INVITE)
    trying = SipResponse.parse(request.response(100, to_tag="x").serialize())
    assert trying.to_address.tag is None
    assert "Record-Route" not in trying.headers
    busy = SipResponse.parse(request.response(486, to_tag="x").serialize())
    assert (busy.status, busy.reason) == (486, "Busy Here")
    assert "Record-Route" not in busy.headers


def test_response_keeps_an_existing_to_tag():
    bye = wire("""\
BYE sip:demo@127.0.0.1 SIP/2.0
Via: SIP/2.0/UDP 127.0.0.1:5061;branch=z9hG4bKbye
From: <sip:a@b>;tag=theirs
To: <sip:demo@127.0.0.1>;tag=ours
Call-ID: c1
CSeq: 2 BYE
Content-Length: 0

""")
    ok = SipRequest.parse(bye).response(200, to_tag="other")
    assert ok.to_address.tag == "ours"


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (b"", "empty message"),
        (b"\x00\xff\xfe garbage \x80\x81\r\n\r\n", "not UTF-8"),
        (b"hello world\r\n\r\n", "bad request line"),
        (b"INVITE sip:a@b SIP/3.0\r\n\r\n", "unsupported SIP version"),
        (b"SIP/2.0 2000 OK\r\n\r\n", "bad status line"),
        (b"x" * 70_000, "exceeds"),
    ],
)
def test_unreadable_messages_raise_without_a_request(data, problem):
    with pytest.raises(SipParseError, match=problem) as raised:
        parse_message(data)
    assert raised.value.request is None


def _invite_with(headers: str, body: str = "") -> bytes:
    return wire(f"INVITE sip:demo@h SIP/2.0\n{headers}\n\n{body}")


BASE_HEADERS = """\
Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKx
From: <sip:a@h>;tag=1
To: <sip:demo@h>
Call-ID: bad-1
CSeq: 1 INVITE"""


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (_invite_with(BASE_HEADERS.replace("Call-ID: bad-1\n", "")), "missing required header"),
        (_invite_with(BASE_HEADERS + "\nContent-Length: 50", "short"), "only 5 body bytes"),
        (_invite_with(BASE_HEADERS + "\nContent-Length: -3"), "bad Content-Length"),
        (_invite_with(BASE_HEADERS + "\nContent-Length: 1e9"), "bad Content-Length"),
        (_invite_with(BASE_HEADERS.replace("1 INVITE", "one INVITE")), "bad CSeq"),
        (_invite_with(BASE_HEADERS.replace("1 INVITE", "1 BYE")), "does not match"),
        (_invite_with(BASE_HEADERS.replace("SIP/2.0/UDP", "HTTP")), "bad Via"),
        (_invite_with(BASE_HEADERS + "\nthis line has no colon"), "malformed header line"),
    ],
)
def test_invalid_requests_keep_what_was_read_for_a_400(data, problem):
    with pytest.raises(SipParseError, match=problem) as raised:
        parse_message(data)
    assert raised.value.request is not None
    assert raised.value.request.method == "INVITE"


def test_stream_framing_by_content_length():
    first, second = BARESIP_INVITE, KAMAILIO_INVITE
    stream = first + second
    assert find_message_length(stream) == len(first)
    assert find_message_length(stream[: len(first) - 1]) is None  # body not all here yet
    assert find_message_length(first[:40]) is None  # headers not all here yet
    assert find_message_length(second) == len(second)


def test_stream_framing_rejects_what_cannot_be_framed():
    with pytest.raises(SipParseError, match="Content-Length"):
        find_message_length(_invite_with(BASE_HEADERS + "\nContent-Length: lots"))
    with pytest.raises(SipParseError, match="not a SIP start line"):
        find_message_length(b"GET / HTTP/1.1\r\nHost: x\r\n")  # no waiting for more bytes
    with pytest.raises(SipParseError, match="header section exceeds"):
        find_message_length(b"INVITE sip:a@b SIP/2.0\r\nX: " + b"a" * MAX_HEADER_SECTION_BYTES)


def test_addresses_parse_and_serialize():
    uri = SipUri.parse("sip:alice%20b@[2001:db8::1]:5062;transport=tcp;lr")
    assert (uri.user, uri.host, uri.port) == ("alice b", "2001:db8::1", 5062)
    assert uri.params == {"transport": "tcp", "lr": None}
    assert SipUri.parse(uri.serialize()) == uri
    assert SipUri.parse("sip:proxy.example.com;maddr=10.0.0.7").address() == ("10.0.0.7", 5060)
    with pytest.raises(SipParseError, match="not a sip: URI"):
        SipUri.parse("tel:+15551234")
    via = Via.parse("SIP/2.0/udp host.example:5070;branch=z9hG4bKa;received=1.2.3.4;rport")
    assert (via.transport, via.host, via.port, via.params["rport"]) == (
        "UDP",
        "host.example",
        5070,
        None,
    )
    assert Via.parse(via.serialize()) == via


def test_extra_headers_are_made_safe_for_one_line_each():
    safe = extra_headers({"X-Summary": " Maria\r\nLopez\t wants \x00 it\r\n", "X-Empty": ""})
    assert safe == [("X-Summary", "Maria Lopez wants it"), ("X-Empty", "")]
    (long,) = extra_headers({"X-Long": "a" + "é" * 600})  # 1201 bytes of UTF-8
    assert long[1] == "a" + "é" * 511  # cut at the cap, never inside a character
    assert len(long[1].encode()) == MAX_EXTRA_HEADER_VALUE_BYTES - 1
    assert extra_headers(None) == []
    for name in ("Via", "v", "content-length", "Refer-To", "X Bad", "X:Bad", ""):
        with pytest.raises(ValueError):
            extra_headers({name: "x"})
