from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page

from courses.models import CoursePage
from courses.permissions import CourseContentPermissionTester
from lms_site import seo
from lms_site.translated_pages import OneAddressPerLanguage, OriginalsPageManager

from . import grading
from .blocks import QuestionsBlock

# Page is Any to mypy (Wagtail has no type hints), so the types of fields on Page subclasses are spelled out.


class ShowAnswers(models.TextChoices):
    NEVER = "never", _("Never")
    AFTER_EACH_ATTEMPT = "after_each_attempt", _("After each attempt")
    AFTER_LAST_ATTEMPT = "after_last_attempt", _("After the last allowed attempt")
    AFTER_DUE_DATE = "after_due_date", _("After the due date")


class DisplayMode(models.TextChoices):
    ALL_ON_ONE_PAGE = "all", _("All questions on one page")
    ONE_PER_SCREEN = "one", _("One question per screen")


class AssessmentPage(OneAddressPerLanguage, Page):
    """A quiz or exam inside a course: its questions are StreamField blocks whose ids never change."""

    # `.originals()` lists a page once, not once per language (lms_site/translated_pages.py).
    objects = OriginalsPageManager()

    intro = RichTextField(blank=True, features=["bold", "italic", "link", "ol", "ul"])
    questions = StreamField(QuestionsBlock(), blank=False)
    pass_mark: "models.PositiveSmallIntegerField[int, int]" = models.PositiveSmallIntegerField(
        _("pass mark (%)"), default=70, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    max_attempts: "models.PositiveSmallIntegerField[int | None, int | None]" = models.PositiveSmallIntegerField(
        _("attempts allowed"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_("Empty: unlimited."),
    )
    time_limit_minutes: "models.PositiveIntegerField[int | None, int | None]" = models.PositiveIntegerField(
        _("time limit (minutes)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_("Empty: no limit."),
    )
    shuffle_questions: "models.BooleanField[bool, bool]" = models.BooleanField(
        _("randomise question order"), default=False
    )
    shuffle_options: "models.BooleanField[bool, bool]" = models.BooleanField(_("randomise option order"), default=False)
    display_mode: "models.CharField[str, str]" = models.CharField(
        max_length=8, choices=DisplayMode.choices, default=DisplayMode.ALL_ON_ONE_PAGE
    )
    is_required: "models.BooleanField[bool, bool]" = models.BooleanField(
        _("required for completion"), default=True, help_text=_("Learners must pass it to complete the course.")
    )
    show_answers: "models.CharField[str, str]" = models.CharField(
        _("show correct answers"), max_length=24, choices=ShowAnswers.choices, default=ShowAnswers.AFTER_EACH_ATTEMPT
    )
    due_at: "models.DateTimeField[datetime | None, datetime | None]" = models.DateTimeField(
        _("due date"), null=True, blank=True
    )

    content_panels = Page.content_panels + [
        FieldPanel("intro"),
        FieldPanel("questions"),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("pass_mark"), FieldPanel("max_attempts"), FieldPanel("time_limit_minutes")]),
                FieldRowPanel([FieldPanel("shuffle_questions"), FieldPanel("shuffle_options")]),
                FieldRowPanel([FieldPanel("display_mode"), FieldPanel("is_required")]),
                FieldRowPanel([FieldPanel("show_answers"), FieldPanel("due_at")]),
            ],
            heading=_("Settings"),
        ),
    ]

    promote_panels = seo.promote_panels()

    parent_page_types = ["courses.CoursePage", "courses.ModulePage"]
    subpage_types: list[str] = []
    page_description = _("A quiz or exam with automatically and manually graded questions.")

    def clean(self):
        super().clean()
        errors = {}
        if self.show_answers == ShowAnswers.AFTER_DUE_DATE and not self.due_at:
            errors["due_at"] = _("Set a due date, or choose another moment to show the correct answers.")
        if self.show_answers == ShowAnswers.AFTER_LAST_ATTEMPT and not self.max_attempts:
            errors["max_attempts"] = _("With unlimited attempts there is no last attempt: set a number.")
        if errors:
            raise ValidationError(errors)

    @cached_property
    def course(self):
        return CoursePage.objects.ancestor_of(self).first()

    def permissions_for_user(self, user):
        # Like lessons: a trainer edits the assessments of their own courses only.
        return CourseContentPermissionTester(user, self, course=self.course)

    def serve(self, request, *args, **kwargs):
        # Imported here because assessments.views imports these models.
        from .views import assessment_page

        return assessment_page(request, assessment=self)

    def get_sitemap_urls(self, request=None):
        return []  # a visitor is refused it: only enrolled learners take assessments

    def questions_snapshot(self) -> dict:
        """The questions and their keys as grading sees them (assessments.grading), to store on an attempt."""
        return {"version": 1, "questions": [_question_snapshot(block) for block in self.questions]}


class AttemptStatus(models.TextChoices):
    IN_PROGRESS = "in_progress", _("In progress")
    SUBMITTED = "submitted", _("Submitted")


class Attempt(models.Model):
    """One go at an assessment, graded against the questions as they were when it started."""

    assessment = models.ForeignKey(AssessmentPage, on_delete=models.PROTECT, related_name="attempts")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="attempts")
    number = models.PositiveSmallIntegerField(help_text=_("1 for the learner's first attempt at this assessment."))
    status = models.CharField(max_length=16, choices=AttemptStatus.choices, default=AttemptStatus.IN_PROGRESS)
    started_at = models.DateTimeField()
    deadline_at = models.DateTimeField(null=True, blank=True, help_text=_("Answers after this moment are refused."))
    submitted_at = models.DateTimeField(null=True, blank=True)
    # The questions in the order this learner sees them, with their keys: grading never reads the live page.
    snapshot = models.JSONField()
    answers = models.JSONField(default=dict, blank=True)
    manual_scores = models.JSONField(default=dict, blank=True, help_text=_("Trainer-given scores by question id."))
    score = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    max_score = models.DecimalField(max_digits=8, decimal_places=2)
    percent = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    passed = models.BooleanField(null=True, blank=True)
    pending_manual = models.BooleanField(default=False, help_text=_("An essay still waits for a trainer's grade."))
    # What the learner is told about (e-mail and dashboard): the moment a trainer's last essay grade made the
    # result final, and the last time a trainer's change (override, regrade) moved a final score.
    grade_released_at = models.DateTimeField(null=True, blank=True)
    grade_changed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            # Two tabs starting "the next attempt" at once both ask for the same number: one of them loses.
            models.UniqueConstraint(fields=["user", "assessment", "number"], name="one_attempt_per_number"),
        ]
        indexes = [
            models.Index(fields=["assessment", "status", "pending_manual"]),
            # Covers analytics' pass rates and scores per assessment and period, so they never read the wide
            # rows (snapshot and answers, about 2 KB each): bench/analytics.py, 7.3 s to under 0.1 s.
            models.Index(
                fields=["assessment", "status", "submitted_at", "passed", "percent", "user"],
                name="attempt_submitted_stats_idx",
            ),
        ]
        ordering = ["assessment_id", "user_id", "number"]

    def __str__(self):
        return f"Attempt {self.number} of {self.user} at {self.assessment_id}"

    @property
    def is_open(self) -> bool:
        return self.status == AttemptStatus.IN_PROGRESS

    @property
    def is_final(self) -> bool:
        """Submitted with every essay graded: its score and pass are what the learner gets."""
        return self.status == AttemptStatus.SUBMITTED and not self.pending_manual

    def question(self, question_id: str) -> dict | None:
        """The question with this id as this attempt took it (keys included), or None."""
        return next((q for q in self.snapshot["questions"] if q["id"] == question_id), None)

    def grade(self, *, automatic_only: bool = False) -> grading.AttemptGrade:
        """This attempt's grade from its own snapshot and answers, with the trainer-given scores unless told not to."""
        return grading.grade_attempt(self.snapshot, self.answers, None if automatic_only else self.manual_scores)


class GradeChange(models.Model):
    """An audit row for every score a person changed: essay grades, overrides and regrades."""

    class Kind(models.TextChoices):
        ESSAY_GRADE = "essay_grade", _("Essay graded")
        OVERRIDE = "override", _("Score overridden")
        REGRADE = "regrade", _("Regraded after a key change")

    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="grade_changes")
    question_id = models.CharField(max_length=64, blank=True, help_text=_("Empty when the whole attempt changed."))
    kind = models.CharField(max_length=16, choices=Kind.choices)
    previous_score = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    new_score = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    reason = models.TextField(blank=True)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    changed_at = models.DateTimeField()

    class Meta:
        ordering = ["changed_at", "pk"]

    def __str__(self):
        return f"{self.get_kind_display()} on attempt {self.attempt_id}"


class Feedback(models.Model):
    """A trainer's comment for the learner on one question of an attempt, or on the whole attempt.

    Unlike a GradeChange's reason (the record of why a score moved, for staff), this is written to the learner
    and shown on their result page once the grade is final.
    """

    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="feedback")
    question_id = models.CharField(
        max_length=64, blank=True, help_text=_("Empty for the comment on the whole attempt.")
    )
    text = models.TextField()
    written_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["attempt", "question_id"], name="one_feedback_per_question"),
        ]

    def __str__(self):
        return f"Feedback on attempt {self.attempt_id}" + (f", question {self.question_id}" if self.question_id else "")


def _plain_decimal(number) -> str:
    """'0.010000' as '0.01' and '100.00' as '100': how learners read numbers."""
    return format(Decimal(number).normalize(), "f")


def _question_snapshot(block) -> dict:
    value = block.value
    question = {
        "id": block.id,
        "type": block.block_type,
        "prompt": value["prompt"].source,
        "points": _plain_decimal(value["points"]),
        "explanation": value["explanation"].source if value["explanation"] else "",
    }
    if block.block_type in ("single_choice", "multiple_choice"):
        question["options"] = [
            {"id": option.id, "text": option.value["text"], "correct": bool(option.value["correct"])}
            for option in value["options"].bound_blocks
        ]
    if block.block_type == "multiple_choice":
        question["partial_credit"] = bool(value["partial_credit"])
        question["penalise_wrong"] = bool(value["penalise_wrong"])
    elif block.block_type == "true_false":
        question["answer"] = value["answer"] == "true"
    elif block.block_type == "short_text":
        question["accepted"] = list(value["accepted"])
        question["case_sensitive"] = bool(value["case_sensitive"])
    elif block.block_type == "numeric":
        question["value"] = _plain_decimal(value["value"])
        question["tolerance"] = _plain_decimal(value["tolerance"])
    elif block.block_type == "essay":
        question["grading_guidance"] = value["grading_guidance"]
    return question
