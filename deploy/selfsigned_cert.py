"""Writes a self-signed TLS certificate and key for nginx, unless both are already there.

    python deploy/selfsigned_cert.py DIRECTORY [HOSTNAME ...]

DIRECTORY gets cert.pem and key.pem (the key readable by its owner only). The names default to localhost
and 127.0.0.1. The local production stack and docker-compose's tls-cert service call it, so TLS, secure
cookies and HSTS are exercised for real before a real certificate is at hand. Uses `cryptography`, already
a dependency, so the image needs no openssl binary.
"""

import datetime
import ipaddress
import os
import sys
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


def write_certificate(directory: Path, names: list[str]) -> bool:
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    if cert_path.exists() and key_path.exists():
        return False
    directory.mkdir(parents=True, exist_ok=True)
    key = ec.generate_private_key(ec.SECP256R1())
    alt_names: list[x509.GeneralName] = []
    for name in names:
        try:
            alt_names.append(x509.IPAddress(ipaddress.ip_address(name)))
        except ValueError:
            alt_names.append(x509.DNSName(name))
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=365))
        .add_extension(x509.SubjectAlternativeName(alt_names), critical=False)
        # A CA certificate for itself, so a client can trust exactly this file (the smoke test does).
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    old_umask = os.umask(0o077)
    try:
        key_path.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
    finally:
        os.umask(old_umask)
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return True


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    made = write_certificate(Path(sys.argv[1]), sys.argv[2:] or ["localhost", "127.0.0.1"])
    print(f"{'wrote' if made else 'kept'} {sys.argv[1]}/cert.pem")
