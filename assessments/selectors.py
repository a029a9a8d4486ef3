from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, Min, QuerySet
from django.db.models.functions import Substr
from django.utils import timezone

from accounts.models import User
from learning import selectors as learning_selectors
from learning.models import STUDYING_STATUSES, Enrollment
from learning.requirements import OutlineStep, RequirementCount
from lms_site.inputs import read_int

from . import grading
from .models import AssessmentPage, Attempt, AttemptStatus, DisplayMode, ShowAnswers

if TYPE_CHECKING:
    from courses.models import CoursePage
    from learning.models import Enrollment


def required_assessments(*, course: "CoursePage") -> QuerySet[AssessmentPage]:
    required: QuerySet[AssessmentPage] = AssessmentPage.objects.live().descendant_of(course).filter(is_required=True)
    return required


def required_assessments_passed(*, course: "CoursePage", enrollments: "list[Enrollment]") -> RequirementCount:
    """The course-completion requirement assessments add: every live required assessment passed once."""
    required_ids = list(required_assessments(course=course).values_list("pk", flat=True))
    if not required_ids or not enrollments:
        return RequirementCount(total=len(required_ids))
    enrollment_by_user = {enrollment.user_id: enrollment.pk for enrollment in enrollments}
    passed = (
        Attempt.objects.filter(assessment_id__in=required_ids, passed=True, user_id__in=enrollment_by_user)
        .values("user_id")
        .annotate(assessments=Count("assessment_id", distinct=True))
    )
    return RequirementCount(
        total=len(required_ids),
        done={enrollment_by_user[row["user_id"]]: row["assessments"] for row in passed},
    )


# The learner's view of an assessment ------------------------------------------------------------------------
#
# assessment_context is the one gate between the snapshots (which hold every key) and a learner's page. What it
# returns is built from allow-lists into the frozen views below; no Attempt row and no snapshot dict ever reaches
# the template, so a template can only print what the gate decided a learner may see:
# - while one of their attempts at the assessment is open: the questions without keys, and no review of any
#   attempt (a retake must not be answered from the review of the previous one);
# - once none is open: the review of their latest submitted attempt, only if the show-answers setting allows.


@dataclass(frozen=True)
class OptionView:
    id: str
    text: str


@dataclass(frozen=True)
class QuestionView:
    """A question as a learner answering it sees it: what to answer and their own answer so far, nothing more."""

    id: str
    type: str
    prompt: str
    points: str
    options: tuple[OptionView, ...]
    saved_answer: object


@dataclass(frozen=True)
class OpenAttemptView:
    pk: int
    number: int
    deadline_at: object


@dataclass(frozen=True)
class AttemptSummary:
    """A submitted attempt in the learner's list: its result, never its questions."""

    number: int
    submitted_at: object
    score: Decimal | None
    max_score: Decimal
    percent: Decimal | None
    passed: bool | None
    pending_manual: bool


@dataclass(frozen=True)
class ReviewedOption:
    id: str
    text: str
    correct: bool


@dataclass(frozen=True)
class ReviewedQuestion:
    """A question with its key and explanation, for the review the show-answers setting allows.

    Trainers' grading guidance is left out: it is never for learners.
    """

    id: str
    type: str
    prompt: str
    points: str
    explanation: str
    options: tuple[ReviewedOption, ...] = ()
    true_or_false: bool | None = None
    accepted: tuple[str, ...] = ()
    value: str = ""
    tolerance: str = ""


@dataclass(frozen=True)
class ReviewItem:
    question: ReviewedQuestion
    given: object
    score: Decimal | None
    max_score: Decimal


def attempts_of(*, user: User | AnonymousUser, assessment: AssessmentPage) -> list[Attempt]:
    if not user.is_authenticated:
        return []
    return list(Attempt.objects.filter(user=user, assessment=assessment).order_by("number"))


def feedback_allowed(*, assessment: AssessmentPage, attempts: list[Attempt], now: datetime | None = None) -> bool:
    """Whether keys and explanations may be shown for this learner's submitted attempts.

    Never while one of their attempts is open, whatever the setting: a retake is not answered from the review
    of the attempt before it.
    """
    if any(attempt.is_open for attempt in attempts):
        return False
    return _setting_allows_feedback(assessment=assessment, attempts=attempts, now=now)


def _setting_allows_feedback(
    *, assessment: AssessmentPage, attempts: list[Attempt], now: datetime | None = None
) -> bool:
    rule = assessment.show_answers
    if rule == ShowAnswers.AFTER_EACH_ATTEMPT:
        return True
    if rule == ShowAnswers.AFTER_LAST_ATTEMPT:
        used = sum(1 for attempt in attempts if not attempt.is_open)
        limit = assessment.max_attempts
        return used >= limit if limit else False
    if rule == ShowAnswers.AFTER_DUE_DATE:
        return answers_released_by_due_date(assessment=assessment, now=now)
    return False


def answers_released_by_due_date(*, assessment: AssessmentPage, now: datetime | None = None) -> bool:
    """True once an "after the due date" assessment shows its keys: from then on no attempt may start."""
    now = now or timezone.now()
    return (
        assessment.show_answers == ShowAnswers.AFTER_DUE_DATE
        and assessment.due_at is not None
        and now >= assessment.due_at
    )


def _question_view(question: dict[str, Any], saved_answer: object) -> QuestionView:
    public = grading.public_question(question)  # the allow-list of what a learner answering may see
    return QuestionView(
        id=public["id"],
        type=public["type"],
        prompt=public["prompt"],
        points=public["points"],
        options=tuple(OptionView(id=option["id"], text=option["text"]) for option in public.get("options", [])),
        saved_answer=saved_answer,
    )


def _reviewed_question(question: dict[str, Any]) -> ReviewedQuestion:
    qtype = question["type"]
    fields: dict[str, Any] = {}
    if "options" in question:
        fields["options"] = tuple(
            ReviewedOption(id=option["id"], text=str(option.get("text", "")), correct=bool(option.get("correct")))
            for option in question["options"]
        )
    if qtype == "true_false":
        fields["true_or_false"] = bool(question.get("answer"))
    elif qtype == "short_text":
        fields["accepted"] = tuple(str(text) for text in question.get("accepted", []))
    elif qtype == "numeric":
        fields["value"] = str(question.get("value", ""))
        fields["tolerance"] = str(question.get("tolerance", "0"))
    return ReviewedQuestion(
        id=question["id"],
        type=qtype,
        prompt=str(question.get("prompt", "")),
        points=str(question["points"]),
        explanation=str(question.get("explanation", "")),
        **fields,
    )


def _review(attempt: Attempt) -> list[ReviewItem]:
    """Per question of a submitted attempt: the key, the learner's answer and their score."""
    grades = {grade.question_id: grade for grade in attempt.grade().questions}
    return [
        ReviewItem(
            question=_reviewed_question(question),
            given=attempt.answers.get(question["id"]),
            score=grades[question["id"]].score,
            max_score=grades[question["id"]].max_score,
        )
        for question in attempt.snapshot["questions"]
    ]


def _summary(attempt: Attempt) -> AttemptSummary:
    return AttemptSummary(
        number=attempt.number,
        submitted_at=attempt.submitted_at,
        score=attempt.score,
        max_score=attempt.max_score,
        percent=attempt.percent,
        passed=attempt.passed,
        pending_manual=attempt.pending_manual,
    )


def assessment_context(
    *,
    user: User | AnonymousUser,
    assessment: AssessmentPage,
    question_index: object = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Everything the learner's assessment page shows, and only that; see the comment above OptionView."""
    now = now or timezone.now()
    attempts = attempts_of(user=user, assessment=assessment)
    # An open attempt whose time ran out still counts as open here: it is not graded yet, so it shows no key.
    # (The page view submits such attempts before it asks for this context.)
    open_attempt = next((attempt for attempt in attempts if attempt.is_open), None)
    submitted = [attempt for attempt in attempts if not attempt.is_open]

    course = assessment.course
    enrollment = learning_selectors.enrollment_for(user=user, course=course) if course else None
    refusal = None
    if not user.is_authenticated:
        refusal = "Sign in and enrol in the course to take this assessment."
    elif enrollment is None or not enrollment.gives_access:
        refusal = "Enrol in the course to take this assessment."
    attempts_left = None if not assessment.max_attempts else max(assessment.max_attempts - len(attempts), 0)
    answers_released = answers_released_by_due_date(assessment=assessment, now=now)

    questions: list[tuple[int, QuestionView]] = []
    index: int | None = None
    question_count = 0
    if open_attempt:
        views = [
            _question_view(question, open_attempt.answers.get(question["id"]))
            for question in open_attempt.snapshot["questions"]
        ]
        question_count = len(views)
        if assessment.display_mode == DisplayMode.ONE_PER_SCREEN and views:
            asked = read_int(question_index, min_value=None, max_value=None)
            index = min(max(asked or 0, 0), len(views) - 1)
            questions = [(index, views[index])]
        else:
            questions = list(enumerate(views))

    show_feedback = feedback_allowed(assessment=assessment, attempts=attempts, now=now)
    latest = submitted[-1] if submitted else None
    reviewed = latest if latest is not None and show_feedback and open_attempt is None else None
    return {
        "course": course,
        "attempts": [_summary(attempt) for attempt in submitted],
        "attempt": OpenAttemptView(pk=open_attempt.pk, number=open_attempt.number, deadline_at=open_attempt.deadline_at)
        if open_attempt
        else None,
        "questions": questions,
        "question_count": question_count,
        "question_index": index,
        "refusal": refusal,
        "attempts_left": attempts_left,
        "answers_released": answers_released,
        "can_start": refusal is None and open_attempt is None and attempts_left != 0 and not answers_released,
        "show_feedback": show_feedback,
        # The setting would show the last review, but an attempt is open: the page says it comes back afterwards.
        "feedback_held": open_attempt is not None
        and bool(submitted)
        and _setting_allows_feedback(assessment=assessment, attempts=attempts, now=now),
        "feedback": _review(reviewed) if reviewed else None,
        "feedback_attempt_number": reviewed.number if reviewed else None,
        "best_percent": max((a.percent for a in submitted if a.percent is not None), default=None),
    }


# The trainer's side: grading queue, attempt review and gradebook ---------------------------------------------


def grading_queue(*, course: "CoursePage") -> QuerySet[Attempt]:
    """Submitted attempts at the course's assessments that still wait for an essay grade, oldest first."""
    return (
        Attempt.objects.filter(
            assessment__in=AssessmentPage.objects.descendant_of(course),
            status=AttemptStatus.SUBMITTED,
            pending_manual=True,
        )
        .select_related("user", "assessment")
        .order_by("submitted_at", "pk")
    )


@dataclass(frozen=True)
class GradingBacklog:
    """One course's line on the trainer home: attempts waiting for an essay grade, and since when."""

    course: "CoursePage"
    attempts: int
    oldest_submitted_at: datetime


def grading_backlog(*, courses: "Iterable[CoursePage]") -> list[GradingBacklog]:
    """For each of `courses` with attempts in its grading queue (see grading_queue): how many, oldest first.

    An assessment belongs to the course whose tree path starts its own, so the attempts are grouped by that
    prefix in the database: one query for the courses' depth in the page tree (they all share one).
    """
    by_path = {course.path: course for course in courses}
    counted: list[GradingBacklog] = []
    for length in sorted({len(path) for path in by_path}):
        rows = (
            Attempt.objects.filter(status=AttemptStatus.SUBMITTED, pending_manual=True)
            .annotate(course_path=Substr("assessment__path", 1, length))
            .filter(course_path__in=[path for path in by_path if len(path) == length])
            .values("course_path")
            .annotate(waiting=Count("pk"), oldest=Min("submitted_at"))
            .order_by()
        )
        for row in rows:
            course = by_path[row["course_path"]]
            counted.append(GradingBacklog(course=course, attempts=row["waiting"], oldest_submitted_at=row["oldest"]))
    return sorted(counted, key=lambda line: (line.oldest_submitted_at, line.course.title))


def pending_essays(*, attempt: Attempt) -> list[dict[str, Any]]:
    """The essay questions of an attempt no trainer has scored yet, in the order the learner saw them."""
    return [
        question
        for question in attempt.snapshot["questions"]
        if question["type"] == "essay" and question["id"] not in attempt.manual_scores
    ]


def next_essay_to_grade(
    *, course: "CoursePage", after: Attempt | None = None
) -> tuple[Attempt, dict[str, Any]] | tuple[None, None]:
    """(attempt, question) of the oldest essay still to grade in the course, or (None, None).

    `after` (an attempt) is tried first so a trainer finishes one learner's essays before moving on.
    """
    if after is not None and after.pending_manual:
        essays = pending_essays(attempt=after)
        if essays:
            return after, essays[0]
    for attempt in grading_queue(course=course)[:50]:
        essays = pending_essays(attempt=attempt)
        if essays:
            return attempt, essays[0]
    return None, None


@dataclass(frozen=True)
class QuestionReview:
    question: dict[str, Any]
    answer: object
    answer_text: str
    automatic_score: Decimal | None
    score: Decimal | None
    max_score: Decimal
    overridden: bool


def attempt_review(*, attempt: Attempt) -> list[QuestionReview]:
    """Every question of a submitted attempt with the learner's answer, its automatic and its final score."""
    automatic = {q.question_id: q for q in attempt.grade(automatic_only=True).questions}
    final = {q.question_id: q for q in attempt.grade().questions}
    reviews = []
    for question in attempt.snapshot["questions"]:
        answer = attempt.answers.get(question["id"])
        reviews.append(
            QuestionReview(
                question=question,
                answer=answer,
                answer_text=_answer_text(question, answer),
                automatic_score=automatic[question["id"]].score,
                score=final[question["id"]].score,
                max_score=final[question["id"]].max_score,
                overridden=question["id"] in attempt.manual_scores and question["type"] != "essay",
            )
        )
    return reviews


def _answer_text(question: dict[str, Any], answer: Any) -> str:
    """The learner's answer as plain text a trainer can read (option texts rather than ids)."""
    if answer is None or answer == "" or answer == []:
        return ""
    if "options" in question:
        texts = {option["id"]: option.get("text", "") for option in question["options"]}
        picked = answer if isinstance(answer, list) else [answer]
        return ", ".join(texts.get(str(option_id), "?") for option_id in picked)
    if question["type"] == "true_false":
        return {True: "True", False: "False"}.get(answer, str(answer))
    return str(answer)


class CellStatus:
    PASSED = "passed"
    FAILED = "failed"
    PENDING = "pending grading"
    NOT_ATTEMPTED = "not attempted"


@dataclass
class GradebookCell:
    best_percent: Decimal | None = None
    last_percent: Decimal | None = None
    # The best score no essay still waits on: the one the assessment average counts.
    best_final_percent: Decimal | None = None
    attempts: int = 0
    passed: bool = False
    pending: bool = False

    @property
    def status(self) -> str:
        if self.passed:
            return CellStatus.PASSED
        if self.pending:
            return CellStatus.PENDING
        if self.attempts:
            return CellStatus.FAILED
        return CellStatus.NOT_ATTEMPTED


@dataclass
class GradebookRow:
    user: User
    cells: list[GradebookCell] = field(default_factory=list)
    lessons_done: int = 0
    lessons_total: int = 0
    progress_percent: int = 0

    @property
    def lessons_percent(self) -> int:
        """Rounded down, like course progress: 100 means every lesson."""
        return self.lessons_done * 100 // self.lessons_total if self.lessons_total else 0

    @property
    def assessment_average(self) -> Decimal | None:
        """The mean of the best final score (no essay waiting) of each live assessment, each weighing the same;
        an assessment without one counts as 0 %. None for a course without assessments."""
        if not self.cells:
            return None
        total = sum((cell.best_final_percent or Decimal(0) for cell in self.cells), Decimal(0))
        return (total / len(self.cells)).quantize(Decimal("0.01"))

    @property
    def average_is_provisional(self) -> bool:
        return any(cell.pending for cell in self.cells)


@dataclass
class Gradebook:
    assessments: list[AssessmentPage]
    rows: list[GradebookRow]
    lessons_total: int = 0


def gradebook(*, course: "CoursePage") -> Gradebook:
    """Learners studying the course: lessons completed, course progress, and by live assessment their best and
    last %, attempts, status, with the assessment average (GradebookRow.assessment_average).

    Six queries whatever the number of learners and assessments: the assessments, the enrollments with their
    users, the live lessons (two) and the lessons each learner completed, and one pass over the submitted
    attempts ordered so the last one of each learner and assessment comes last.
    """
    assessments = list(AssessmentPage.objects.live().descendant_of(course).order_by("path"))
    studying = Enrollment.objects.filter(course=course, status__in=STUDYING_STATUSES)
    enrollments = list(
        studying.select_related("user").order_by("user__last_name", "user__first_name", "user__username", "pk")
    )
    lessons_total, lessons_done = learning_selectors.lessons_completed(course=course, enrollments=studying)
    rows = [
        GradebookRow(
            user=enrollment.user,
            cells=[GradebookCell() for _ in assessments],
            lessons_done=lessons_done.get(enrollment.pk, 0),
            lessons_total=lessons_total,
            progress_percent=enrollment.progress_percent,
        )
        for enrollment in enrollments
    ]
    book = Gradebook(assessments=assessments, rows=rows, lessons_total=lessons_total)
    if not assessments or not rows:
        return book
    column = {assessment.pk: index for index, assessment in enumerate(assessments)}
    row_by_user = {row.user.pk: row for row in rows}
    attempts = (
        Attempt.objects.filter(
            assessment_id__in=column,
            status=AttemptStatus.SUBMITTED,
            user_id__in=studying.values("user_id"),
        )
        .order_by("user_id", "assessment_id", "number")
        .values_list("user_id", "assessment_id", "percent", "passed", "pending_manual")
    )
    for user_id, assessment_id, percent, passed, pending in attempts:
        row = row_by_user.get(user_id)
        if row is None:
            continue
        cell = row.cells[column[assessment_id]]
        cell.attempts += 1
        cell.last_percent = percent
        if percent is not None and (cell.best_percent is None or percent > cell.best_percent):
            cell.best_percent = percent
        if (
            not pending
            and percent is not None
            and (cell.best_final_percent is None or percent > cell.best_final_percent)
        ):
            cell.best_final_percent = percent
        cell.passed = cell.passed or bool(passed)
        cell.pending = cell.pending or pending
    return book


def outline_steps(*, course: "CoursePage", user: User | AnonymousUser) -> list[OutlineStep]:
    """The course's live assessments for the player's outline, ticked when the learner has passed them."""
    assessments = list(
        AssessmentPage.objects.live()
        .descendant_of(course)
        .order_by("path")
        .only("id", "title", "slug", "path", "depth", "url_path", "live", "locale_id", "content_type_id", "is_required")
    )
    passed: set[int] = set()
    if assessments and user.is_authenticated:
        passed = set(
            Attempt.objects.filter(user=user, assessment__in=assessments, passed=True).values_list(
                "assessment_id", flat=True
            )
        )
    return [
        OutlineStep(
            page=assessment,
            kind="Quiz" if not assessment.is_required else "Assessment",
            is_done=assessment.pk in passed,
        )
        for assessment in assessments
    ]


def recent_grades(*, user: User | AnonymousUser, limit: int = 5) -> list[Attempt]:
    """The learner's latest submitted attempts, for their dashboard."""
    if not user.is_authenticated:
        return []
    return list(
        Attempt.objects.filter(user=user, status=AttemptStatus.SUBMITTED)
        .select_related("assessment")
        .only(
            "pk",
            "number",
            "percent",
            "passed",
            "pending_manual",
            "submitted_at",
            "assessment__title",
            "assessment__url_path",
            "assessment__path",
            "assessment__depth",
            "assessment__locale_id",
            "assessment__content_type_id",
            "assessment__live",
            "assessment__slug",
        )
        .order_by("-submitted_at")[:limit]
    )
