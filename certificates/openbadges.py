"""Certificates as Open Badges 3.0 credentials: W3C Verifiable Credentials signed by the site's Ed25519 key.

A learner can put the credential in any Open Badges 3.0 wallet, and anyone can check it offline against the
public key published at /certificates/issuer/. The proof is a Data Integrity proof with the eddsa-jcs-2022
cryptosuite (W3C "Data Integrity EdDSA Cryptosuites v1.0", section 3.3): JSON Canonicalization (RFC 8785)
of the proof configuration and of the document, SHA-256 of each, Ed25519 over the two hashes joined.

Revocation is not in the credential (no `credentialStatus`): its `id` is the certificate's public
verification page, which says whether it still stands.

The issuer key comes from OPENBADGES_ED25519_PRIVATE_KEY. Unset, it is derived from the certificate signing
key, so development needs no setup; production should set a key of its own, because a derived key changes
whenever that secret is rotated, and every credential handed out before no longer verifies.
"""

import base64
import binascii
import copy
import functools
import hashlib
import json
from datetime import UTC, datetime
from urllib.parse import urlsplit

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.urls import Resolver404, resolve, reverse
from django.utils.translation import gettext

from . import selectors, services
from .models import Certificate, signing_key

CREDENTIALS_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OPEN_BADGES_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
# Defines verificationMethod, assertionMethod and Multikey for the issuer's (controller) document.
CONTROLLER_CONTEXT = "https://www.w3.org/ns/cid/v1"
CREDENTIAL_CONTEXT = [CREDENTIALS_CONTEXT, OPEN_BADGES_CONTEXT]

PROOF_TYPE = "DataIntegrityProof"
CRYPTOSUITE = "eddsa-jcs-2022"
PROOF_PURPOSE = "assertionMethod"
KEY_FRAGMENT = "key-1"
CRITERIA = "Completed every lesson and required assessment of the course."

HKDF_INFO = b"learnwell openbadges ed25519"
ED25519_PUBLIC_KEY_HEADER = b"\xed\x01"  # multicodec ed25519-pub, as a varint


class InvalidCredential(ValueError):
    """The data is not something this site could have signed."""


# --- multibase (base58btc) ----------------------------------------------------------------------------

BASE58_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_BASE58_INDEX = {character: index for index, character in enumerate(BASE58_ALPHABET)}


def base58btc_encode(data: bytes) -> str:
    number = int.from_bytes(data, "big")
    encoded = ""
    while number:
        number, remainder = divmod(number, 58)
        encoded = BASE58_ALPHABET[remainder] + encoded
    leading_zeros = len(data) - len(data.lstrip(b"\0"))
    return "1" * leading_zeros + encoded


def base58btc_decode(text: str) -> bytes:
    number = 0
    for character in text:
        if character not in _BASE58_INDEX:
            raise InvalidCredential(f"{character!r} is not a base58btc character.")
        number = number * 58 + _BASE58_INDEX[character]
    leading_zeros = len(text) - len(text.lstrip("1"))
    body = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    return b"\0" * leading_zeros + body


def multibase_decode(text: str) -> bytes:
    if not isinstance(text, str) or not text.startswith("z"):
        raise InvalidCredential("Only base58btc multibase values (starting with 'z') are used here.")
    return base58btc_decode(text[1:])


# --- JSON Canonicalization Scheme (RFC 8785) ----------------------------------------------------------


def canonical_json(value) -> bytes:
    """The RFC 8785 (JCS) serialization of strings, booleans, null, integers, lists and objects.

    For these types, sorted keys with json.dumps(separators=(",", ":"), ensure_ascii=False) is exactly JCS:
    JCS escapes only '"', '\\' and control characters (as \\b \\f \\n \\r \\t, the rest as lowercase \\u00xx),
    which is what json.dumps does without ensure_ascii, and an integer below 2**53 prints the same in both.
    Two differences are ruled out instead of handled, as our documents never contain them: floats (JCS
    prints them the ECMAScript way) and object keys beyond U+FFFF (JCS sorts keys by UTF-16 code units,
    Python by code points; the orders agree within the Basic Multilingual Plane).
    """
    _check_canonicalizable(value)
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()


def _check_canonicalizable(value) -> None:
    if value is None or isinstance(value, str | bool):
        return
    if isinstance(value, int):
        if abs(value) >= 2**53:
            raise InvalidCredential("Integers this large have no exact JSON canonical form.")
        return
    if isinstance(value, list):
        for item in value:
            _check_canonicalizable(item)
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str) or any(ord(character) > 0xFFFF for character in key):
                raise InvalidCredential("Object keys must be strings within the Basic Multilingual Plane.")
            _check_canonicalizable(item)
        return
    raise InvalidCredential(f"{type(value).__name__} values are not signed here.")


# --- keys ---------------------------------------------------------------------------------------------


def issuer_private_key() -> Ed25519PrivateKey:
    return _private_key(settings.OPENBADGES_ED25519_PRIVATE_KEY, signing_key())


@functools.cache
def _private_key(configured: str, fallback_secret: str) -> Ed25519PrivateKey:
    # Cached per (setting, secret) pair, so a changed setting (or a test's override) takes effect at once.
    configured = configured.strip()
    if not configured:
        seed = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=HKDF_INFO).derive(fallback_secret.encode())
        return Ed25519PrivateKey.from_private_bytes(seed)
    if configured.startswith("-----BEGIN"):
        # An env var often carries a PEM on one line with literal "\n"s.
        pem = configured.replace("\\n", "\n").encode()
        try:
            key = serialization.load_pem_private_key(pem, password=None)
        except (ValueError, TypeError) as error:
            raise ImproperlyConfigured(f"OPENBADGES_ED25519_PRIVATE_KEY is not a readable PEM key: {error}") from None
        if not isinstance(key, Ed25519PrivateKey):
            raise ImproperlyConfigured("OPENBADGES_ED25519_PRIVATE_KEY must be an Ed25519 key.")
        return key
    try:
        raw = base64.b64decode(configured + "=" * (-len(configured) % 4), altchars=b"-_", validate=True)
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != 32:
        raise ImproperlyConfigured(
            "OPENBADGES_ED25519_PRIVATE_KEY must be a PEM Ed25519 private key or the base64 of its raw 32 bytes."
        )
    return Ed25519PrivateKey.from_private_bytes(raw)


def public_key_multibase(public_key: Ed25519PublicKey) -> str:
    raw = public_key.public_bytes(encoding=serialization.Encoding.Raw, format=serialization.PublicFormat.Raw)
    return "z" + base58btc_encode(ED25519_PUBLIC_KEY_HEADER + raw)


def public_key_from_multibase(value: str) -> Ed25519PublicKey:
    decoded = multibase_decode(value)
    if len(decoded) != 34 or not decoded.startswith(ED25519_PUBLIC_KEY_HEADER):
        raise InvalidCredential("Not a Multikey-encoded Ed25519 public key.")
    return Ed25519PublicKey.from_public_bytes(decoded[2:])


# --- issuer -------------------------------------------------------------------------------------------


def site_url() -> str:
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/")


def issuer_url() -> str:
    return site_url() + reverse("certificates:issuer")


def verification_method_id() -> str:
    return f"{issuer_url()}#{KEY_FRAGMENT}"


def issuer_profile() -> dict:
    """The issuer's Profile, which is also the controller document holding its public key."""
    key_id = verification_method_id()
    return {
        "@context": [CREDENTIALS_CONTEXT, OPEN_BADGES_CONTEXT, CONTROLLER_CONTEXT],
        "id": issuer_url(),
        "type": ["Profile"],
        "name": settings.WAGTAIL_SITE_NAME,
        "url": site_url() + "/",
        "verificationMethod": [
            {
                "id": key_id,
                "type": "Multikey",
                "controller": issuer_url(),
                "publicKeyMultibase": public_key_multibase(issuer_private_key().public_key()),
            }
        ],
        "assertionMethod": [key_id],
    }


# --- credentials --------------------------------------------------------------------------------------


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def unsigned_credential_for(certificate: Certificate) -> dict:
    """The OpenBadgeCredential of a certificate, from the fields printed on it (never the live user or course).

    The learner is named by an IdentityObject of type "name": Open Badges 3.0 has no `name` on an
    AchievementSubject, and `identifier` is how it names a recipient without a DID. No e-mail address.
    A certificate that expires carries `validUntil` (VC Data Model 2.0, an XML Schema dateTimeStamp like
    `validFrom`), so a wallet or verifier sees the expiry without asking us.
    """
    taught_by = f", taught by {certificate.trainer_name}" if certificate.trainer_name else ""
    credential = {
        "@context": list(CREDENTIAL_CONTEXT),
        "id": certificate.verification_url,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": issuer_url(), "type": ["Profile"], "name": certificate.issuer_name},
        "validFrom": _utc(certificate.issued_at),
        "name": f"Certificate of Completion: {certificate.course_title}",
        "description": f"{certificate.issuer_name} certifies completion of the course “{certificate.course_title}”.",
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [
                {
                    "type": "IdentityObject",
                    "identityType": "name",
                    "hashed": False,
                    "identityHash": certificate.learner_name,
                }
            ],
            "achievement": {
                "id": f"{issuer_url()}achievements/{certificate.course_id}",
                "type": ["Achievement"],
                "achievementType": "CertificateOfCompletion",
                "name": certificate.course_title,
                "description": (
                    f"Completion of the course “{certificate.course_title}” at {certificate.issuer_name}{taught_by}."
                ),
                "criteria": {"narrative": CRITERIA},
            },
        },
    }
    if certificate.expires_at is not None:
        credential["validUntil"] = _utc(certificate.expires_at)
    return credential


def credential_for(certificate: Certificate) -> dict:
    """The signed credential. The same certificate always gives the same bytes: `created` is the issue time
    and Ed25519 signatures are deterministic."""
    return add_proof(
        unsigned_credential_for(certificate),
        private_key=issuer_private_key(),
        verification_method=verification_method_id(),
        created=_utc(certificate.issued_at),
    )


def _hash_data(document: dict, proof_config: dict) -> bytes:
    # Hashing (eddsa-jcs-2022): SHA-256(canonical proof configuration) followed by SHA-256(canonical document).
    return hashlib.sha256(canonical_json(proof_config)).digest() + hashlib.sha256(canonical_json(document)).digest()


def add_proof(document: dict, *, private_key: Ed25519PrivateKey, verification_method: str, created: str) -> dict:
    """Create Proof (eddsa-jcs-2022): the document with a DataIntegrityProof appended."""
    unsecured = copy.deepcopy(document)
    unsecured.pop("proof", None)
    proof = {
        "type": PROOF_TYPE,
        "cryptosuite": CRYPTOSUITE,
        "created": created,
        "verificationMethod": verification_method,
        "proofPurpose": PROOF_PURPOSE,
    }
    if "@context" in unsecured:
        # The spec's step 2: the proof carries the document's context, so it also holds in a proof set.
        proof["@context"] = copy.deepcopy(unsecured["@context"])
    signature = private_key.sign(_hash_data(unsecured, proof))
    return {**unsecured, "proof": {**proof, "proofValue": "z" + base58btc_encode(signature)}}


def verify_proof(document: dict, *, public_key: Ed25519PublicKey) -> bool:
    """Verify Proof (eddsa-jcs-2022) of a document carrying one DataIntegrityProof, against `public_key`."""
    try:
        return _verify_proof(document, public_key)
    except (InvalidCredential, InvalidSignature, TypeError, ValueError, KeyError, AttributeError):
        return False


def _verify_proof(document: dict, public_key: Ed25519PublicKey) -> bool:
    if not isinstance(document, dict) or not isinstance(document.get("proof"), dict):
        return False
    unsecured = {key: value for key, value in document.items() if key != "proof"}
    options = {key: value for key, value in document["proof"].items() if key != "proofValue"}
    if options.get("type") != PROOF_TYPE or options.get("cryptosuite") != CRYPTOSUITE:
        return False
    signature = multibase_decode(document["proof"].get("proofValue"))
    if len(signature) != 64:
        return False
    if "@context" in options:
        proof_context = options["@context"]
        proof_context = proof_context if isinstance(proof_context, list) else [proof_context]
        document_context = unsecured.get("@context")
        document_context = document_context if isinstance(document_context, list) else [document_context]
        if document_context[: len(proof_context)] != proof_context:
            return False
        unsecured["@context"] = options["@context"]
    public_key.verify(signature, _hash_data(unsecured, options))  # raises InvalidSignature
    return True


def verify_credential(data: dict) -> bool:
    """Whether `data` is a credential this site issued, unchanged: our issuer, our key, a valid proof."""
    if not isinstance(data, dict) or not isinstance(data.get("proof"), dict):
        return False
    issuer = data.get("issuer")
    issuer_id = issuer.get("id") if isinstance(issuer, dict) else issuer
    proof = data["proof"]
    if (
        issuer_id != issuer_url()
        or proof.get("verificationMethod") != verification_method_id()
        or proof.get("proofPurpose") != PROOF_PURPOSE
    ):
        return False
    return verify_proof(data, public_key=issuer_private_key().public_key())


def credential_status(data: dict) -> dict:
    """What the public verification endpoint answers about a posted credential: is the proof ours and intact,
    and does the certificate it names still stand (valid, revoked, ...)."""
    if not verify_credential(data):
        return {"verified": False}
    answer = {"verified": True, "id": data.get("id")}
    try:
        match = resolve(urlsplit(str(data.get("id", ""))).path)
    except Resolver404:
        return answer
    if match.view_name == "certificates:verify":
        verification = selectors.verification(serial=match.kwargs["serial"])
        answer.update(serial=verification.serial, status=verification.status)
    return answer


def credential_for_download(*, token: str, user) -> tuple[Certificate, dict]:
    """The certificate a download link names and its credential, under the same rules as the PDF download.

    Stricter in two ways: a revoked certificate is never signed as a credential, not even for an admin,
    and neither is a row that no longer matches its HMAC (someone changed it outside the application).
    """
    certificate = services.certificate_for_download(token=token, user=user)
    if certificate.revoked_at:
        raise services.NotAllowed(gettext("This certificate has been revoked."))
    if not certificate.signature_is_valid:
        raise services.CertificateError(
            gettext("This certificate's record cannot be verified. Please contact support.")
        )
    return certificate, credential_for(certificate)
