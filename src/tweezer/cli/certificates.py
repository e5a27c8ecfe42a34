"""`tweezer admin dev-certificate`: a local certificate authority and a server certificate.

For testing TLS on one machine: the official pasqal-cloud client logs in over https only, so a
server it logs in to needs a certificate the client trusts. Point the client at the CA with
`REQUESTS_CA_BUNDLE=DIR/ca.pem` and serve with
`tweezer serve --tls-cert DIR/server.pem --tls-key DIR/server-key.pem`.
Not for production: use a certificate from a real authority there.
"""

from __future__ import annotations

import argparse
import ipaddress
import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

#: Names the server certificate is valid for, besides any given with --name.
DEFAULT_NAMES = ("localhost", "127.0.0.1", "::1")
CA_DAYS = 3650
SERVER_DAYS = 397


@dataclass(frozen=True)
class DevCertificate:
    ca: Path
    certificate: Path
    key: Path


def make_dev_certificate(out: Path, names: tuple[str, ...] = ()) -> DevCertificate:
    """Write ca.pem, ca-key.pem, server.pem and server-key.pem into `out` (keys readable by
    their owner only); the server certificate is valid for DEFAULT_NAMES and `names`."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    out.mkdir(parents=True, exist_ok=True)
    now = datetime.now(UTC) - timedelta(minutes=5)  # tolerate a little clock skew

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Tweezer development"),
            x509.NameAttribute(NameOID.COMMON_NAME, "Tweezer development CA"),
        ]
    )
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + timedelta(days=CA_DAYS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                key_cert_sign=True,
                crl_sign=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )

    server_key = ec.generate_private_key(ec.SECP256R1())
    all_names = list(dict.fromkeys((*DEFAULT_NAMES, *names)))
    server = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, all_names[0])]))
        .issuer_name(ca_name)
        .public_key(server_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + timedelta(days=SERVER_DAYS))
        .add_extension(x509.SubjectAlternativeName([_general_name(n) for n in all_names]), False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .sign(ca_key, hashes.SHA256())
    )

    def key_bytes(key: ec.EllipticCurvePrivateKey) -> bytes:
        return key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )

    written = DevCertificate(
        ca=out / "ca.pem", certificate=out / "server.pem", key=out / "server-key.pem"
    )
    written.ca.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    written.certificate.write_bytes(server.public_bytes(serialization.Encoding.PEM))
    _write_private(out / "ca-key.pem", key_bytes(ca_key))
    _write_private(written.key, key_bytes(server_key))
    return written


def _general_name(name: str):  # type: ignore[no-untyped-def]
    from cryptography import x509

    try:
        return x509.IPAddress(ipaddress.ip_address(name))
    except ValueError:
        return x509.DNSName(name)


def _write_private(path: Path, content: bytes) -> None:
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(content)
    os.replace(tmp, path)


def dev_certificate(args: argparse.Namespace) -> None:
    written = make_dev_certificate(args.out, tuple(args.name or ()))
    print(f"CA certificate:     {written.ca}  (trust it: REQUESTS_CA_BUNDLE={written.ca})")
    print(f"Server certificate: {written.certificate}")
    print(f"Server key:         {written.key}")
    print(f"Serve with: tweezer serve --tls-cert {written.certificate} --tls-key {written.key}")
