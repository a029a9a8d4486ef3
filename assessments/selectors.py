from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, Min, QuerySet
from django.db.models.functions import Coalesce, Greatest, Substr
from django.utils import timezone
from django.utils.translation import gettext, pgettext_lazy

from accounts.models import User
from learning import gradebook_columns
from learning import selectors as learning_selectors
from learning.gradebook_columns import ColumnCell, GradebookColumn
from learning.models import STUDYING_STATUSES, Enrollment
from learning.requirements import OutlineStep, RequirementCount
from lms_site.inputs import read_int
from lms_site.translated_pages import in_language_many

from . import grading
from .models import AssessmentPage, Attempt, AttemptStatus, DisplayMode, Feedback, ShowAnswers

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
    # A learner renewing a certificate started a new round: only what they passed since counts.
    first_round = {enrollment.user_id: enrollment.pk for enrollment in enrollments if not enrollment.round_started_at}
    renewing: dict[int, tuple[int, datetime]] = {}  # user id -> (enrollment id, when the round started)
    for enrollment in enrollments:
        if enrollment.round_started_at is not None:
            renewing[enrollment.user_id] = (enrollment.pk, enrollment.round_started_at)
    done: dict[int, int] = {}
    if first_round:
        passed = (
            Attempt.objects.filter(assessment_id__in=required_ids, passed=True, user_id__in=first_round)
            .values("user_id")
            .annotate(assessments=Count("assessment_id", distinct=True))
        )
        done.update({first_round[row["user_id"]]: row["assessments"] for row in passed})
    if renewing:
        passed_since: dict[int, set[int]] = {}
        for user_id, assessment_id, submitted_at in Attempt.objects.filter(
            assessment_id__in=required_ids, passed=True, user_id__in=renewing, submitted_at__isnull=False
        ).values_list("user_id", "assessment_id", "submitted_at"):
            if submitted_at is not None and submitted_at >= renewing[user_id][1]:
                passed_since.setdefault(user_id, set()).add(assessment_id)
        done.update({renewing[user_id][0]: len(ids) for user_id, ids in passed_since.items()})
    return RequirementCount(total=len(required_ids), done=done)


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

    pk: int
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
    comment: str = ""  # the trainer's feedback on this question, once the grade is final


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


def _review(attempt: Attempt, comments: dict[str, str] | None = None) -> list[ReviewItem]:
    """Per question of a submitted attempt: the key, the learner's answer, their score and the trainer's comment."""
    grades = {grade.question_id: grade for grade in attempt.grade().questions}
    comments = comments or {}
    return [
        ReviewItem(
            question=_reviewed_question(question),
            given=attempt.answers.get(question["id"]),
            score=grades[question["id"]].score,
            max_score=grades[question["id"]].max_score,
            comment=comments.get(question["id"], ""),
        )
        for question in attempt.snapshot["questions"]
    ]


def released_feedback(*, attempt: Attempt) -> dict[str, str]:
    """The trainer's comments on an attempt by question id ("" for the whole attempt), only once its grade is
    final: a comment on one essay is not the learner's to read while another still waits for its grade."""
    if not attempt.is_final:
        return {}
    return dict(Feedback.objects.filter(attempt=attempt).values_list("question_id", "text"))


def _summary(attempt: Attempt) -> AttemptSummary:
    return AttemptSummary(
        pk=attempt.pk,
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
        refusal = gettext("Sign in and enrol in the course to take this assessment.")
    elif enrollment is None or not enrollment.gives_access:
        refusal = gettext("Enrol in the course to take this assessment.")
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
    # An attempt waiting for an essay grade has a partial score: it counts towards nothing until it is final.
    final = [attempt for attempt in submitted if attempt.is_final]
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
        "feedback": _review(reviewed, released_feedback(attempt=reviewed)) if reviewed else None,
        "feedback_attempt_number": reviewed.number if reviewed else None,
        "best_percent": max((a.percent for a in final if a.percent is not None), default=None),
        "waiting_for_grading": any(attempt.pending_manual for attempt in submitted),
    }


# The learner's result page for one attempt ---------------------------------------------------------------------
#
# Built like assessment_context, from allow-lists into frozen views: the score and the trainer's comments only
# once the grade is final; the questions' keys only when the show-answers setting allows and none of the
# learner's attempts at the assessment is open (then not even their per-question scores are shown).


@dataclass(frozen=True)
class ResultQuestion:
    """One question on the result page: the learner's own answer and the trainer's comment beside it."""

    number: int
    prompt: str
    given_text: str
    comment: str
    score: Decimal | None  # None where a score would tell which automatic answers were right
    max_score: Decimal
    review: ReviewItem | None  # the key and explanation, where the setting allows


@dataclass(frozen=True)
class AttemptResult:
    pk: int
    number: int
    submitted_at: object
    waiting: bool  # an essay still waits for a trainer: no score, no pass, no comments yet
    score: Decimal | None
    max_score: Decimal
    percent: Decimal | None
    passed: bool | None
    overall_comment: str
    questions: tuple[ResultQuestion, ...]
    # One of the learner's attempts at the assessment is open: the questions come back once it is submitted.
    questions_held: bool
    keys_shown: bool


def attempt_result(*, attempt: Attempt, now: datetime | None = None) -> AttemptResult:
    """What the learner's result page of one of their submitted attempts shows; see the comment above."""
    attempts = list(
        Attempt.objects.filter(user_id=attempt.user_id, assessment_id=attempt.assessment_id).order_by("number")
    )
    held = any(other.is_open for other in attempts)
    waiting = not attempt.is_final
    comments = released_feedback(attempt=attempt)
    keys_shown = not waiting and feedback_allowed(assessment=attempt.assessment, attempts=attempts, now=now)
    questions: list[ResultQuestion] = []
    if not waiting and not held:
        reviews = {item.question.id: item for item in _review(attempt, comments)} if keys_shown else {}
        grades = {grade.question_id: grade for grade in attempt.grade().questions}
        for number, question in enumerate(attempt.snapshot["questions"], start=1):
            comment = comments.get(question["id"], "")
            if not keys_shown and not comment:
                continue  # without keys, a question is listed for the trainer's comment on it
            manual = question["type"] == "essay"
            grade = grades[question["id"]]
            questions.append(
                ResultQuestion(
                    number=number,
                    prompt=str(question.get("prompt", "")),
                    given_text=_answer_text(question, attempt.answers.get(question["id"])),
                    comment=comment,
                    score=grade.score if keys_shown or manual else None,
                    max_score=grade.max_score,
                    review=reviews.get(question["id"]),
                )
            )
    return AttemptResult(
        pk=attempt.pk,
        number=attempt.number,
        submitted_at=attempt.submitted_at,
        waiting=waiting,
        score=None if waiting else attempt.score,
        max_score=attempt.max_score,
        percent=None if waiting else attempt.percent,
        passed=attempt.passed,
        overall_comment=comments.get("", ""),
        questions=tuple(questions),
        questions_held=held and not waiting,
        keys_shown=keys_shown and not held,
    )


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
    comment: str = ""  # the trainer's feedback for the learner on this question


def feedback_for_staff(*, attempt: Attempt) -> dict[str, str]:
    """Every comment on an attempt by question id ("" for the whole attempt), released to the learner or not."""
    return dict(Feedback.objects.filter(attempt=attempt).values_list("question_id", "text"))


def attempt_review(*, attempt: Attempt, comments: dict[str, str] | None = None) -> list[QuestionReview]:
    """Every question of a submitted attempt with the learner's answer, its automatic and its final score."""
    automatic = {q.question_id: q for q in attempt.grade(automatic_only=True).questions}
    final = {q.question_id: q for q in attempt.grade().questions}
    comments = comments or {}
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
                comment=comments.get(question["id"], ""),
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
        return {True: gettext("True"), False: gettext("False")}.get(answer, str(answer))
    return str(answer)


class CellStatus:
    PASSED = "passed"
    FAILED = "failed"
    PENDING = "pending grading"
    NOT_ATTEMPTED = "not attempted"


CELL_STATUS_LABELS = {
    CellStatus.PASSED: pgettext_lazy("assessment status", "passed"),
    CellStatus.FAILED: pgettext_lazy("assessment status", "failed"),
    CellStatus.PENDING: pgettext_lazy("assessment status", "pending grading"),
    CellStatus.NOT_ATTEMPTED: pgettext_lazy("assessment status", "not attempted"),
}


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

    @property
    def status_label(self) -> str:
        """The status as the trainer reads it; `status` stays the stable code (data attributes, the API)."""
        return str(CELL_STATUS_LABELS[self.status])


@dataclass
class GradebookRow:
    user: User
    cells: list[GradebookCell] = field(default_factory=list)
    # One per Gradebook.extra_columns, in the same order (a SCORM package's score, say).
    extra_cells: list[ColumnCell] = field(default_factory=list)
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
        an assessment without one counts as 0 %. None for a course without assessments.

        Assessments only: the extra columns (SCORM scores) are shown beside it but not counted, because a
        package's score means what its author made it mean (a practice run, a pass mark we cannot see), and the
        page's rules text promises trainers an average of assessments."""
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
    # Columns other apps add through learning.gradebook_columns, after the assessments.
    extra_columns: list[GradebookColumn] = field(default_factory=list)

    @property
    def column_count(self) -> int:
        """The table's columns: learner, lessons, progress, average, then assessments and extra columns."""
        return 4 + len(self.assessments) + len(self.extra_columns)


def gradebook(*, course: "CoursePage") -> Gradebook:
    """Learners studying the course: lessons completed, course progress, and by live assessment their best and
    last %, attempts, status, with the assessment average (GradebookRow.assessment_average).

    Six queries whatever the number of learners and assessments: the assessments, the enrollments with their
    users, the live lessons (two) and the lessons each learner completed, and one pass over the submitted
    attempts ordered so the last one of each learner and assessment comes last. Each column provider registered
    in learning.gradebook_columns is asked once for all learners, adding its own fixed number (scorm: two).
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
    extra_columns = gradebook_columns.columns(course=course, user_ids=[row.user.pk for row in rows])
    for each in rows:
        each.extra_cells = [extra.cell(each.user.pk) for extra in extra_columns]
    book = Gradebook(assessments=assessments, rows=rows, lessons_total=lessons_total, extra_columns=extra_columns)
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
    columns = ("id", "title", "slug", "path", "depth", "url_path", "live", "locale_id", "content_type_id")
    assessments = in_language_many(
        AssessmentPage.objects.live().descendant_of(course).order_by("path").only(*columns, "is_required"),
        fields=("title",),
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
            kind=gettext("Assessment") if assessment.is_required else gettext("Quiz"),
            is_done=assessment.pk in passed,
        )
        for assessment in assessments
    ]


def outline_steps_done(*, user: User | AnonymousUser, pages: "list[Any]", since: datetime | None = None) -> set[int]:
    """Of the given step pages, the assessments `user` has passed (since the renewal round began, if any): one
    query."""
    if not user.is_authenticated:
        return set()
    passed = Attempt.objects.filter(user=user, assessment_id__in=[page.pk for page in pages], passed=True)
    if since is not None:
        passed = passed.filter(submitted_at__gte=since)
    return set(passed.values_list("assessment_id", flat=True).distinct())


# How long a released or changed grade stays news on the learner's dashboard.
GRADE_NEWS_DAYS = 30


@dataclass(frozen=True)
class RecentGrade:
    """A submitted attempt on the learner's dashboard, with what a trainer lately did to its grade."""

    assessment: AssessmentPage
    pk: int
    number: int
    waiting: bool
    percent: Decimal | None  # None while an essay waits for its grade
    passed: bool | None
    news: str  # "released", "changed" or "" (see services.GradeNews)
    news_at: datetime | None


@dataclass(frozen=True)
class RecentGrades:
    grades: list[RecentGrade]  # the latest attempts, the most recently submitted or graded first
    news: list[RecentGrade]  # those a trainer lately graded or changed, newest first


def recent_grades(*, user: User | AnonymousUser, limit: int = 5, now: datetime | None = None) -> RecentGrades:
    """The learner's latest submitted attempts for their dashboard, and which of them are news.

    One query: a grade released last week puts its attempt back at the top even if it was submitted long ago.
    """
    if not user.is_authenticated:
        return RecentGrades(grades=[], news=[])
    since = (now or timezone.now()) - timedelta(days=GRADE_NEWS_DAYS)
    attempts = (
        Attempt.objects.filter(user=user, status=AttemptStatus.SUBMITTED)
        .select_related("assessment")
        .only(
            "pk",
            "number",
            "percent",
            "passed",
            "pending_manual",
            "status",
            "submitted_at",
            "grade_released_at",
            "grade_changed_at",
            "assessment__title",
            "assessment__url_path",
            "assessment__path",
            "assessment__depth",
            "assessment__locale_id",
            "assessment__content_type_id",
            "assessment__live",
            "assessment__slug",
        )
        .annotate(
            active_at=Greatest(
                "submitted_at",
                Coalesce("grade_released_at", "submitted_at"),
                Coalesce("grade_changed_at", "submitted_at"),
            )
        )
        .order_by("-active_at", "-pk")[:limit]
    )
    grades = [_recent_grade(attempt, since) for attempt in attempts]
    news = sorted((grade for grade in grades if grade.news_at), key=lambda grade: grade.news_at or since, reverse=True)
    return RecentGrades(grades=grades, news=news)


def _recent_grade(attempt: Attempt, since: datetime) -> RecentGrade:
    news, news_at = "", None
    if attempt.is_final:
        if attempt.grade_changed_at and attempt.grade_changed_at >= since:
            news, news_at = "changed", attempt.grade_changed_at
        elif attempt.grade_released_at and attempt.grade_released_at >= since:
            news, news_at = "released", attempt.grade_released_at
    return RecentGrade(
        assessment=attempt.assessment,
        pk=attempt.pk,
        number=attempt.number,
        waiting=not attempt.is_final,
        percent=attempt.percent if attempt.is_final else None,
        passed=attempt.passed,
        news=news,
        news_at=news_at,
    )
