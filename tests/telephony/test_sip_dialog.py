"""The UAS dialog: built from an INVITE, it routes our BYE through the proxy's route set."""

from callwright.telephony.sip.address import Via
from callwright.telephony.sip.dialog import Dialog
from callwright.telephony.sip.message import SipRequest

INVITE = (
    "INVITE sip:demo@10.0.0.2:5080 SIP/2.0\r\n"
    "Record-Route: <sip:10.0.0.1:5060;lr;ftag=abc>\r\n"
    "Record-Route: <sip:edge.example.com;lr>\r\n"
    "Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKproxy\r\n"
    "Via: SIP/2.0/UDP 192.0.2.5:5062;branch=z9hG4bKphone\r\n"
    'From: "Alice" <sip:alice@example.com>;tag=alice-tag\r\n'
    "To: <sip:demo@example.com>\r\n"
    "Call-ID: dialog-1\r\n"
    "CSeq: 10 INVITE\r\n"
    "Contact: <sip:alice@192.0.2.5:5062>\r\n"
    "Content-Length: 0\r\n\r\n"
)
OUR_VIA = Via("UDP", "10.0.0.2", 5080, {"branch": "z9hG4bKours", "rport": None})


def dialog(text: str = INVITE) -> Dialog:
    return Dialog.from_invite(SipRequest.parse(text.encode()), "our-tag")


def test_dialog_state_from_the_invite():
    d = dialog()
    assert d.key == ("dialog-1", "our-tag")
    assert d.remote_tag == "alice-tag"
    assert d.remote_target == "sip:alice@192.0.2.5:5062"
    assert d.route_set == ["<sip:10.0.0.1:5060;lr;ftag=abc>", "<sip:edge.example.com;lr>"]
    assert d.remote_cseq == 10


def test_bye_follows_the_route_set_with_loose_routing():
    d = dialog()
    first_cseq = d.local_cseq
    bye = SipRequest.parse(d.create_request("BYE", OUR_VIA).serialize())
    assert bye.uri == "sip:alice@192.0.2.5:5062"  # the remote target stays the Request-URI
    assert bye.headers.get_all("Route") == d.route_set
    assert d.next_hop() == ("10.0.0.1", 5060)  # first route, not the phone
    assert bye.from_address.tag == "our-tag" and bye.from_address.uri == "sip:demo@example.com"
    assert bye.to_address.tag == "alice-tag" and bye.to_address.display_name == "Alice"
    assert bye.call_id == "dialog-1"
    assert (bye.cseq.number, bye.cseq.method) == (first_cseq + 1, "BYE")
    assert bye.vias[0].branch == "z9hG4bKours"
    second = d.create_request("BYE", OUR_VIA)
    assert second.cseq.number == first_cseq + 2


def test_without_route_set_the_request_goes_to_the_contact():
    d = dialog(
        INVITE.replace("Record-Route: <sip:10.0.0.1:5060;lr;ftag=abc>\r\n", "").replace(
            "Record-Route: <sip:edge.example.com;lr>\r\n", ""
        )
    )
    bye = d.create_request("BYE", OUR_VIA)
    assert "Route" not in bye.headers
    assert d.next_hop() == ("192.0.2.5", 5062)


def test_strict_router_becomes_the_request_uri():
    d = dialog(INVITE.replace(";lr;ftag=abc", ";ftag=abc"))
    bye = d.create_request("BYE", OUR_VIA)
    assert bye.uri == "sip:10.0.0.1:5060;ftag=abc"
    assert bye.headers.get_all("Route") == [
        "<sip:edge.example.com;lr>",
        "<sip:alice@192.0.2.5:5062>",
    ]


def test_in_dialog_requests_must_not_go_backwards_and_reinvite_refreshes_the_target():
    d = dialog()
    reinvite = INVITE.replace("CSeq: 10", "CSeq: 11").replace("192.0.2.5:5062>", "192.0.2.6:7>")
    assert d.accept_request(SipRequest.parse(reinvite.encode()))
    assert d.remote_target == "sip:alice@192.0.2.6:7"
    stale = INVITE.replace("INVITE sip", "BYE sip").replace("10 INVITE", "9 BYE")
    assert not d.accept_request(SipRequest.parse(stale.encode()))
    assert d.matches(SipRequest.parse(reinvite.encode()))
    assert not d.matches(SipRequest.parse(reinvite.replace("alice-tag", "mallory").encode()))
