"""Checking and unpacking SCORM packages, and the run-time values a package may store."""

import io
import zipfile

import pytest

from scorm import services
from scorm.models import ScormPackage

from . import packages

pytestmark = pytest.mark.django_db


def zip_of(members: list[tuple[zipfile.ZipInfo | str, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("imsmanifest.xml", packages.MANIFEST_12.format(launch="index.html"))
        archive.writestr("index.html", packages.PAGE)
        for info, data in members:
            archive.writestr(info, data)
    return buffer.getvalue()


def symlink(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name)
    info.external_attr = (0o120777 << 16) | 0
    return info


REFUSED = {
    "traversal": (zip_of([("../evil.html", b"x")]), "outside itself"),
    "nested traversal": (zip_of([("js/../../evil.html", b"x")]), "outside itself"),
    "absolute path": (zip_of([("/etc/evil", b"x")]), "outside itself"),
    "windows drive": (zip_of([("C:/evil", b"x")]), "outside itself"),
    "backslash": (zip_of([("js\\..\\..\\evil", b"x")]), "outside itself"),
    "symlink": (zip_of([(symlink("link"), b"/etc/passwd")]), "symbolic link"),
    "bomb ratio": (zip_of([("big.txt", b"\0" * (20 * 1024 * 1024))]), "expands far beyond"),
    "twice": (zip_of([("a.html", b"1"), ("A.html", b"2")]), "twice"),
    "no manifest": (packages.build(files={"imsmanifest.xml": None}), "no imsmanifest.xml"),
    "broken xml": (packages.build(manifest="<manifest><unclosed></manifest>"), "not well-formed"),
    "entity expansion": (
        packages.build(
            manifest='<?xml version="1.0"?><!DOCTYPE m [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]>'
            "<manifest>&b;</manifest>"
        ),
        "not well-formed",
    ),
    "missing launch file": (packages.build(launch="start.html"), "not in the package"),
    "other schema": (packages.build(manifest=packages.MANIFEST_12.replace("1.2<", "3.0<")), "Only SCORM 1.2"),
    "not a zip": (b"PK\x03\x04 this is not really a zip", "not a readable zip"),
    "external launch": (packages.build(launch="https://evil.example/x.html"), "inside the package"),
}


@pytest.mark.parametrize("data, message", list(REFUSED.values()), ids=list(REFUSED))
def test_a_hostile_or_broken_package_is_refused_with_its_reason_and_nothing_is_written(private_media, data, message):
    with pytest.raises(services.PackageRejected, match=message):
        services.create_package(title="Bad", upload=packages.upload(data), uploaded_by=None)

    assert not ScormPackage.objects.exists()
    assert not private_media.exists() or not any(private_media.rglob("*"))


def test_too_many_files_are_refused(settings, private_media):
    settings.SCORM_MAX_MEMBERS = 5
    data = packages.build(files={f"f{i}.txt": b"x" for i in range(5)})

    with pytest.raises(services.PackageRejected, match="more than 5 files"):
        services.inspect_package(io.BytesIO(data))


def test_size_limits_are_refused(settings):
    settings.SCORM_MAX_FILE_BYTES = 1000
    with pytest.raises(services.PackageRejected, match="too large"):
        services.inspect_package(io.BytesIO(packages.build(files={"big.bin": b"x" * 1001})))
    settings.SCORM_MAX_FILE_BYTES = 10_000
    settings.SCORM_MAX_TOTAL_BYTES = 2000
    with pytest.raises(services.PackageRejected, match="too large once unpacked"):
        services.inspect_package(io.BytesIO(packages.build(files={"a.bin": b"x" * 900, "b.bin": b"y" * 900})))
    settings.SCORM_MAX_UPLOAD_BYTES = 10
    with pytest.raises(services.PackageRejected, match="too large to upload"):
        services.inspect_package(packages.upload(packages.build()))


@pytest.mark.parametrize("version", ["1.2", "2004"])
def test_a_package_is_unpacked_into_private_storage_under_its_own_prefix(private_media, version):
    package = services.create_package(
        title="Good", upload=packages.upload(packages.build(version, launch="index.html?start=1")), uploaded_by=None
    )

    assert package.version == version
    assert package.launch_path == "index.html?start=1"
    assert package.file_count == 4
    root = private_media / package.storage_prefix
    assert (root / "index.html").read_bytes() == packages.PAGE.encode()
    assert (root / "js" / "package.js").exists()


def test_the_launch_file_follows_the_default_organisation_and_xml_base(private_media):
    manifest = packages.MANIFEST_2004.replace('href="{launch}"', 'xml:base="content/" href="{launch}"', 1)
    package = services.create_package(
        title="Based",
        upload=packages.upload(
            packages.build(
                "2004", manifest=manifest.format(launch="start.html"), files={"content/start.html": b"<p>hi</p>"}
            )
        ),
        uploaded_by=None,
    )

    assert package.launch_path == "content/start.html"


@pytest.mark.parametrize(
    "path, expected",
    [
        ("index.html", "index.html"),
        ("js/./a.js", "js/a.js"),
        ("../x", None),
        ("a/../../x", None),
        ("/etc/passwd", None),
        ("a\\b", None),
        ("a\x00b", None),
        ("", None),
        ("C:/x", None),
    ],
)
def test_member_paths_are_confined_to_the_package(path, expected):
    assert services.member_path(path) == expected


# The run-time data model


@pytest.mark.parametrize(
    "version, values",
    [
        ("1.2", {"cmi.core.student_id": "7"}),  # read-only
        ("1.2", {"cmi.nonsense": "x"}),
        ("1.2", {"cmi.core.lesson_status": "done"}),
        ("1.2", {"cmi.suspend_data": "x" * 4097}),
        ("1.2", {"cmi.core.score.raw": "lots"}),
        ("2004", {"cmi.suspend_data": "x" * 64001}),
        ("2004", {"cmi.completion_status": "passed"}),
        ("2004", {"cmi.score.scaled": "2"}),
        ("2004", {"cmi.core.lesson_status": "completed"}),  # a 1.2 name in a 2004 package
        ("2004", {"cmi.location": 5}),
        ("2004", ["cmi.location"]),
        ("2004", {f"cmi.interactions.{i}.id": "x" for i in range(services.MAX_ELEMENTS + 1)}),
    ],
)
def test_values_a_package_may_not_set_are_refused(version, values):
    with pytest.raises(services.ScormError):
        services.validate_values(version=version, values=values)


def test_the_longest_suspend_data_each_version_allows_is_kept():
    assert services.validate_values(version="1.2", values={"cmi.suspend_data": "x" * 4096})
    assert services.validate_values(version="2004", values={"cmi.suspend_data": "x" * 64000})
    assert services.validate_values(version="2004", values={"cmi.interactions.3.learner_response": "a"})


@pytest.mark.parametrize(
    "version, value, seconds",
    [
        ("1.2", "00:01:30", 90),
        ("1.2", "0001:00:00.5", 3600),
        ("1.2", "soon", 0),
        ("2004", "PT1M5S", 65),
        ("2004", "P1DT1H", 90000),
        ("2004", "PT", 0),
        ("2004", "1M", 0),
    ],
)
def test_session_times_are_read_in_each_versions_format(version, value, seconds):
    assert services.session_seconds(version=version, value=value) == seconds
