"""The write side of assessments: starting, answering and submitting attempts.

Scores always come from assessments.grading applied to the attempt's own snapshot; nothing a browser
sends about scores or correctness is read.
"""

import enum
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext, ngettext

from accounts import services as account_services
from accounts.models import Notification, User
from learning import selectors as learning_selectors
from learning import services as learning_services
from learning.models import Enrollment
from lms_site.inputs import read_decimal

from . import grading, selectors
from .models import AssessmentPage, Attempt, AttemptStatus, Feedback, GradeChange
from .signals import attempt_graded

# Digits a trainer's score may have: the score columns hold 8 (GradeChange.new_score, Attempt.score).
SCORE_DIGITS = 8
# A comment for the learner is a few paragraphs; a limit keeps a pasted book (or a hostile post) out.
FEEDBACK_MAX_LENGTH = 5_000


class GradeNews(enum.Enum):
    """What a trainer's action means for the learner: their final grade arrived, or it moved."""

    RELEASED = "released"
    CHANGED = "changed"


class AssessmentError(Exception):
    """A rule of assessments was broken; the message is for the learner, status_code for the response."""

    status_code = 400


class NotAllowed(AssessmentError):
    status_code = 403


class AttemptsExhausted(AssessmentError):
    status_code = 409


class AttemptClosed(AssessmentError):
    status_code = 409


class TimeUp(AssessmentError):
    status_code = 409


class UnknownQuestion(AssessmentError):
    status_code = 400


def start_attempt(
    *, user: User | AnonymousUser, assessment: AssessmentPage, rng: random.Random | None = None
) -> Attempt:
    """Opens the learner's next attempt, or returns the one still open (a reload resumes it)."""
    enrollment = _check_may_take(user=user, assessment=assessment)
    assert user.is_authenticated  # _check_may_take refused anonymous visitors
    now = timezone.now()
    with transaction.atomic():
        # Two tabs starting at once would both see "no open attempt" and both count the same attempts
        # used; holding the learner's enrollment row makes the second wait and then resume the first's.
        learning_services.hold_enrollment(enrollment=enrollment)
        open_attempt = Attempt.objects.filter(
            user=user, assessment=assessment, status=AttemptStatus.IN_PROGRESS
        ).first()
        if open_attempt is not None:
            if not _past_deadline(open_attempt, now):
                return open_attempt
            submit_attempt(attempt=open_attempt)

        if selectors.answers_released_by_due_date(assessment=assessment, now=now):
            # Anyone who took it can now read the keys: a new attempt would be answered from them.
            raise NotAllowed(
                gettext("The due date has passed and the correct answers are shown: no new attempt can start.")
            )
        used = Attempt.objects.filter(user=user, assessment=assessment).count()
        if enrollment.round_started_at:
            # Renewing a certificate: the attempts of the earlier rounds do not use up this round's.
            used_now = Attempt.objects.filter(
                user=user, assessment=assessment, started_at__gte=enrollment.round_started_at
            ).count()
        else:
            used_now = used
        if assessment.max_attempts and used_now >= assessment.max_attempts:
            raise AttemptsExhausted(
                # The English reads the same for one attempt (the page says so); other languages have their forms.
                ngettext(
                    "You have used all %(count)s attempts at this assessment.",
                    "You have used all %(count)s attempts at this assessment.",
                    assessment.max_attempts,
                )
                % {"count": assessment.max_attempts}
            )

        snapshot = _shuffled(assessment.questions_snapshot(), assessment=assessment, rng=rng or random.SystemRandom())
        deadline = now + timedelta(minutes=assessment.time_limit_minutes) if assessment.time_limit_minutes else None
        return Attempt.objects.create(
            assessment=assessment,
            user=user,
            number=used + 1,
            started_at=now,
            deadline_at=deadline,
            snapshot=snapshot,
            max_score=grading.max_score(snapshot),
        )


def save_answer(*, attempt: Attempt, question_id: str, answer: Any) -> Attempt:
    """Stores one answer as the learner gives it, so a reload or a lost connection loses nothing."""
    with transaction.atomic():
        attempt = Attempt.objects.select_for_update().get(pk=attempt.pk)
        if not attempt.is_open:
            raise AttemptClosed(gettext("This attempt has been submitted; answers can no longer change."))
        timed_out = _past_deadline(attempt, timezone.now())
        if timed_out:
            _grade_and_close(attempt)
        else:
            if attempt.question(question_id) is None:
                raise UnknownQuestion(gettext("That question is not part of this attempt."))
            attempt.answers = {**attempt.answers, question_id: _plain_answer(answer)}
            attempt.save(update_fields=["answers"])
    if timed_out:
        # Raised after the commit, so the submission made at the deadline stays.
        raise TimeUp(gettext("Time is up: your attempt was submitted with the answers saved before the deadline."))
    return attempt


def submit_attempt(*, attempt: Attempt) -> Attempt:
    """Grades and closes an attempt; submitting twice (two tabs, a retry) changes nothing the second time."""
    with transaction.atomic():
        attempt = Attempt.objects.select_for_update().get(pk=attempt.pk)
        if attempt.is_open:
            _grade_and_close(attempt)
        return attempt


def grade_question(
    *, attempt: Attempt, question_id: str, score: object, reason: str, grader: User, feedback: str | None = None
) -> Attempt:
    """A trainer grades an essay, or overrides any question's score; the change is kept with its reason.

    `feedback`, when given, is the comment for the learner on this question (empty removes it). The learner is
    told once when this makes their grade final or changes a final grade.
    """
    if not learning_selectors.is_course_staff(user=grader, course=attempt.assessment.course):
        raise NotAllowed(gettext("Only the course's trainer and admins grade its attempts."))
    if feedback is not None:
        _check_feedback_length(feedback)
    with transaction.atomic():
        # Lock the attempt row only: a join would lock the assessment's page rows too (MariaDB has no FOR UPDATE OF).
        attempt = Attempt.objects.select_for_update().get(pk=attempt.pk)
        if attempt.is_open:
            raise AttemptClosed(gettext("This attempt is still in progress; grade it once it is submitted."))
        question = attempt.question(question_id)
        if question is None:
            raise UnknownQuestion(gettext("That question is not part of this attempt."))
        points = Decimal(question["points"])
        # The one reader of client numbers: NaN, Infinity, 5,000 digits or junk are None here, never an exception.
        given = read_decimal(score, max_digits=SCORE_DIGITS)
        if given is None:
            raise AssessmentError(gettext("Enter the score as a number, for example 1.5."))
        if not Decimal("0") <= given <= points:
            raise AssessmentError(gettext("The score must be between 0 and %(points)s.") % {"points": points})
        new_score = given.quantize(Decimal("0.01"))
        is_essay = question["type"] == "essay"
        if not is_essay and not reason.strip():
            raise AssessmentError(gettext("Give a reason when you override an automatic score."))

        before = _question_score(attempt, question_id)
        was = _Before.of(attempt)
        attempt.manual_scores = {**attempt.manual_scores, question_id: str(new_score)}
        _store_result(attempt, attempt.grade())
        news = _grade_news(attempt, was)
        attempt.save()
        change = GradeChange.objects.create(
            attempt=attempt,
            question_id=question_id,
            kind=GradeChange.Kind.ESSAY_GRADE if is_essay else GradeChange.Kind.OVERRIDE,
            previous_score=before,
            new_score=new_score,
            # An essay's comment to the learner is also the record of why it got this grade.
            reason=reason.strip() or (feedback or "").strip(),
            changed_by=grader,
            changed_at=timezone.now(),
        )
        if feedback is not None:
            _store_feedback(attempt, question_id=question_id, text=feedback, author=grader)
        if news is not None:
            _announce_grade(attempt, change=change, news=news)
        return attempt


def give_feedback(*, attempt: Attempt, text: str, author: User, question_id: str = "") -> Feedback | None:
    """Writes (or, when empty, removes) the trainer's comment for the learner on the whole attempt, or on one
    question. The learner reads it on their result page once the grade is final; saving it sends no e-mail."""
    if not learning_selectors.is_course_staff(user=author, course=attempt.assessment.course):
        raise NotAllowed(gettext("Only the course's trainer and admins give feedback on its attempts."))
    _check_feedback_length(text)
    with transaction.atomic():
        attempt = Attempt.objects.select_for_update().get(pk=attempt.pk)
        if attempt.is_open:
            raise AttemptClosed(gettext("This attempt is still in progress; give feedback once it is submitted."))
        if question_id and attempt.question(question_id) is None:
            raise UnknownQuestion(gettext("That question is not part of this attempt."))
        return _store_feedback(attempt, question_id=question_id, text=text, author=author)


def _check_feedback_length(text: str) -> None:
    if len(text) > FEEDBACK_MAX_LENGTH:
        raise AssessmentError(
            gettext("Keep the feedback under %(limit)s characters.") % {"limit": f"{FEEDBACK_MAX_LENGTH:,}"}
        )


def _store_feedback(attempt: Attempt, *, question_id: str, text: str, author: User) -> Feedback | None:
    text = text.strip()
    if not text:
        Feedback.objects.filter(attempt=attempt, question_id=question_id).delete()
        return None
    feedback, _ = Feedback.objects.update_or_create(
        attempt=attempt,
        question_id=question_id,
        defaults={"text": text, "written_by": author, "updated_at": timezone.now()},
    )
    return feedback


@dataclass(frozen=True)
class _Before:
    """An attempt's grade before a trainer's change, to tell what the change means for the learner."""

    pending: bool
    score: Decimal | None
    passed: bool | None

    @classmethod
    def of(cls, attempt: Attempt) -> "_Before":
        return cls(pending=attempt.pending_manual, score=attempt.score, passed=attempt.passed)


def _grade_news(attempt: Attempt, was: _Before) -> GradeNews | None:
    """Stamps the attempt when a trainer's change released its final grade or moved it; returns which."""
    if not attempt.is_final:
        return None  # another essay still waits: nothing final to tell yet
    if was.pending:
        attempt.grade_released_at = timezone.now()
        return GradeNews.RELEASED
    if attempt.score != was.score or attempt.passed != was.passed:
        attempt.grade_changed_at = timezone.now()
        return GradeNews.CHANGED
    return None


def _announce_grade(attempt: Attempt, *, change: GradeChange, news: GradeNews) -> None:
    """One e-mail per change, claimed in the transaction that made it (a rollback sends nothing)."""
    has_feedback = Feedback.objects.filter(attempt=attempt).exists()
    account_services.notify(
        user=attempt.user,
        kind=Notification.GRADE,
        key=f"attempt:{attempt.pk}:grade:{change.pk}",
        template="assessments/emails/grade",
        context={
            "assessment": attempt.assessment,
            "attempt": attempt,
            "changed": news is GradeNews.CHANGED,
            "has_feedback": has_feedback,
        },
    )


def regrade_attempt(*, attempt: Attempt, by: User | None = None) -> bool:
    """Grades a submitted attempt again with the assessment's current keys; returns whether its score changed.

    The attempt keeps its own questions and order; only the keys of questions still on the page are
    refreshed. Trainer-given scores stay. A final score that moves is announced to the learner.
    """
    with transaction.atomic():
        attempt = Attempt.objects.select_for_update().get(pk=attempt.pk)
        if attempt.is_open:
            return False
        current = {q["id"]: q for q in attempt.assessment.questions_snapshot()["questions"]}
        regraded = _regrade_locked(attempt, current, by=by)
        if regraded is not None and regraded[1] is not None:
            _announce_grade(attempt, change=regraded[0], news=regraded[1])
        return regraded is not None


def regrade_assessment(
    *,
    assessment: AssessmentPage,
    by: User | None = None,
    progress: Callable[[int, int], object] | None = None,
    chunk_size: int = 200,
) -> int:
    """Regrades every submitted attempt of an assessment; calls progress(done, total) after each chunk.

    Works through the attempts a chunk at a time, so memory stays flat with tens of thousands of them. Only
    learners whose final score moved are told, each once; the e-mails themselves are sent by their own task.
    """
    current = {q["id"]: q for q in assessment.questions_snapshot()["questions"]}
    attempt_ids = list(
        Attempt.objects.filter(assessment=assessment, status=AttemptStatus.SUBMITTED)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    changed = 0
    for start in range(0, len(attempt_ids), chunk_size):
        with transaction.atomic():
            chunk = Attempt.objects.select_for_update().filter(pk__in=attempt_ids[start : start + chunk_size])
            news: list[tuple[Attempt, GradeChange, GradeNews]] = []
            for attempt in chunk:
                attempt.assessment = assessment  # one page object for the whole run, not one per row
                regraded = _regrade_locked(attempt, current, by=by)
                if regraded is not None:
                    changed += 1
                    if regraded[1] is not None:
                        news.append((attempt, regraded[0], regraded[1]))
            _announce_grades(news)
        if progress:
            progress(min(start + chunk_size, len(attempt_ids)), len(attempt_ids))
    return changed


def _announce_grades(news: list[tuple[Attempt, GradeChange, GradeNews]]) -> None:
    """The learners of a regraded chunk, read in one query rather than one per attempt."""
    if not news:
        return
    users = User.objects.in_bulk({attempt.user_id for attempt, _, _ in news})
    for attempt, change, kind in news:
        attempt.user = users[attempt.user_id]
        _announce_grade(attempt, change=change, news=kind)


def _regrade_locked(
    attempt: Attempt, current: dict[str, dict[str, Any]], *, by: User | None
) -> tuple[GradeChange, GradeNews | None] | None:
    """The audit row and what it means for the learner when the score changed; None when it did not."""
    refreshed = {
        **attempt.snapshot,
        "questions": [
            _with_current_key(question, current.get(question["id"])) for question in attempt.snapshot["questions"]
        ],
    }
    was = _Before.of(attempt)
    fields = ["score", "max_score", "percent", "passed", "pending_manual"]
    if refreshed != attempt.snapshot:
        attempt.snapshot = refreshed
        fields.append("snapshot")  # the snapshot is the largest column: rewrite it only when a key changed
    _store_result(attempt, attempt.grade())
    if attempt.score == was.score:
        attempt.save(update_fields=fields)
        return None
    news = _grade_news(attempt, was)
    if news is not None:
        fields += ["grade_released_at", "grade_changed_at"]
    attempt.save(update_fields=fields)
    change = GradeChange.objects.create(
        attempt=attempt,
        kind=GradeChange.Kind.REGRADE,
        previous_score=was.score,
        new_score=attempt.score,
        reason="Regraded with the assessment's current answer keys.",
        changed_by=by,
        changed_at=timezone.now(),
    )
    return change, news


def _with_current_key(taken: dict[str, Any], current: dict[str, Any] | None) -> dict[str, Any]:
    """The question as the learner saw it (prompt, option order) with the key as it is now."""
    if current is None or current["type"] != taken["type"]:
        return taken
    refreshed = {**current, "prompt": taken["prompt"]}
    if "options" in taken:
        correct_now = {option["id"]: option["correct"] for option in current.get("options", [])}
        refreshed["options"] = [
            {**option, "correct": correct_now.get(option["id"], option["correct"])} for option in taken["options"]
        ]
    return refreshed


def _question_score(attempt: Attempt, question_id: str) -> Decimal | None:
    result = attempt.grade()
    return next((q.score for q in result.questions if q.question_id == question_id), None)


def submit_expired_attempts(
    *, now: datetime | None = None, user: User | None = None, assessment: AssessmentPage | None = None
) -> int:
    """Submits, as they stood, the open attempts whose time ran out: all of them for Celery beat, or one
    learner's at one assessment when they come back to its page."""
    now = now or timezone.now()
    expired = Attempt.objects.filter(status=AttemptStatus.IN_PROGRESS, deadline_at__lt=now)
    if user is not None:
        expired = expired.filter(user=user, assessment=assessment)
    count = 0
    for attempt_id in list(expired.values_list("pk", flat=True)):
        submit_attempt(attempt=Attempt(pk=attempt_id))
        count += 1
    return count


def _check_may_take(*, user: User | AnonymousUser, assessment: AssessmentPage) -> Enrollment:
    """Returns the learner's enrollment in the assessment's course, or refuses."""
    if not user.is_authenticated or user.is_banned:
        raise NotAllowed(gettext("Please sign in to take this assessment."))
    if not assessment.live:
        raise NotAllowed(gettext("This assessment is not available."))
    course = assessment.course
    enrollment = learning_selectors.enrollment_for(user=user, course=course) if course else None
    if enrollment is None or not enrollment.gives_access:
        raise NotAllowed(gettext("Enrol in the course to take its assessments."))
    return enrollment


def _past_deadline(attempt: Attempt, now: datetime) -> bool:
    return attempt.deadline_at is not None and now > attempt.deadline_at


def _grade_and_close(attempt: Attempt) -> None:
    """The caller holds the attempt's row lock."""
    result = attempt.grade()
    attempt.status = AttemptStatus.SUBMITTED
    attempt.submitted_at = timezone.now()
    _store_result(attempt, result)
    attempt.save()


def _store_result(attempt: Attempt, result: grading.AttemptGrade) -> None:
    """Writes a grade onto the attempt; when the pass changes on a required assessment, course progress follows."""
    was_passed, was_score = attempt.passed, attempt.score
    attempt.score = result.score
    attempt.max_score = result.max_score
    attempt.percent = result.percent
    attempt.pending_manual = result.pending_manual
    # A pass is only decided once every essay has its grade.
    attempt.passed = None if result.pending_manual else result.percent >= attempt.assessment.pass_mark
    if attempt.passed != was_passed and attempt.assessment.is_required:
        transaction.on_commit(lambda: _refresh_course_progress(attempt))
    if attempt.passed is not None and (attempt.passed != was_passed or attempt.score != was_score):
        attempt_graded.send(sender=Attempt, attempt=attempt)


def _refresh_course_progress(attempt: Attempt) -> None:
    course = attempt.assessment.course
    enrollment = learning_selectors.enrollment_for(user=attempt.user, course=course) if course else None
    if enrollment is not None:
        learning_services.refresh_progress(enrollment=enrollment)


def _plain_answer(answer: object) -> bool | str | list[str] | None:
    """Keeps only JSON-plain answer shapes (text, yes/no, a list of option ids); anything else is no answer."""
    if isinstance(answer, bool | str):
        return answer[:10_000] if isinstance(answer, str) else answer
    if isinstance(answer, list | tuple):
        return [str(item)[:64] for item in answer][:50]
    return None


def _shuffled(snapshot: dict[str, Any], *, assessment: AssessmentPage, rng: random.Random) -> dict[str, Any]:
    """The order this learner sees; grading is order-independent, so the snapshot simply stores it."""
    questions = [dict(question) for question in snapshot["questions"]]
    if assessment.shuffle_questions:
        rng.shuffle(questions)
    if assessment.shuffle_options:
        for question in questions:
            if "options" in question:
                question["options"] = rng.sample(question["options"], k=len(question["options"]))
    return {**snapshot, "questions": questions}
