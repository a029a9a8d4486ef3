"""The write side of learning: enrolment, lesson completion, progress and course completion."""

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.db.models import Count
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from wagtail.models import Page

from accounts import services as account_services
from accounts.models import Notification, User
from courses.models import CoursePage, LessonPage

from . import requirements, selectors
from .models import STUDYING_STATUSES, Enrollment, EnrollmentStatus, LessonProgress
from .signals import enrollment_completed, enrollment_opened, lesson_completed, lesson_opened


class LearningError(Exception):
    """A rule of learning was broken; the message is for the learner, status_code for the response."""

    status_code = 400


class NotAllowed(LearningError):
    status_code = 403


class CourseUnavailable(LearningError):
    status_code = 404


class PaymentRequired(LearningError):
    status_code = 402


class PrerequisitesMissing(LearningError):
    status_code = 409


class NotEnrolled(LearningError):
    status_code = 403


class LessonLocked(LearningError):
    status_code = 403


class LessonNotInCourse(LearningError):
    status_code = 400


def enroll(*, user: User | AnonymousUser, course: CoursePage) -> Enrollment:
    """Enrols a learner in a free course; calling it again returns the same enrollment."""
    if not user.is_authenticated or user.is_banned:
        raise NotAllowed(_("Please sign in to enrol."))
    existing = selectors.enrollment_for(user=user, course=course)
    if existing is not None and existing.gives_access:
        return existing
    if not course.live:
        raise CourseUnavailable(_("This course is not available."))
    if not course.is_free:
        raise PaymentRequired(_("This is a paid course: buy it to enrol."))
    missing = selectors.missing_prerequisites(user=user, course=course)
    if missing:
        titles = ", ".join(f"“{prerequisite.title}”" for prerequisite in missing)
        raise PrerequisitesMissing(_("Complete %(titles)s before you enrol in this course.") % {"titles": titles})

    return _open_enrollment(user=user, course=course)


def leave_course(*, enrollment: Enrollment) -> Enrollment:
    """A learner leaves a free course; their progress is kept in case they come back."""
    if not enrollment.course.is_free:
        raise NotAllowed(_("Paid courses cannot be left here; ask for a refund instead."))
    with transaction.atomic():
        enrollment = Enrollment.objects.select_for_update().get(pk=enrollment.pk)
        if enrollment.status == EnrollmentStatus.CANCELLED:
            return enrollment
        if not enrollment.gives_access:
            raise NotEnrolled(_("You are not enrolled in this course."))
        enrollment.status = EnrollmentStatus.CANCELLED
        enrollment.cancelled_at = timezone.now()
        enrollment.save(update_fields=["status", "cancelled_at"])
        return enrollment


def grant_paid_access(*, user: User, course: CoursePage) -> Enrollment:
    """Opens a paid course to a learner whose payment was verified. Only billing's webhook path calls this:
    no view may, so a paid course is never entered without a confirmed payment. Idempotent."""
    return _open_enrollment(user=user, course=course)


def admin_enrol(*, user: User, course: CoursePage, granted_by: User) -> Enrollment:
    """An administrator opens a course to a learner (the API's bulk enrolment): an admin grant, so free and paid
    courses alike, with no payment and no prerequisite check, as an admin could always do in the admin.
    Only administrators may call it; the caller checks `granted_by.is_lms_admin`, and this refuses anyone else
    too. Idempotent: an open enrollment is returned as it is; a left or refunded one reopens with its progress."""
    if not granted_by.is_lms_admin:
        raise NotAllowed(_("Only administrators may enrol other people."))
    if not course.live:
        raise CourseUnavailable(_("This course is not available."))
    if not user.is_active or user.is_banned:
        raise NotAllowed(_("This account cannot be enrolled."))
    return _open_enrollment(user=user, course=course)


def _open_enrollment(*, user: User, course: CoursePage) -> Enrollment:
    """Creates the learner's enrollment, or reopens the one they left or lost, with its progress kept."""
    now = timezone.now()
    with transaction.atomic():
        enrollment, created = Enrollment.objects.select_for_update().get_or_create(
            user=user,
            course=course,
            defaults={
                "status": EnrollmentStatus.ACTIVE,
                "enrolled_at": now,
                "last_lesson": selectors.first_lesson(course=course),
                "last_activity_at": now,
            },
        )
        if created:
            _confirm_enrollment(enrollment, opened_at=now)
            enrollment_opened.send(sender=Enrollment, enrollment=enrollment, reopened=False)
            return enrollment
        if enrollment.gives_access:
            return enrollment
        enrollment.status = EnrollmentStatus.ACTIVE
        enrollment.cancelled_at = None
        enrollment.last_activity_at = now
        newly_completed = _refresh_progress(enrollment)
        enrollment.save()
        _confirm_enrollment(enrollment, opened_at=now)
        enrollment_opened.send(sender=Enrollment, enrollment=enrollment, reopened=True)
        if newly_completed:
            enrollment_completed.send(sender=Enrollment, enrollment=enrollment)
        return enrollment


def _confirm_enrollment(enrollment: Enrollment, *, opened_at: datetime) -> None:
    # Keyed on the moment it opened: coming back after leaving is a new enrolment worth confirming, a second
    # call for the same opening (a replayed payment webhook) is not.
    account_services.notify(
        user=enrollment.user,
        kind=Notification.ENROLMENT,
        key=f"enrollment:{enrollment.pk}:{opened_at:%Y%m%d%H%M%S%f}",
        template="learning/emails/enrolled",
        context={"course": enrollment.course},
    )


def end_paid_access(*, user: User, course: CoursePage) -> Enrollment | None:
    """Closes a paid course after its payment was refunded or lost in a dispute; progress is kept. Idempotent."""
    with transaction.atomic():
        enrollment = Enrollment.objects.select_for_update().filter(user=user, course=course).first()
        if enrollment is None or enrollment.status == EnrollmentStatus.REFUNDED:
            return enrollment
        enrollment.status = EnrollmentStatus.REFUNDED
        enrollment.cancelled_at = timezone.now()
        enrollment.save(update_fields=["status", "cancelled_at"])
        return enrollment


def end_seat_access(*, user: User, course: CoursePage) -> Enrollment | None:
    """Closes a course an organisation's seat opened, when the seat is released (the member was removed or the
    assignment ended); progress is kept, and a new seat reopens it. Idempotent. The caller checks that nothing
    else (the learner's own payment) still opens the course."""
    with transaction.atomic():
        enrollment = Enrollment.objects.select_for_update().filter(user=user, course=course).first()
        if enrollment is None or not enrollment.gives_access:
            return enrollment
        enrollment.status = EnrollmentStatus.CANCELLED
        enrollment.cancelled_at = timezone.now()
        enrollment.save(update_fields=["status", "cancelled_at"])
        return enrollment


def start_new_round(*, enrollment: Enrollment, since: datetime) -> Enrollment:
    """Opens a completed course again for a new round (renewing an expiring certificate): the lessons completed
    in this enrollment are cleared, progress starts at 0 and requirements count only what is done from `since`
    on (a quiz must be passed again). Only while the learner still has access: a refunded or left course
    cannot start again here, and no payment is asked for. Idempotent: a round that started at or after
    `since` is left as it is, with the progress made in it."""
    with transaction.atomic():
        enrollment = Enrollment.objects.select_for_update().select_related("course", "user").get(pk=enrollment.pk)
        if enrollment.round_started_at is not None and enrollment.round_started_at >= since:
            return enrollment
        if not enrollment.gives_access or enrollment.user.is_banned:
            raise NotEnrolled(_("Your access to this course has ended, so it cannot be taken again."))
        # The rows go rather than being kept and filtered: one row per (enrollment, lesson) could not record the
        # same lesson completed again. Gamification keys its points on the lesson, so none are given twice.
        LessonProgress.objects.filter(enrollment=enrollment).delete()
        enrollment.round_started_at = since
        enrollment.status = EnrollmentStatus.ACTIVE
        enrollment.completed_at = None
        enrollment.progress_percent = 0
        enrollment.last_lesson = selectors.first_lesson(course=enrollment.course)
        enrollment.last_activity_at = timezone.now()
        # Steps that belong to no round (attendance of the held sessions) still count towards the new one.
        newly_completed = _refresh_progress(enrollment)
        enrollment.save()
        if newly_completed:
            enrollment_completed.send(sender=Enrollment, enrollment=enrollment)
        return enrollment


@dataclass(frozen=True)
class CompletionResult:
    enrollment: Enrollment
    lesson_newly_completed: bool
    course_newly_completed: bool


def complete_lesson(*, enrollment: Enrollment, lesson: LessonPage) -> CompletionResult:
    """Records a completed lesson and the course progress in one transaction. Repeating it changes nothing."""
    now = timezone.now()
    with transaction.atomic():
        # The row lock serialises double clicks, so the count and the completion event happen once.
        enrollment = Enrollment.objects.select_for_update().select_related("course", "user").get(pk=enrollment.pk)
        if not enrollment.gives_access or enrollment.user.is_banned:
            raise NotEnrolled(_("Enrol in this course to record your progress."))
        course = enrollment.course
        if not lesson.live or not lesson.path.startswith(course.path):
            raise LessonNotInCourse(_("That lesson is not part of this course."))
        access = selectors.lesson_access(user=enrollment.user, lesson=lesson, course=course, enrollment=enrollment)
        if access.is_locked:
            opens_at = timezone.localtime(access.opens_at)
            # Django's date formats name the month in the active language; strftime's %B would not.
            raise LessonLocked(
                _("This lesson opens on %(date)s at %(time)s.")
                % {"date": formats.date_format(opens_at, "d F Y"), "time": formats.time_format(opens_at, "H:i")}
            )

        _progress, lesson_newly_completed = LessonProgress.objects.get_or_create(
            enrollment=enrollment, lesson=lesson, defaults={"completed_at": now}
        )
        enrollment.last_lesson = lesson
        enrollment.last_activity_at = now
        course_newly_completed = _refresh_progress(enrollment)
        enrollment.save()
        if lesson_newly_completed:
            lesson_completed.send(sender=Enrollment, enrollment=enrollment, lesson=lesson)
        if course_newly_completed:
            enrollment_completed.send(sender=Enrollment, enrollment=enrollment)
        return CompletionResult(
            enrollment=enrollment,
            lesson_newly_completed=lesson_newly_completed,
            course_newly_completed=course_newly_completed,
        )


VISIT_RECORD_INTERVAL = timedelta(minutes=5)


def hold_enrollment(*, enrollment: Enrollment) -> Enrollment:
    """Locks the enrollment row until the caller's transaction ends, so one learner's concurrent actions
    in a course (two tabs starting an assessment) run one after the other."""
    return Enrollment.objects.select_for_update().get(pk=enrollment.pk)


def refresh_progress(*, enrollment: Enrollment) -> Enrollment:
    """Re-derives one enrollment's progress after something outside learning changed it (a passed assessment)."""
    with transaction.atomic():
        enrollment = Enrollment.objects.select_for_update().select_related("course").get(pk=enrollment.pk)
        if not enrollment.gives_access:
            return enrollment
        newly_completed = _refresh_progress(enrollment)
        enrollment.save(update_fields=["progress_percent", "status", "completed_at"])
        if newly_completed:
            enrollment_completed.send(sender=Enrollment, enrollment=enrollment)
        return enrollment


def record_visit(*, enrollment: Enrollment, lesson: LessonPage) -> None:
    """Remembers the lesson a learner opened, for "continue where you left off".

    Re-reading the same lesson within a few minutes writes nothing: a row write per page view would
    contend with complete_lesson's lock on the same row for no new information.
    """
    now = timezone.now()
    recent = enrollment.last_visit_at and now - enrollment.last_visit_at < VISIT_RECORD_INTERVAL
    if enrollment.last_lesson_id == lesson.pk and recent:
        return
    Enrollment.objects.filter(pk=enrollment.pk).update(last_lesson=lesson, last_activity_at=now, last_visit_at=now)
    enrollment.last_lesson, enrollment.last_activity_at, enrollment.last_visit_at = lesson, now, now
    lesson_opened.send(sender=Enrollment, enrollment=enrollment, lesson=lesson, opened_at=now)


def schedule_course_recompute(*, page: Page) -> None:
    """After `page` (a lesson, module, assessment or the course) changed, recompute its course once committed.

    Works for a page that was just deleted too: ancestor_of() only reads the page's path.
    """
    # Imported here because learning.tasks imports this module.
    from .tasks import recompute_course_progress

    course_id = CoursePage.objects.ancestor_of(page, inclusive=True).values_list("pk", flat=True).first()
    if course_id is not None:
        recompute_course_progress.delay_on_commit(course_id)


def recompute_course_progress(*, course: CoursePage) -> int:
    """Brings every studying enrollment of a course in line with its live lessons; returns how many changed.

    Runs in a task after lessons are published, unpublished, moved or deleted. One aggregate query finds
    the enrollments whose stored percentage is out of date; only those are locked and rewritten.
    """
    live_ids = list(selectors.live_lessons(course=course).values_list("pk", flat=True))
    studying = list(
        Enrollment.objects.filter(course=course, status__in=STUDYING_STATUSES).only(
            "pk", "user_id", "progress_percent", "status", "round_started_at"
        )
    )
    extra = requirements.count_steps(course=course, enrollments=studying)
    total = len(live_ids) + extra.total
    done_counts = Counter(
        dict(
            LessonProgress.objects.filter(enrollment__course=course, lesson_id__in=live_ids)
            .values("enrollment_id")
            .annotate(done=Count("pk"))
            .values_list("enrollment_id", "done")
        )
    )
    done_counts.update(extra.done)
    changed = 0
    for stale in studying:
        done = done_counts.get(stale.pk, 0)
        expected = done * 100 // total if total else 0
        completes = stale.status == EnrollmentStatus.ACTIVE and total and done == total
        if expected == stale.progress_percent and not completes:
            continue
        with transaction.atomic():
            enrollment = Enrollment.objects.select_for_update().select_related("course").get(pk=stale.pk)
            newly_completed = _refresh_progress(enrollment, live_ids=live_ids)
            enrollment.save(update_fields=["progress_percent", "status", "completed_at"])
            if newly_completed:
                enrollment_completed.send(sender=Enrollment, enrollment=enrollment)
        changed += 1
    return changed


def _refresh_progress(enrollment: Enrollment, *, live_ids: list[int] | None = None) -> bool:
    """Derives the course percentage from live lessons and completes the enrollment when all are done.

    The caller holds the enrollment's row lock, saves it, and sends `enrollment_completed` when this
    returns True (the enrollment has just become completed).
    """
    if live_ids is None:
        live_ids = list(selectors.live_lessons(course=enrollment.course).values_list("pk", flat=True))
    extra = requirements.count_steps(course=enrollment.course, enrollments=[enrollment])
    total = len(live_ids) + extra.total
    done = LessonProgress.objects.filter(enrollment=enrollment, lesson_id__in=live_ids).count() if live_ids else 0
    done += extra.done.get(enrollment.pk, 0)
    # Rounded down, so 100 % means every live lesson (and every registered requirement) is done.
    enrollment.progress_percent = done * 100 // total if total else 0
    if enrollment.status == EnrollmentStatus.ACTIVE and total and done == total:
        enrollment.status = EnrollmentStatus.COMPLETED
        enrollment.completed_at = timezone.now()
        return True
    return False
