"""SCORM packages: checking an uploaded zip before anything is written, extracting it into private storage,
and storing what a package reports through the run-time API for one learner in one lesson."""

import posixpath
import re
import uuid
import zipfile
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import IO, Any
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from courses.models import LessonPage
from learning import selectors as learning_selectors
from learning import services as learning_services

from .models import ScormAttempt, ScormPackage, ScormVersion, private_media


class ScormError(Exception):
    """A refused package or run-time call; the message is for the person, status_code for the response."""

    status_code = 400


class PackageRejected(ScormError):
    pass


class NotRecorded(ScormError):
    status_code = 403


# Limits of one package; settings may lower or raise them.
MAX_MEMBERS = 2000
MAX_TOTAL_BYTES = 200 * 1024 * 1024
MAX_FILE_BYTES = 100 * 1024 * 1024
MAX_RATIO = 100  # uncompressed ÷ compressed, for any member of some size: beyond it the zip is a bomb
RATIO_FLOOR_BYTES = 1024 * 1024  # small members may compress very well (repeated markup) without harm
MAX_MANIFEST_BYTES = 2 * 1024 * 1024

_S_IFMT, _S_IFLNK = 0o170000, 0o120000
_DRIVE = re.compile(r"^[A-Za-z]:")


def _limit(name: str, default: int) -> int:
    value = getattr(settings, name, default)
    return value if isinstance(value, int) else default


@dataclass(frozen=True)
class InspectedPackage:
    version: str
    launch_path: str
    members: list[zipfile.ZipInfo]
    total_bytes: int


def member_path(name: str) -> str | None:
    """The normalised path of a zip member inside the package; None when it would leave the package."""
    if not name or "\x00" in name or "\\" in name or name.startswith("/") or _DRIVE.match(name):
        return None
    parts = name.split("/")
    if any(part in ("..",) for part in parts):
        return None
    normalised = posixpath.normpath(name)
    if normalised in (".", "") or normalised.startswith("../") or normalised.startswith("/"):
        return None
    return normalised


MAX_UPLOAD_BYTES = 100 * 1024 * 1024


def inspect_package(upload: IO[bytes]) -> InspectedPackage:
    """Checks a SCORM zip without writing anything; raises PackageRejected with the reason."""
    size = getattr(upload, "size", None)
    if isinstance(size, int) and size > _limit("SCORM_MAX_UPLOAD_BYTES", MAX_UPLOAD_BYTES):
        raise PackageRejected(_("The zip file is too large to upload."))
    try:
        archive = zipfile.ZipFile(upload)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        raise PackageRejected(_("This file is not a readable zip archive.")) from None
    with archive:
        infos = archive.infolist()
        if len(infos) > _limit("SCORM_MAX_MEMBERS", MAX_MEMBERS):
            raise PackageRejected(
                _("The package holds more than %(count)d files.") % {"count": _limit("SCORM_MAX_MEMBERS", MAX_MEMBERS)}
            )
        files: list[zipfile.ZipInfo] = []
        seen: set[str] = set()
        exact: set[str] = set()
        total = 0
        for info in infos:
            path = member_path(info.filename.rstrip("/") if info.is_dir() else info.filename)
            if path is None:
                raise PackageRejected(
                    _("The package names a file outside itself (%(name)s).") % {"name": info.filename[:100]}
                )
            if (info.external_attr >> 16) & _S_IFMT == _S_IFLNK:
                raise PackageRejected(_("The package holds a symbolic link (%(name)s).") % {"name": path[:100]})
            if info.flag_bits & 0x1:
                raise PackageRejected(_("The package holds an encrypted file (%(name)s).") % {"name": path[:100]})
            if info.is_dir():
                continue
            if path.lower() in seen:
                raise PackageRejected(_("The package holds the file %(name)s twice.") % {"name": path[:100]})
            seen.add(path.lower())
            exact.add(path)
            if info.file_size > _limit("SCORM_MAX_FILE_BYTES", MAX_FILE_BYTES):
                raise PackageRejected(_("The file %(name)s is too large.") % {"name": path[:100]})
            if info.file_size > RATIO_FLOOR_BYTES and info.file_size > max(info.compress_size, 1) * _limit(
                "SCORM_MAX_RATIO", MAX_RATIO
            ):
                raise PackageRejected(
                    _("The file %(name)s expands far beyond its compressed size; the zip is refused.")
                    % {"name": path[:100]}
                )
            total += info.file_size
            if total > _limit("SCORM_MAX_TOTAL_BYTES", MAX_TOTAL_BYTES):
                raise PackageRejected(_("The package is too large once unpacked."))
            files.append(info)
        manifest_info = next((info for info in files if info.filename == "imsmanifest.xml"), None)
        if manifest_info is None:
            raise PackageRejected(_("The package has no imsmanifest.xml at its root."))
        if manifest_info.file_size > MAX_MANIFEST_BYTES:
            raise PackageRejected(_("The package's imsmanifest.xml is too large."))
        try:
            manifest = archive.read(manifest_info)
        except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError):
            raise PackageRejected(_("The package's imsmanifest.xml cannot be read.")) from None
        version, launch = _read_manifest(manifest)
        file_part = re.split(r"[?#]", launch, maxsplit=1)[0]
        launch_file = member_path(file_part)
        if launch_file is None or launch_file not in exact:
            raise PackageRejected(
                _("The launch file %(name)s named by the manifest is not in the package.") % {"name": launch[:100]}
            )
        # Stored normalised, with whatever query string or fragment the manifest adds to it.
        launch_path = launch_file + launch[len(file_part) :]
        return InspectedPackage(version=version, launch_path=launch_path, members=files, total_bytes=total)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1].lower()


def _children(element: Element, name: str) -> list[Element]:
    return [child for child in element if isinstance(child.tag, str) and _local(child.tag) == name]


def _attribute(element: Element, name: str) -> str:
    for key, value in element.attrib.items():
        if _local(key) == name.lower():
            return value.strip()
    return ""


def _read_manifest(data: bytes) -> tuple[str, str]:
    try:
        root = fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except (ParseError, DefusedXmlException, ValueError):
        raise PackageRejected(_("The package's imsmanifest.xml is not well-formed XML.")) from None
    if _local(root.tag) != "manifest":
        raise PackageRejected(_("The package's imsmanifest.xml is not an IMS manifest."))
    version_text = ""
    for metadata in _children(root, "metadata"):
        for schema_version in _children(metadata, "schemaversion"):
            version_text = (schema_version.text or "").strip()
    namespaces = " ".join([root.tag, *root.attrib.keys(), *root.attrib.values()]).lower()
    if version_text == "1.2" or (not version_text and "adlcp_rootv1p2" in namespaces):
        version = ScormVersion.V12
    elif "2004" in version_text or version_text == "CAM 1.3" or (not version_text and "adlcp_v1p3" in namespaces):
        version = ScormVersion.V2004
    else:
        raise PackageRejected(_("Only SCORM 1.2 and SCORM 2004 packages can be used here."))

    resources = {
        _attribute(resource, "identifier"): resource
        for container in _children(root, "resources")
        for resource in _children(container, "resource")
    }
    # The default organisation's first item that launches something, else the first SCO resource.
    launch_resource = None
    for organizations in _children(root, "organizations"):
        default = _attribute(organizations, "default")
        orgs = _children(organizations, "organization")
        ordered = sorted(orgs, key=lambda org: _attribute(org, "identifier") != default)
        for org in ordered:
            for item in org.iter():
                if isinstance(item.tag, str) and _local(item.tag) == "item":
                    ref = _attribute(item, "identifierref")
                    if ref in resources and _attribute(resources[ref], "href"):
                        launch_resource = resources[ref]
                        break
            if launch_resource is not None:
                break
        if launch_resource is not None:
            break
    if launch_resource is None:
        launch_resource = next(
            (
                resource
                for resource in resources.values()
                if _attribute(resource, "scormtype").lower() == "sco" and _attribute(resource, "href")
            ),
            None,
        )
    if launch_resource is None:
        raise PackageRejected(_("The manifest names no resource to launch."))
    href = _attribute(launch_resource, "href")
    base = _attribute(launch_resource, "base")
    launch = posixpath.join(base, href) if base else href
    if len(launch) > 400 or "://" in launch:
        raise PackageRejected(_("The manifest's launch address must be a file inside the package."))
    return version, launch


def create_package(*, title: str, upload: IO[bytes], uploaded_by: User | None) -> ScormPackage:
    """Checks and extracts a package into private storage under a prefix of its own, then records it."""
    inspected = inspect_package(upload)
    storage = private_media()
    prefix = f"scorm/{uuid.uuid4().hex}"
    written: list[str] = []
    try:
        upload.seek(0)
        with zipfile.ZipFile(upload) as archive:
            for info in inspected.members:
                path = member_path(info.filename)
                assert path is not None  # checked by inspect_package
                # ZipExtFile stops at the declared size and checks the CRC, so a lying header cannot grow it.
                with archive.open(info) as member:
                    name = storage.save(f"{prefix}/{path}", ContentFile(member.read()))
                written.append(name)
        with transaction.atomic():
            return ScormPackage.objects.create(
                title=title,
                version=inspected.version,
                launch_path=inspected.launch_path,
                storage_prefix=prefix,
                file_count=len(written),
                size_bytes=inspected.total_bytes,
                uploaded_by=uploaded_by,
            )
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError) as error:
        for name in written:
            storage.delete(name)
        raise PackageRejected(_("The package could not be unpacked.")) from error
    except BaseException:
        for name in written:
            storage.delete(name)
        raise


def delete_package_files(*, prefix: str) -> int:
    """Removes a deleted package's files from private storage; returns how many went. Safe to repeat."""
    if not re.fullmatch(r"scorm/[0-9a-f]{32}", prefix):
        return 0  # never anything but a package's own folder
    storage = private_media()
    removed = 0
    folders = [prefix]
    while folders:
        folder = folders.pop()
        try:
            subfolders, files = storage.listdir(folder)
        except (FileNotFoundError, NotADirectoryError):
            continue
        for name in files:
            storage.delete(f"{folder}/{name}")
            removed += 1
        folders.extend(f"{folder}/{sub}" for sub in subfolders)
    return removed


def stored_name(*, package: ScormPackage, path: str) -> str | None:
    """The storage name of a file of the package a URL asks for; None when the path leaves the package."""
    normalised = member_path(path)
    return None if normalised is None else f"{package.storage_prefix}/{normalised}"


# --- The run-time API's data model ---------------------------------------------------------------------------

_VOCAB_12 = {
    "cmi.core.lesson_status": {"passed", "completed", "failed", "incomplete", "browsed", "not attempted"},
    "cmi.core.exit": {"time-out", "suspend", "logout", ""},
}
_VOCAB_2004 = {
    "cmi.completion_status": {"completed", "incomplete", "not attempted", "unknown"},
    "cmi.success_status": {"passed", "failed", "unknown"},
    "cmi.exit": {"time-out", "suspend", "logout", "normal", ""},
}
_LENGTHS_12 = {
    "cmi.core.lesson_location": 255,
    "cmi.core.session_time": 20,
    "cmi.suspend_data": 4096,
    "cmi.comments": 4096,
    "cmi.core.score.raw": 20,
    "cmi.core.score.min": 20,
    "cmi.core.score.max": 20,
}
_LENGTHS_2004 = {
    "cmi.location": 1000,
    "cmi.session_time": 40,
    "cmi.suspend_data": 64000,
    "cmi.score.raw": 40,
    "cmi.score.min": 40,
    "cmi.score.max": 40,
    "cmi.score.scaled": 40,
    "cmi.progress_measure": 40,
}
# Collections and preferences a package may keep; stored as given, within these lengths.
_PATTERNS_12 = [
    (re.compile(r"^cmi\.student_preference\.(audio|language|speed|text)$"), 255),
    (re.compile(r"^cmi\.objectives\.\d{1,3}\.(id|status|score\.(raw|min|max))$"), 255),
    (
        re.compile(
            r"^cmi\.interactions\.\d{1,3}\.(id|time|type|weighting|student_response|result|latency"
            r"|objectives\.\d{1,3}\.id|correct_responses\.\d{1,3}\.pattern)$"
        ),
        4096,
    ),
]
_PATTERNS_2004 = [
    (re.compile(r"^cmi\.learner_preference\.(audio_level|language|delivery_speed|audio_captioning)$"), 250),
    (
        re.compile(
            r"^cmi\.objectives\.\d{1,3}\.(id|success_status|completion_status|progress_measure|description"
            r"|score\.(scaled|raw|min|max))$"
        ),
        4000,
    ),
    (
        re.compile(
            r"^cmi\.interactions\.\d{1,3}\.(id|type|timestamp|weighting|learner_response|result|latency|description"
            r"|objectives\.\d{1,3}\.id|correct_responses\.\d{1,3}\.pattern)$"
        ),
        4000,
    ),
    (re.compile(r"^cmi\.comments_from_learner\.\d{1,3}\.(comment|location|timestamp)$"), 4000),
]
MAX_ELEMENTS = 1500
_NUMERIC = {
    "cmi.core.score.raw",
    "cmi.core.score.min",
    "cmi.core.score.max",
    "cmi.score.raw",
    "cmi.score.min",
    "cmi.score.max",
    "cmi.score.scaled",
    "cmi.progress_measure",
}


def _decimal(value: str) -> Decimal | None:
    if not re.fullmatch(r"-?\d{1,10}(\.\d{1,7})?", value):
        return None
    try:
        return Decimal(value)
    except InvalidOperation:
        return None


def validate_values(*, version: str, values: Any) -> dict[str, str]:
    """The elements a package set, checked against the version's data model; raises ScormError for the first
    that is not writable or not a valid value."""
    if not isinstance(values, dict):
        raise ScormError(_("The values must be an object of element names and strings."))
    if len(values) > MAX_ELEMENTS:
        raise ScormError(_("Too many elements."))
    vocab, lengths, patterns = (
        (_VOCAB_12, _LENGTHS_12, _PATTERNS_12)
        if version == ScormVersion.V12
        else (_VOCAB_2004, _LENGTHS_2004, _PATTERNS_2004)
    )
    checked: dict[str, str] = {}
    for name, value in values.items():
        if not isinstance(name, str) or not isinstance(value, str):
            raise ScormError(_("Element names and values must be strings."))
        limit = lengths.get(name)
        if name in vocab:
            if value not in vocab[name]:
                raise ScormError(_("%(value)s is not a valid value of %(name)s.") % {"value": value[:40], "name": name})
        elif limit is None:
            limit = next((length for pattern, length in patterns if pattern.match(name)), None)
            if limit is None:
                raise ScormError(_("%(name)s is not a writable element.") % {"name": name[:80]})
        if limit is not None and len(value) > limit:
            raise ScormError(_("%(name)s is longer than %(limit)d characters.") % {"name": name, "limit": limit})
        if name in _NUMERIC and value != "" and _decimal(value) is None:
            raise ScormError(_("%(name)s must be a number.") % {"name": name})
        if name == "cmi.score.scaled" and value and not (-1 <= (_decimal(value) or 0) <= 1):
            raise ScormError(_("cmi.score.scaled must be between -1 and 1."))
        checked[name] = value
    return checked


_TIMESPAN_12 = re.compile(r"^(\d{2,4}):(\d{2}):(\d{2})(\.\d{1,2})?$")
_DURATION_2004 = re.compile(r"^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$")


def session_seconds(*, version: str, value: str) -> int:
    """A session_time in whole seconds (0 for a value that is not one): HH:MM:SS (1.2), ISO 8601 (2004)."""
    if version == ScormVersion.V12:
        match = _TIMESPAN_12.match(value)
        if not match:
            return 0
        return int(match[1]) * 3600 + int(match[2]) * 60 + int(match[3])
    match = _DURATION_2004.match(value)
    if not match or value in ("P", "PT"):
        return 0
    years, months, days, hours, minutes, seconds = (float(part) if part else 0 for part in match.groups())
    return int(((years * 365 + months * 30 + days) * 24 + hours) * 3600 + minutes * 60 + seconds)


def format_total(*, version: str, seconds: int) -> str:
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if version == ScormVersion.V12:
        return f"{min(hours, 9999):04}:{minutes:02}:{secs:02}"
    return f"PT{hours}H{minutes}M{secs}S"


def is_complete(attempt: ScormAttempt, *, version: str) -> bool:
    if version == ScormVersion.V12:
        return attempt.lesson_status in ("completed", "passed")
    return attempt.completion_status == "completed"


@dataclass(frozen=True)
class CommitResult:
    attempt: ScormAttempt
    lesson_completed: bool


def commit_values(
    *, user: User, lesson: LessonPage, package: ScormPackage, values: Any, finish: bool = False
) -> CommitResult:
    """Stores what the package set (LMSCommit/Commit, LMSFinish/Terminate) for an enrolled learner, and
    completes the lesson through learning once the package says it is completed (1.2: completed or passed;
    2004: completion_status completed)."""
    checked = validate_values(version=package.version, values=values)
    course = lesson.course
    if course is None:
        raise NotRecorded(_("This lesson is not part of a course."))
    enrollment = learning_selectors.enrollment_for(user=user, course=course)
    if enrollment is None or not enrollment.gives_access or user.is_banned:
        raise NotRecorded(_("Enrol in this course to record your progress."))
    access = learning_selectors.lesson_access(user=user, lesson=lesson, course=course, enrollment=enrollment)
    if not access.can_read:
        raise NotRecorded(_("This lesson is not open to you yet."))
    with transaction.atomic():
        attempt, _created = ScormAttempt.objects.select_for_update().get_or_create(
            user=user, lesson=lesson, package=package
        )
        session_element = "cmi.core.session_time" if package.version == ScormVersion.V12 else "cmi.session_time"
        attempt.cmi = {**attempt.cmi, **checked}
        cmi = attempt.cmi
        if package.version == ScormVersion.V12:
            attempt.lesson_status = cmi.get("cmi.core.lesson_status", attempt.lesson_status)
            prefix = "cmi.core.score."
            attempt.location = cmi.get("cmi.core.lesson_location", "")
        else:
            attempt.completion_status = cmi.get("cmi.completion_status", attempt.completion_status)
            attempt.success_status = cmi.get("cmi.success_status", attempt.success_status)
            prefix = "cmi.score."
            attempt.location = cmi.get("cmi.location", "")
            attempt.score_scaled = _decimal(cmi.get("cmi.score.scaled", ""))
        attempt.score_raw = _decimal(cmi.get(prefix + "raw", ""))
        attempt.score_min = _decimal(cmi.get(prefix + "min", ""))
        attempt.score_max = _decimal(cmi.get(prefix + "max", ""))
        attempt.suspend_data = cmi.get("cmi.suspend_data", "")
        if finish:
            # A session's time counts once, when it finishes; until then the last value reported is kept.
            session = attempt.cmi.pop(session_element, "")
            attempt.total_seconds += session_seconds(version=package.version, value=session) if session else 0
        newly_complete = attempt.completed_at is None and is_complete(attempt, version=package.version)
        if newly_complete:
            attempt.completed_at = timezone.now()
        attempt.save()
    completed = False
    if is_complete(attempt, version=package.version):
        try:
            completed = learning_services.complete_lesson(enrollment=enrollment, lesson=lesson).lesson_newly_completed
        except learning_services.LearningError as error:
            raise NotRecorded(str(error)) from error
    return CommitResult(attempt=attempt, lesson_completed=completed)


def runtime_state(*, user: User, package: ScormPackage, attempt: ScormAttempt | None, recorded: bool) -> dict[str, Any]:
    """What the run-time API starts from: the read-only elements and, on resume, what was stored."""
    stored = dict(attempt.cmi) if attempt else {}
    resume = bool(
        attempt
        and (attempt.suspend_data or stored.get("cmi.core.exit") == "suspend" or stored.get("cmi.exit") == "suspend")
    )
    total = format_total(version=package.version, seconds=attempt.total_seconds if attempt else 0)
    name = user.get_full_name() if hasattr(user, "get_full_name") else ""
    if package.version == ScormVersion.V12:
        fixed = {
            "cmi.core.student_id": str(user.pk),
            "cmi.core.student_name": name or user.get_username(),
            "cmi.core.credit": "credit" if recorded else "no-credit",
            "cmi.core.lesson_mode": "normal" if recorded else "browse",
            "cmi.core.entry": "resume" if resume else ("" if attempt else "ab-initio"),
            "cmi.core.total_time": total,
            "cmi.core.lesson_status": stored.get("cmi.core.lesson_status", "not attempted"),
        }
    else:
        fixed = {
            "cmi.learner_id": str(user.pk),
            "cmi.learner_name": name or user.get_username(),
            "cmi.credit": "credit" if recorded else "no-credit",
            "cmi.mode": "normal" if recorded else "browse",
            "cmi.entry": "resume" if resume else ("" if attempt else "ab-initio"),
            "cmi.total_time": total,
            "cmi.completion_status": stored.get("cmi.completion_status", "unknown"),
            "cmi.success_status": stored.get("cmi.success_status", "unknown"),
        }
    # A new session starts with no exit or session time of its own (both are write-only).
    for name in ("cmi.core.exit", "cmi.exit", "cmi.core.session_time", "cmi.session_time"):
        stored.pop(name, None)
    return {"version": package.version, "values": {**stored, **fixed}}
