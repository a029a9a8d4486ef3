"""The certificate PDF hashes to known values for fixed fields.

An issued certificate's sha256 is stored and signed, and when its file is lost `services.certificate_pdf`
rebuilds it from the stored fields and serves it only if it hashes the same. An upgrade of ReportLab (or of
Pillow or zlib, which encode the logo and the page streams) or a change to a font file in lms_site/fonts that
changes these bytes would leave every issued certificate whose file is lost without a download: this test
must fail first. When it does, do not just paste the new hashes. Either keep the version that makes the old
bytes (pin it), or accept the change knowingly: check that every issued certificate still has its stored
PDF file (and that backups hold them) so nothing needs a rebuild, then update the constants in the same
commit as the upgrade and say so in its message.

Pure function, no database and no clock: the fields are fixed here (the issue time is the PDF's creation
date, ReportLab runs in invariant mode), so the hashes are the same on every run, SQLite or MariaDB.
"""

import base64
import hashlib
from datetime import UTC, date, datetime

import pytest

from certificates.pdf import CertificateContent, render_certificate

# A 36×12 PNG with transparency (a certificate logo is drawn with its alpha mask).
LOGO = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAACQAAAAMCAYAAAAK/x/DAAAAa0lEQVR42mP0d3v6n4EEsHGXNCM28Q294SjmBBSvZGQgA7AwUAjQHYIuTqrDmGjhGFLVUDWESAVy"
    "0t4NNAkhUnxOilomhkEGRh1EMweRkp1JUUv3XPbo6dYGmkUZMT4ntWCkOIRgFlKr6gAALQMoICN5KbYAAAAASUVORK5CYII="
)

LATIN = CertificateContent(
    serial="LW-2026-7K3Q-9XPA",
    learner_name="Zoë Ünïcödé-Łukasiewicz",
    course_title="Django in Depth: models, views and templates for the working developer",
    trainer_name="Tom Trainer",
    issuer_name="Learnwell",
    completed_on=date(2026, 3, 14),
    issued_at=datetime(2026, 3, 15, 9, 30, tzinfo=UTC),
    verification_url="https://learnwell.example/certificates/verify/LW-2026-7K3Q-9XPA/",
    logo=LOGO,
)
# The fallback face (Chinese) subset into the PDF, and no trainer line.
CJK = CertificateContent(
    serial="LW-2026-2M8D-4RTE",
    learner_name="李雷 韩梅梅",
    course_title="学习 Python：数据分析",
    trainer_name="",
    issuer_name="Learnwell",
    completed_on=date(2026, 11, 2),
    issued_at=datetime(2026, 11, 2, 23, 59, 59, tzinfo=UTC),
    verification_url="https://learnwell.example/certificates/verify/LW-2026-2M8D-4RTE/",
)


@pytest.mark.parametrize(
    ("content", "sha256"),
    [
        (LATIN, "ace03fc3d6c1276f04d79b005bd0e3acc5eea242f1206c8e1ae8e0900a74ea6f"),
        (CJK, "5c3a9854d195b90e12c8707d7d7827d1d000b211477f68a5f0b81a82b0c26a15"),
    ],
    ids=["latin-with-logo", "cjk-without-trainer"],
)
def test_a_certificate_pdf_has_its_known_hash(content, sha256):
    assert hashlib.sha256(render_certificate(content)).hexdigest() == sha256
