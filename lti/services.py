"""Every change LTI makes: the tool's key, accounts provisioned for platform users, resource links and the
launches that tie people to them, and the scores posted back to platforms."""

from __future__ import annotations

import contextlib
import hashlib
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from pylti1p3.assignments_grades import AssignmentsGradesService
from pylti1p3.exception import LtiException
from pylti1p3.grade import Grade
from pylti1p3.registration import Registration
from pylti1p3.service_connector import ServiceConnector
from wagtail.models import Page

from accounts.models import Role, User
from accounts.selectors import user_with_email
from assessments.models import Attempt
from courses.models import CoursePage
from learning import services as learning_services
from learning.models import Enrollment, EnrollmentStatus

from . import selectors
from .models import LtiLinkLaunch, LtiPlatform, LtiResourceLink, LtiToolKey, LtiUser

ROLES_CLAIM = "https://purl.imsglobal.org/spec/lti/claim/roles"
AGS_CLAIM = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
RESOURCE_LINK_CLAIM = "https://purl.imsglobal.org/spec/lti/claim/resource_link"
DEPLOYMENT_CLAIM = "https://purl.imsglobal.org/spec/lti/claim/deployment_id"
SCORE_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
# Context and institution roles that mean "teaches here"; a platform administrator is not one of them on purpose.
INSTRUCTOR_ROLES = frozenset(
    {
        "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor",
        "http://purl.imsglobal.org/vocab/lis/v2/institution/person#Instructor",
        "Instructor",
    }
)


# Who may place content in a platform's course: its teachers and course designers, as the context roles say.
CONTENT_PICKER_ROLES = INSTRUCTOR_ROLES | {
    "http://purl.imsglobal.org/vocab/lis/v2/membership#ContentDeveloper",
    "http://purl.imsglobal.org/vocab/lis/v2/membership#Administrator",
}


class LtiError(Exception):
    """A launch Learnwell refuses; the message is for the person, status_code for the response."""

    status_code = 400

    def __init__(self, message: str, *, status_code: int | None = None):
        super().__init__(message)
        self.message = message
        if status_code is not None:
            self.status_code = status_code


class ScorePostFailed(LtiError):
    """A platform did not take a score (down, refused our token, answered nonsense): the task tries again later."""

    status_code = 502


def tool_key() -> LtiToolKey:
    """The key that signs; made on first use. Two processes making one at once both publish theirs in the JWKS."""
    key = LtiToolKey.objects.order_by("-created_at", "-id").first()
    if key is not None:
        return key
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private_pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public_pem = (
        private.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    jwk = dict(Registration.get_jwk(public_pem))
    return LtiToolKey.objects.create(kid=str(jwk["kid"]), private_key_pem=private_pem, public_jwk=jwk)


def _is_instructor(claims: dict[str, Any]) -> bool:
    roles = claims.get(ROLES_CLAIM)
    return isinstance(roles, list) and any(role in INSTRUCTOR_ROLES for role in roles)


def may_pick_content(claims: dict[str, Any]) -> bool:
    roles = claims.get(ROLES_CLAIM)
    return isinstance(roles, list) and any(role in CONTENT_PICKER_ROLES for role in roles)


def _text(value: object, limit: int) -> str:
    return value.strip()[:limit] if isinstance(value, str) else ""


def user_for_launch(*, platform: LtiPlatform, claims: dict[str, Any]) -> User:
    """The account of the platform's person `sub`: linked before, or made now. Never found by e-mail address."""
    sub = _text(claims.get("sub"), 255)
    if not sub:
        raise LtiError(_("The platform did not say who you are."))
    with transaction.atomic():
        link = LtiUser.objects.select_for_update().select_related("user").filter(platform=platform, sub=sub).first()
        if link is None:
            user = _new_account(platform=platform, sub=sub, claims=claims)
            try:
                with transaction.atomic():
                    link = LtiUser.objects.create(platform=platform, sub=sub, user=user)
            except IntegrityError:
                # The same person's launch in another tab linked an account a moment ago: use that one.
                user.delete()
                link = LtiUser.objects.select_related("user").get(platform=platform, sub=sub)
        else:
            link.last_launch_at = timezone.now()
            link.save(update_fields=["last_launch_at"])
        user = link.user
        if user.is_banned or not user.is_active:
            raise LtiError(_("This account may not sign in."), status_code=403)
    return user


def _new_account(*, platform: LtiPlatform, sub: str, claims: dict[str, Any]) -> User:
    digest = hashlib.sha256(f"{platform.pk}:{sub}".encode()).hexdigest()[:20]
    placeholder = f"lti-{digest}@lti.invalid"
    # The platform's address is kept only when no account uses it: it says how to reach the person, never who
    # they are here, so an address already taken gets the placeholder rather than the other account.
    email = _text(claims.get("email"), 254).lower()
    if not email or "@" not in email or user_with_email(email=email) is not None:
        email = placeholder
    role = Role.TRAINER if platform.instructors_become_trainers and _is_instructor(claims) else Role.LEARNER
    user = User(
        username=f"lti-{digest}",
        email=email,
        first_name=_text(claims.get("given_name"), 150),
        last_name=_text(claims.get("family_name"), 150),
        role=role,
    )
    user.set_unusable_password()
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:
        user.email = placeholder
        user.save()
    return user


def _may_post_to(platform: LtiPlatform, url: str) -> bool:
    """Scores carry a bearer token: they go over https, or plain http only to a platform registered on http."""
    allowed = ("https://", "http://") if platform.auth_token_url.startswith("http://") else ("https://",)
    return url.startswith(allowed)


def record_launch(*, platform: LtiPlatform, claims: dict[str, Any], user: User, page: Page) -> LtiResourceLink:
    """Keeps the link's target and grade service up to date and remembers that `user` launched it."""
    resource = claims.get(RESOURCE_LINK_CLAIM)
    resource = resource if isinstance(resource, dict) else {}
    link_id = _text(resource.get("id"), 255)
    if not link_id:
        raise LtiError(_("The platform did not name the resource link."))
    ags = claims.get(AGS_CLAIM)
    ags = ags if isinstance(ags, dict) else {}
    lineitem = _text(ags.get("lineitem"), 1000)
    scopes = (
        [scope for scope in ags.get("scope", []) if isinstance(scope, str)]
        if isinstance(ags.get("scope"), list)
        else []
    )
    with transaction.atomic():
        link, _created = LtiResourceLink.objects.update_or_create(
            platform=platform,
            deployment_id=_text(claims.get(DEPLOYMENT_CLAIM), 255),
            resource_link_id=link_id,
            defaults={
                "title": _text(resource.get("title"), 255),
                "page": page,
                "lineitem_url": lineitem if _may_post_to(platform, lineitem) else "",
                "ags_scopes": scopes,
            },
        )
        lti_user = LtiUser.objects.get(platform=platform, sub=_text(claims.get("sub"), 255))
        LtiLinkLaunch.objects.update_or_create(
            lti_user=lti_user, resource_link=link, defaults={"last_launch_at": timezone.now()}
        )
    return link


def open_for(*, user: User, page: Page) -> None:
    """Enrols the person in the page's course when it is free; a paid course shows its price as to anyone."""
    specific = page.specific
    course = specific if isinstance(specific, CoursePage) else selectors.course_of(specific)
    if course is None:
        return
    # Paid, or prerequisites missing: the course page says why, as it would to anyone.
    with contextlib.suppress(learning_services.LearningError):
        learning_services.enroll(user=user, course=course)


def course_score(enrollment: Enrollment) -> Grade:
    done = enrollment.status == EnrollmentStatus.COMPLETED
    return (
        Grade()
        .set_score_given(float(enrollment.progress_percent))
        .set_score_maximum(100.0)
        .set_activity_progress("Completed" if done else "InProgress")
        # The score is the progress right now, not a placeholder waiting for a grader.
        .set_grading_progress("FullyGraded")
    )


def assessment_score(attempt: Attempt) -> Grade | None:
    best = selectors.best_final_attempt(user_id=attempt.user_id, assessment_id=attempt.assessment_id)
    if best is None or best.score is None:
        return None
    return (
        Grade()
        .set_score_given(float(best.score))
        .set_score_maximum(float(best.max_score or Decimal(0)))
        .set_activity_progress("Completed")
        .set_grading_progress("FullyGraded")
    )


def post_scores(*, user_id: int, page_id: int, grade: Grade) -> int:
    """Posts `grade` to every line item of links to `page_id` this person launched; returns how many."""
    from .tool import http_session, registration_for

    key = tool_key()
    sent = 0
    failures: list[str] = []
    for launch in selectors.launches_with_grades(user_id=user_id, page_id=page_id):
        link = launch.resource_link
        registration = registration_for(link.platform, key)
        connector = ServiceConnector(registration, http_session())
        service = AssignmentsGradesService(connector, {"lineitem": link.lineitem_url, "scope": link.ags_scopes})
        score = (
            Grade()
            .set_score_given(grade.get_score_given())  # type: ignore[arg-type]
            .set_score_maximum(grade.get_score_maximum())  # type: ignore[arg-type]
            .set_activity_progress(grade.get_activity_progress())  # type: ignore[arg-type]
            .set_grading_progress(grade.get_grading_progress())  # type: ignore[arg-type]
            .set_user_id(launch.lti_user.sub)
            .set_timestamp(datetime.now(UTC).isoformat(timespec="milliseconds"))
        )
        try:
            service.put_grade(score)
        except (LtiException, requests.RequestException, ValueError, KeyError) as error:
            # One platform failing does not keep the others from their scores; a retry posts again to all,
            # which changes nothing where the score already arrived.
            failures.append(f"{link.platform.issuer}: {error}")
            continue
        sent += 1
    if failures:
        raise ScorePostFailed("; ".join(failures))
    return sent


def post_course_progress(*, enrollment_id: int) -> int:
    enrollment = Enrollment.objects.filter(pk=enrollment_id).first()
    if enrollment is None:
        return 0
    return post_scores(user_id=enrollment.user_id, page_id=enrollment.course_id, grade=course_score(enrollment))


def post_assessment_score(*, attempt_id: int) -> int:
    attempt = Attempt.objects.filter(pk=attempt_id).first()
    if attempt is None:
        return 0
    grade = assessment_score(attempt)
    if grade is None:
        return 0
    return post_scores(user_id=attempt.user_id, page_id=attempt.assessment_id, grade=grade)
