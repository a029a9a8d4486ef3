"""Other apps' events, turned into xAPI statements in the sender's transaction (sent once it commits). Nothing is
built or written while no LRS is configured.

Each statement's key names its event for good, so a replayed signal finds its statement already written:
- registered: an enrolment opened (each opening, a reopening too), on the course;
- launched: a lesson opened (each visit learning records: a different lesson, or the same after a pause);
- completed + progressed: a lesson completed for the first time in a round (its progress row), with the course's
  percentage after it;
- completed: the course, each time an enrolment completes (a new round completes again);
- scored + passed/failed: an attempt's final grade, and each later change of its score or pass;
- attended: a learner present at or late to a live session (once per session)."""

from typing import Any

from django.dispatch import receiver
from django.utils import timezone

from assessments.signals import attempt_graded
from learning.models import LessonProgress
from learning.signals import enrollment_completed, enrollment_opened, lesson_completed, lesson_opened
from scheduling.models import ATTENDED
from scheduling.signals import attendance_changed

from . import services
from . import statements as xs
from .services import Draft


def _registration(enrollment_id: int) -> str:
    # cmi5's use of the registration: one per enrolment, grouping the learner's statements about the course.
    return str(services.statement_id(f"registration:{enrollment_id}"))


def _stamp(moment) -> str:
    return f"{moment:%Y%m%dT%H%M%S%f}" if moment else "-"


@receiver(enrollment_opened, dispatch_uid="xapi_enrollment_opened")
def enrollment_opened_statement(sender, enrollment, reopened=False, **kwargs):
    if not services.is_on():
        return
    # A reopening is stamped with its moment (last_activity_at, set as it opens); the first opening needs no stamp.
    opened_at = (enrollment.last_activity_at if reopened else None) or enrollment.enrolled_at
    key = f"course-registered:{enrollment.pk}" + (f":{_stamp(opened_at)}" if reopened else "")
    services.record(
        [
            Draft(
                key=key,
                verb="registered",
                user=enrollment.user,
                build=lambda sid: xs.statement(
                    statement_id=sid,
                    user=enrollment.user,
                    verb="registered",
                    target=xs.page_activity(enrollment.course, xs.COURSE),
                    timestamp=opened_at,
                    registration=_registration(enrollment.pk),
                ),
            )
        ]
    )


@receiver(lesson_opened, dispatch_uid="xapi_lesson_opened")
def lesson_opened_statement(sender, enrollment, lesson, opened_at, **kwargs):
    if not services.is_on():
        return
    services.record(
        [
            Draft(
                key=f"lesson-launched:{enrollment.pk}:{lesson.pk}:{_stamp(opened_at)}",
                verb="launched",
                user=enrollment.user,
                build=lambda sid: xs.statement(
                    statement_id=sid,
                    user=enrollment.user,
                    verb="launched",
                    target=xs.page_activity(lesson, xs.LESSON),
                    parent=xs.page_activity(enrollment.course, xs.COURSE),
                    timestamp=opened_at,
                    registration=_registration(enrollment.pk),
                ),
            )
        ]
    )


@receiver(lesson_completed, dispatch_uid="xapi_lesson_completed")
def lesson_completed_statements(sender, enrollment, lesson, **kwargs):
    if not services.is_on():
        return
    progress = (
        LessonProgress.objects.filter(enrollment=enrollment, lesson=lesson).values_list("pk", "completed_at").first()
    )
    if progress is None:
        return
    progress_id, completed_at = progress
    course = enrollment.course
    user = enrollment.user
    percent = enrollment.progress_percent

    def common(sid: str, verb: str, target: dict[str, Any], **extra: Any) -> dict[str, Any]:
        return xs.statement(
            statement_id=sid,
            user=user,
            verb=verb,
            target=target,
            timestamp=completed_at,
            registration=_registration(enrollment.pk),
            **extra,
        )

    def completed(sid: str) -> dict[str, Any]:
        return common(
            sid,
            "completed",
            xs.page_activity(lesson, xs.LESSON),
            parent=xs.page_activity(course, xs.COURSE),
            result={"completion": True},
        )

    def progressed(sid: str) -> dict[str, Any]:
        result = {"completion": percent >= 100, "extensions": {xs.PROGRESS_EXTENSION: percent}}
        return common(sid, "progressed", xs.page_activity(course, xs.COURSE), result=result)

    services.record(
        [
            Draft(key=f"lesson-completed:{progress_id}", verb="completed", user=user, build=completed),
            Draft(key=f"course-progressed:{progress_id}", verb="progressed", user=user, build=progressed),
        ]
    )


@receiver(enrollment_completed, dispatch_uid="xapi_enrollment_completed")
def enrollment_completed_statement(sender, enrollment, **kwargs):
    if not services.is_on():
        return
    completed_at = enrollment.completed_at or timezone.now()
    services.record(
        [
            Draft(
                key=f"course-completed:{enrollment.pk}:{_stamp(enrollment.completed_at)}",
                verb="completed",
                user=enrollment.user,
                build=lambda sid: xs.statement(
                    statement_id=sid,
                    user=enrollment.user,
                    verb="completed",
                    target=xs.page_activity(enrollment.course, xs.COURSE),
                    timestamp=completed_at,
                    registration=_registration(enrollment.pk),
                    result={"completion": True},
                ),
            )
        ]
    )


@receiver(attempt_graded, dispatch_uid="xapi_attempt_graded")
def attempt_graded_statements(sender, attempt, **kwargs):
    if not services.is_on() or attempt.passed is None or attempt.score is None:
        return
    assessment = attempt.assessment
    course = assessment.course
    user = attempt.user
    # A later change of the grade (an override, a regrade) is a new event; the same grade sent again is not.
    grade = f"{attempt.pk}:{attempt.score}:{int(attempt.passed)}"
    when = timezone.now()  # the signal is sent as the grade is given (at submission, or by a trainer's change)
    score = xs.score(raw=attempt.score, maximum=attempt.max_score)
    outcome = "passed" if attempt.passed else "failed"

    def build(verb: str, result: dict[str, Any]):
        return lambda sid: xs.statement(
            statement_id=sid,
            user=user,
            verb=verb,
            target=xs.page_activity(assessment, xs.ASSESSMENT),
            parent=xs.page_activity(course, xs.COURSE) if course is not None else None,
            timestamp=when,
            result=result,
        )

    services.record(
        [
            Draft(
                key=f"assessment-scored:{grade}",
                verb="scored",
                user=user,
                build=build("scored", {"score": score, "completion": True}),
            ),
            Draft(
                key=f"assessment-{outcome}:{grade}",
                verb=outcome,
                user=user,
                build=build(outcome, {"score": score, "success": bool(attempt.passed), "completion": True}),
            ),
        ]
    )


@receiver(attendance_changed, dispatch_uid="xapi_attendance_changed")
def attendance_changed_statement(sender, attendance, **kwargs):
    if not services.is_on() or attendance.status not in ATTENDED:
        return
    session = attendance.session
    services.record(
        [
            Draft(
                # Once per learner and session: a correction from present to late attends no second time.
                key=f"session-attended:{attendance.pk}",
                verb="attended",
                user=attendance.user,
                build=lambda sid: xs.statement(
                    statement_id=sid,
                    user=attendance.user,
                    verb="attended",
                    target=xs.session_activity(session),
                    parent=xs.page_activity(session.course, xs.COURSE),
                    timestamp=attendance.updated_at,
                    result={"completion": True},
                ),
            )
        ]
    )
