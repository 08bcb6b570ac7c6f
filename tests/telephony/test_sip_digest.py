"""Digest authentication against the published examples (RFC 2617 §3.5, RFC 7616 §3.9.1)."""

import pytest

from callwright.telephony.sip.digest import (
    Answer,
    Challenge,
    Credentials,
    authorization,
    pick_challenge,
    verify,
)
from callwright.telephony.sip.errors import SipParseError

RFC7616_CHALLENGE = (
    'Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm={algorithm}, '
    'nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", '
    'opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"'
)
RFC7616_CNONCE = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ"
MUFASA = Credentials("Mufasa", "Circle of Life")


@pytest.mark.parametrize(
    ("algorithm", "expected"),
    [
        ("MD5", "8ca523f5e9506fed4657c9700eebdbec"),
        ("SHA-256", "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"),
    ],
)
def test_the_rfc_7616_examples_give_their_published_responses(algorithm, expected):
    challenge = Challenge.parse(RFC7616_CHALLENGE.format(algorithm=algorithm))
    value = authorization(challenge, MUFASA, "GET", "/dir/index.html", cnonce=RFC7616_CNONCE)
    assert f'response="{expected}"' in value
    assert "qop=auth," in value and "nc=00000001" in value
    assert 'opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"' in value


def test_the_rfc_2617_example_gives_its_published_response():
    challenge = Challenge.parse(
        'Digest realm="testrealm@host.com", qop="auth,auth-int", '
        'nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", opaque="5ccc069c403ebaf9f0171e9517f40e41"'
    )
    value = authorization(
        challenge, Credentials("Mufasa", "Circle Of Life"), "GET", "/dir/index.html",
        cnonce="0a4f113b",
    )
    assert 'response="6629fae49393a05397450978507c4ef1"' in value


def test_a_challenge_without_qop_is_answered_the_rfc_2069_way():
    challenge = Challenge.parse('Digest realm="kamailio", nonce="abc"')
    value = authorization(challenge, MUFASA, "REGISTER", "sip:127.0.0.1")
    assert "qop=" not in value and "cnonce" not in value
    assert verify(Answer.parse(value), challenge, "Circle of Life", "REGISTER")


def test_sha_256_is_preferred_when_both_are_offered():
    offered = [RFC7616_CHALLENGE.format(algorithm=name) for name in ("MD5", "SHA-256")]
    assert pick_challenge(offered).algorithm == "SHA-256"


def test_an_unsupported_challenge_is_skipped_for_one_we_can_answer():
    offered = ['Basic realm="x"', 'Digest realm="r", nonce="n", algorithm=SHA-512-256',
               'Digest realm="r", nonce="n", algorithm=md5']
    assert pick_challenge(offered).algorithm == "MD5"


@pytest.mark.parametrize(
    "garbage",
    ["", "Digest", 'Digest realm="r"', 'Digest realm="r", nonce="n", algorithm=SHA-512-256',
     'Digest realm="unterminated, nonce="n"', "Basic realm=x"],
)
def test_a_malformed_challenge_is_a_clear_parse_error(garbage):
    with pytest.raises(SipParseError):
        pick_challenge([garbage])


@pytest.mark.parametrize("algorithm", ["MD5", "SHA-256", "MD5-sess", "SHA-256-sess"])
def test_the_server_side_accepts_the_right_password_and_refuses_a_wrong_one(algorithm):
    challenge = Challenge(realm="callwright", nonce="n1", algorithm=algorithm, qop=("auth",))
    value = authorization(challenge, Credentials("trunk", "s3cret"), "INVITE", "sip:demo@host")
    answer = Answer.parse(value)
    assert verify(answer, challenge, "s3cret", "INVITE")
    assert not verify(answer, challenge, "wrong", "INVITE")
    assert not verify(answer, challenge, "s3cret", "BYE")  # replayed for another method
    other_nonce = Challenge(realm="callwright", nonce="n2", algorithm=algorithm, qop=("auth",))
    assert not verify(answer, other_nonce, "s3cret", "INVITE")


def test_quotes_in_a_username_survive_the_round_trip():
    challenge = Challenge(realm="r", nonce="n")
    answer = Answer.parse(authorization(challenge, Credentials('a"b\\c', "p"), "INVITE", "sip:x"))
    assert answer.username == 'a"b\\c'
    assert verify(answer, challenge, "p", "INVITE")
