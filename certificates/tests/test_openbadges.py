import base64
import copy
import hashlib
import json

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.core import signing
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse

from accounts.tests.factories import UserFactory
from certificates import openbadges, services
from certificates.models import Certificate
from certificates.services import DOWNLOAD_SALT

ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def decode_multibase(value: str) -> bytes:
    """base58btc, written out here so the tests do not trust the code they test."""
    assert value.startswith("z")
    digits = value[1:]
    number = 0
    for character in digits:
        number = number * 58 + ALPHABET.index(character)
    body = number.to_bytes((number.bit_length() + 7) // 8, "big")
    return b"\0" * (len(digits) - len(digits.lstrip("1"))) + body


def jcs(value) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def proof_checks_out(credential: dict, public_key: Ed25519PublicKey) -> bool:
    """eddsa-jcs-2022 verification, step by step, independently of certificates.openbadges."""
    document = {key: value for key, value in credential.items() if key != "proof"}
    options = {key: value for key, value in credential["proof"].items() if key != "proofValue"}
    assert options["type"] == "DataIntegrityProof" and options["cryptosuite"] == "eddsa-jcs-2022"
    hash_data = hashlib.sha256(jcs(options)).digest() + hashlib.sha256(jcs(document)).digest()
    try:
        public_key.verify(decode_multibase(credential["proof"]["proofValue"]), hash_data)
    except Exception:
        return False
    return True


def issuer_key_from_profile(client) -> tuple[str, Ed25519PublicKey]:
    profile = client.get(reverse("certificates:issuer")).json()
    method = profile["verificationMethod"][0]
    multikey = decode_multibase(method["publicKeyMultibase"])
    assert multikey[:2] == b"\xed\x01" and len(multikey) == 34
    return method["id"], Ed25519PublicKey.from_public_bytes(multikey[2:])


def badge_url(certificate, user):
    return reverse("certificates:badge", args=[services.download_token(certificate=certificate, user=user)])


def raw_key_setting(key: Ed25519PrivateKey) -> str:
    raw = key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption())
    return base64.b64encode(raw).decode()


class TestEddsaJcs2022:
    """The test vector of Data Integrity EdDSA Cryptosuites v1.0, appendix B.3 (W3C Recommendation, May 2025)."""

    public_key_multibase = "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"
    secret_key_multibase = "z3u2en7t5LR2WtQH5PfFqMqwVHBeXouLzo6haApm8XHqvjxq"
    credential = {
        "@context": ["https://www.w3.org/ns/credentials/v2", "https://www.w3.org/ns/credentials/examples/v2"],
        "id": "urn:uuid:58172aac-d8ba-11ed-83dd-0b3aef56cc33",
        "type": ["VerifiableCredential", "AlumniCredential"],
        "name": "Alumni Credential",
        "description": "A minimum viable example of an Alumni Credential.",
        "issuer": "https://vc.example/issuers/5678",
        "validFrom": "2023-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:abcdefgh", "alumniOf": "The School of Examples"},
    }
    canonical = (
        '{"@context":["https://www.w3.org/ns/credentials/v2","https://www.w3.org/ns/credentials/examples/v2"],'
        '"credentialSubject":{"alumniOf":"The School of Examples","id":"did:example:abcdefgh"},'
        '"description":"A minimum viable example of an Alumni Credential.",'
        '"id":"urn:uuid:58172aac-d8ba-11ed-83dd-0b3aef56cc33","issuer":"https://vc.example/issuers/5678",'
        '"name":"Alumni Credential","type":["VerifiableCredential","AlumniCredential"],'
        '"validFrom":"2023-01-01T00:00:00Z"}'
    )
    proof_value = "z2HnFSSPPBzR36zdDgK8PbEHeXbR56YF24jwMpt3R1eHXQzJDMWS93FCzpvJpwTWd3GAVFuUfjoJdcnTMuVor51aX"

    def key(self) -> Ed25519PrivateKey:
        secret = decode_multibase(self.secret_key_multibase)
        assert secret[:2] == b"\x80\x26"  # multicodec ed25519-priv
        return Ed25519PrivateKey.from_private_bytes(secret[2:])

    def test_canonical_form_and_hash_match_the_spec(self):
        assert openbadges.canonical_json(self.credential).decode() == self.canonical
        digest = hashlib.sha256(openbadges.canonical_json(self.credential)).hexdigest()
        assert digest == "59b7cb6251b8991add1ce0bc83107e3db9dbbab5bd2c28f687db1a03abc92f19"

    def test_the_proof_is_the_specs_byte_for_byte(self):
        key = self.key()
        assert openbadges.public_key_multibase(key.public_key()) == self.public_key_multibase
        signed = openbadges.add_proof(
            self.credential,
            private_key=key,
            verification_method=f"did:key:{self.public_key_multibase}#{self.public_key_multibase}",
            created="2023-02-24T23:36:38Z",
        )
        assert signed["proof"]["proofValue"] == self.proof_value
        assert signed["proof"]["@context"] == self.credential["@context"]
        assert openbadges.verify_proof(signed, public_key=key.public_key())

    def test_base58btc_round_trips_leading_zeros(self):
        for data in (b"", b"\0", b"\0\0\x01", b"\xff" * 40, bytes(range(34))):
            assert openbadges.base58btc_decode(openbadges.base58btc_encode(data)) == data
        assert openbadges.base58btc_encode(b"Hello World!") == "2NEpo7TZRRrLZSi2U"

    def test_floats_and_unsigned_types_are_refused_rather_than_canonicalised_wrongly(self):
        for value in ({"a": 1.5}, {"a": 2**60}, {1: "a"}, {"\U0001f600": 1}):
            with pytest.raises(openbadges.InvalidCredential):
                openbadges.canonical_json(value)


class TestCredential:
    def test_it_is_an_open_badge_naming_learner_course_and_issuer_without_email(self, certificate):
        credential = openbadges.credential_for(certificate)
        assert credential["@context"] == [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        ]
        assert credential["id"] == certificate.verification_url
        assert credential["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
        assert credential["issuer"] == {
            "id": "http://testserver/certificates/issuer/",
            "type": ["Profile"],
            "name": certificate.issuer_name,
        }
        assert credential["validFrom"] == certificate.issued_at.strftime("%Y-%m-%dT%H:%M:%SZ")
        assert credential["validFrom"].endswith("Z")
        assert credential["name"] == f"Certificate of Completion: {certificate.course_title}"
        subject = credential["credentialSubject"]
        assert subject["type"] == ["AchievementSubject"]
        assert subject["identifier"] == [
            {
                "type": "IdentityObject",
                "identityType": "name",
                "hashed": False,
                "identityHash": certificate.learner_name,
            }
        ]
        achievement = subject["achievement"]
        assert achievement["type"] == ["Achievement"]
        assert achievement["name"] == certificate.course_title
        assert achievement["id"] == f"http://testserver/certificates/issuer/achievements/{certificate.course_id}"
        assert achievement["criteria"] == {"narrative": "Completed every lesson and required assessment of the course."}
        assert "credentialStatus" not in credential
        text = json.dumps(credential)
        assert certificate.user.email not in text and "email" not in text.lower()

    def test_the_proof_verifies_with_the_key_the_issuer_profile_publishes(self, client, certificate):
        credential = openbadges.credential_for(certificate)
        key_id, public_key = issuer_key_from_profile(client)
        proof = credential["proof"]
        assert proof["verificationMethod"] == key_id == "http://testserver/certificates/issuer/#key-1"
        assert proof["proofPurpose"] == "assertionMethod"
        assert proof["created"] == credential["validFrom"]
        assert proof["@context"] == credential["@context"]
        assert proof_checks_out(credential, public_key)
        assert openbadges.verify_credential(credential)

    @pytest.mark.parametrize(
        "change",
        [
            lambda c: c["credentialSubject"]["identifier"][0].update(identityHash="Somebody Else"),
            lambda c: c["credentialSubject"]["achievement"].update(name="Another Course"),
            lambda c: c.update(validFrom="2001-01-01T00:00:00Z"),
            lambda c: c["issuer"].update(name="Another School"),
            lambda c: c.update(description="Extra"),
            lambda c: c.pop("name"),
            lambda c: c["proof"].update(created="2001-01-01T00:00:00Z"),
            lambda c: c["proof"].update(proofValue=c["proof"]["proofValue"][:-2] + "11"),
            lambda c: c["proof"].update(proofValue="not base58!"),
            lambda c: c["proof"].update({"@context": ["https://www.w3.org/ns/credentials/v2"]}),
            lambda c: c.pop("proof"),
        ],
    )
    def test_any_change_breaks_verification(self, client, certificate, change):
        credential = openbadges.credential_for(certificate)
        changed = copy.deepcopy(credential)
        change(changed)
        assert not openbadges.verify_credential(changed)
        if "proof" in changed and changed["proof"]["proofValue"].startswith("z"):
            _, public_key = issuer_key_from_profile(client)
            assert not proof_checks_out(changed, public_key)

    def test_a_proof_by_another_key_is_not_ours(self, certificate):
        forged = openbadges.add_proof(
            openbadges.unsigned_credential_for(certificate),
            private_key=Ed25519PrivateKey.generate(),
            verification_method=openbadges.verification_method_id(),
            created="2030-01-01T00:00:00Z",
        )
        assert not openbadges.verify_credential(forged)

    def test_the_same_certificate_gives_the_same_credential(self, certificate):
        first = openbadges.credential_for(certificate)
        again = openbadges.credential_for(Certificate.objects.get(pk=certificate.pk))
        assert json.dumps(first) == json.dumps(again)

    def test_a_key_from_the_setting_is_used(self, client, certificate, settings):
        derived = openbadges.credential_for(certificate)
        key = Ed25519PrivateKey.generate()
        settings.OPENBADGES_ED25519_PRIVATE_KEY = raw_key_setting(key)

        _, published = issuer_key_from_profile(client)
        assert published.public_bytes_raw() == key.public_key().public_bytes_raw()
        credential = openbadges.credential_for(certificate)
        assert credential["proof"]["proofValue"] != derived["proof"]["proofValue"]
        assert proof_checks_out(credential, key.public_key())
        assert openbadges.verify_credential(credential)
        assert not openbadges.verify_credential(derived)

    def test_a_pem_key_in_the_setting_works_too_even_on_one_line(self, certificate, settings):
        key = Ed25519PrivateKey.generate()
        pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ).decode()
        settings.OPENBADGES_ED25519_PRIVATE_KEY = pem.replace("\n", "\\n")
        assert proof_checks_out(openbadges.credential_for(certificate), key.public_key())

    @pytest.mark.parametrize("value", ["not base64 at all", base64.b64encode(b"short").decode()])
    def test_a_bad_key_setting_says_what_is_expected(self, settings, value):
        settings.OPENBADGES_ED25519_PRIVATE_KEY = value
        with pytest.raises(ImproperlyConfigured, match="OPENBADGES_ED25519_PRIVATE_KEY"):
            openbadges.issuer_private_key()

    def test_without_a_setting_the_key_is_derived_from_the_signing_key(self, settings):
        settings.OPENBADGES_ED25519_PRIVATE_KEY = ""
        settings.CERTIFICATE_SIGNING_KEY = "one signing key"
        first = openbadges.issuer_private_key().public_key().public_bytes_raw()
        assert openbadges.issuer_private_key().public_key().public_bytes_raw() == first
        settings.CERTIFICATE_SIGNING_KEY = "another signing key"
        assert openbadges.issuer_private_key().public_key().public_bytes_raw() != first


class TestBadgeDownload:
    def test_the_owner_downloads_the_signed_credential(self, client, certificate):
        client.force_login(certificate.user)
        response = client.get(badge_url(certificate, certificate.user))
        assert response.status_code == 200
        assert response["Content-Type"] == "application/json"
        assert f'attachment; filename="certificate-{certificate.serial}.json"' == response["Content-Disposition"]
        assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
        credential = json.loads(response.content)
        assert credential == openbadges.credential_for(certificate)
        _, public_key = issuer_key_from_profile(client)
        assert proof_checks_out(credential, public_key)
        assert client.get(badge_url(certificate, certificate.user)).content == response.content

    def test_someone_else_gets_403_with_the_owners_link_or_their_own(self, client, certificate):
        intruder = UserFactory()
        client.force_login(intruder)
        assert client.get(badge_url(certificate, certificate.user)).status_code == 403
        assert client.get(badge_url(certificate, intruder)).status_code == 403

    def test_anonymous_visitors_are_sent_to_sign_in(self, client, certificate):
        response = client.get(badge_url(certificate, certificate.user))
        assert response.status_code == 302 and "/accounts/" in response["Location"]

    def test_a_tampered_link_gets_403(self, client, certificate):
        client.force_login(certificate.user)
        token = services.download_token(certificate=certificate, user=certificate.user)
        unsalted = signing.dumps([certificate.pk, certificate.user.pk], compress=True)
        wrong_salt = signing.dumps([certificate.pk, certificate.user.pk], salt=DOWNLOAD_SALT + "x", compress=True)
        for bad in (token[:-1] + ("A" if token[-1] != "A" else "B"), unsalted, wrong_salt, "nonsense"):
            assert client.get(reverse("certificates:badge", args=[bad])).status_code == 403

    def test_an_expired_link_gets_403(self, client, certificate, settings):
        client.force_login(certificate.user)
        url = badge_url(certificate, certificate.user)
        settings.CERTIFICATE_DOWNLOAD_LINK_MAX_AGE = -1
        response = client.get(url)
        assert response.status_code == 403 and "expired" in response.content.decode()

    def test_a_revoked_certificate_is_not_handed_out_not_even_to_an_admin(self, client, certificate, admin_user):
        services.revoke_certificate(certificate=certificate, reason="Refunded", by=admin_user)
        client.force_login(certificate.user)
        assert client.get(badge_url(certificate, certificate.user)).status_code == 403
        client.force_login(admin_user)
        assert client.get(badge_url(certificate, admin_user)).status_code == 403

    def test_an_admin_may_download_a_valid_one(self, client, certificate, admin_user):
        client.force_login(admin_user)
        assert client.get(badge_url(certificate, admin_user)).status_code == 200

    def test_a_row_changed_behind_the_applications_back_is_never_signed(self, client, certificate):
        Certificate.objects.filter(pk=certificate.pk).update(learner_name="Someone Else")
        client.force_login(certificate.user)
        response = client.get(badge_url(certificate, certificate.user))
        assert response.status_code == 400
        assert "Someone Else" not in response.content.decode()


class TestIssuerProfile:
    def test_it_is_public_json_with_the_multikey(self, client):
        response = client.get(reverse("certificates:issuer"))
        assert response.status_code == 200
        assert response["Content-Type"] == "application/json"
        assert response["Access-Control-Allow-Origin"] == "*"
        profile = response.json()
        assert "https://www.w3.org/ns/credentials/v2" in profile["@context"]
        assert profile["id"] == "http://testserver/certificates/issuer/"
        assert profile["type"] == ["Profile"] and profile["name"] == "Learnwell"
        method = profile["verificationMethod"][0]
        assert method["type"] == "Multikey" and method["controller"] == profile["id"]
        assert method["id"] == profile["id"] + "#key-1" and profile["assertionMethod"] == [method["id"]]
        assert method["publicKeyMultibase"].startswith("z6Mk")  # base58btc of 0xed01 + 32 bytes
        assert "private" not in json.dumps(profile).lower()


class TestVerifyEndpoint:
    def post(self, client, data):
        body = data if isinstance(data, str) else json.dumps(data)
        return client.post(reverse("certificates:badge_verify"), body, content_type="application/json")

    def test_a_genuine_credential_is_verified_and_its_status_given(self, client, certificate, admin_user):
        credential = openbadges.credential_for(certificate)
        response = self.post(client, credential)
        assert response.status_code == 200 and response["Access-Control-Allow-Origin"] == "*"
        assert response.json() == {
            "verified": True,
            "id": certificate.verification_url,
            "serial": certificate.serial,
            "status": "valid",
        }
        services.revoke_certificate(certificate=certificate, reason="Refunded", by=admin_user)
        assert self.post(client, credential).json()["status"] == "revoked"

    def test_a_changed_credential_or_a_bad_body_is_not(self, client, certificate):
        credential = openbadges.credential_for(certificate)
        credential["credentialSubject"]["identifier"][0]["identityHash"] = "Somebody Else"
        assert self.post(client, credential).json() == {"verified": False}
        assert self.post(client, [1, 2]).json() == {"verified": False}
        assert self.post(client, "{not json").status_code == 400


class TestPages:
    def test_the_dashboard_panel_offers_the_open_badge(self, client, certificate):
        client.force_login(certificate.user)
        body = client.get(reverse("learning:dashboard")).content.decode()
        assert "Open Badge (JSON)" in body
        assert "/badge.json" in body

    def test_the_verify_page_points_at_the_issuer_key(self, client, certificate):
        body = client.get(reverse("certificates:verify", args=[certificate.serial])).content.decode()
        assert "Open Badges 3.0" in body and reverse("certificates:issuer") in body
