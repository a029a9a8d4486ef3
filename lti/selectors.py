"""Reads for LTI: the page a launch opens, the content a teacher may pick, and whose scores go where."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from wagtail.models import Page, Site

from assessments.models import AssessmentPage, Attempt, AttemptStatus
from courses.models import CoursePage

from .models import LtiLinkLaunch, LtiPlatform, LtiResourceLink, LtiToolKey

CUSTOM_CLAIM = "https://purl.imsglobal.org/spec/lti/claim/custom"
TARGET_CLAIM = "https://purl.imsglobal.org/spec/lti/claim/target_link_uri"
RESOURCE_LINK_CLAIM = "https://purl.imsglobal.org/spec/lti/claim/resource_link"
DEPLOYMENT_CLAIM = "https://purl.imsglobal.org/spec/lti/claim/deployment_id"
SCORE_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
PAGE_PARAMETER = "learnwell_page"  # the custom parameter deep linking puts on each link


def jwks() -> dict[str, list[dict[str, Any]]]:
    return {"keys": [dict(key.public_jwk) for key in LtiToolKey.objects.order_by("-created_at", "-id")]}


def launchable_pages() -> list[Page]:
    """Published courses and assessments, the content a teacher on a platform may place: courses first."""
    courses: list[Page] = list(CoursePage.objects.live().originals().order_by("title"))
    assessments: list[Page] = list(AssessmentPage.objects.live().originals().order_by("title"))
    return courses + assessments


def launchable_page(page_id: object) -> Page | None:
    if not isinstance(page_id, (str, int)) or not str(page_id).isdigit() or len(str(page_id)) > 18:
        return None
    page = Page.objects.live().filter(pk=int(page_id)).first()
    if page is None or not isinstance(page.specific, (CoursePage, AssessmentPage)):
        return None
    return page


def target_page(*, platform: LtiPlatform, claims: dict[str, Any], site: Site | None) -> Page | None:
    """The course or assessment a resource-link launch opens: the link's custom parameter (set by deep linking),
    else what this link opened before, else the live page at the target link's path on this site."""
    custom = claims.get(CUSTOM_CLAIM)
    if isinstance(custom, dict) and PAGE_PARAMETER in custom:
        return launchable_page(custom.get(PAGE_PARAMETER))
    resource = claims.get(RESOURCE_LINK_CLAIM)
    if isinstance(resource, dict) and isinstance(resource.get("id"), str):
        link = LtiResourceLink.objects.filter(
            platform=platform, deployment_id=str(claims.get(DEPLOYMENT_CLAIM) or ""), resource_link_id=resource["id"]
        ).first()
        if link is not None and link.page_id is not None:
            return launchable_page(link.page_id)
    target = claims.get(TARGET_CLAIM)
    if site is None or not isinstance(target, str):
        return None
    path = urlsplit(target).path
    if not path.startswith("/"):
        return None
    url_path = site.root_page.url_path.rstrip("/") + (path if path.endswith("/") else path + "/")
    page = Page.objects.live().filter(url_path=url_path).first()
    return launchable_page(page.pk) if page is not None else None


def course_of(page: Page) -> CoursePage | None:
    course = CoursePage.objects.ancestor_of(page).first()
    return course if isinstance(course, CoursePage) else None


def best_final_attempt(*, user_id: int, assessment_id: int) -> Attempt | None:
    """The learner's best graded attempt that no essay waits on: the score the gradebook counts."""
    return (
        Attempt.objects.filter(
            user_id=user_id,
            assessment_id=assessment_id,
            status=AttemptStatus.SUBMITTED,
            pending_manual=False,
            score__isnull=False,
        )
        .order_by("-percent", "-score", "-submitted_at")
        .first()
    )


def launches_with_grades(*, user_id: int, page_id: int) -> list[LtiLinkLaunch]:
    launches = (
        LtiLinkLaunch.objects.filter(
            lti_user__user_id=user_id, resource_link__page_id=page_id, resource_link__platform__is_active=True
        )
        .exclude(resource_link__lineitem_url="")
        .select_related("lti_user", "resource_link__platform")
    )
    return [launch for launch in launches if SCORE_SCOPE in (launch.resource_link.ags_scopes or [])]


def has_graded_launches(*, user_id: int, page_id: int) -> bool:
    return (
        LtiLinkLaunch.objects.filter(lti_user__user_id=user_id, resource_link__page_id=page_id)
        .exclude(resource_link__lineitem_url="")
        .exists()
    )
