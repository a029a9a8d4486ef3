from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page

from .blocks import QuestionsBlock


class ShowAnswers(models.TextChoices):
    NEVER = "never", "Never"
    AFTER_EACH_ATTEMPT = "after_each_attempt", "After each attempt"
    AFTER_LAST_ATTEMPT = "after_last_attempt", "After the last allowed attempt"
    AFTER_DUE_DATE = "after_due_date", "After the due date"


class DisplayMode(models.TextChoices):
    ALL_ON_ONE_PAGE = "all", "All questions on one page"
    ONE_PER_SCREEN = "one", "One question per screen"


class AssessmentPage(Page):
    """A quiz or exam inside a course: its questions are StreamField blocks whose ids never change."""

    intro = RichTextField(blank=True, features=["bold", "italic", "link", "ol", "ul"])
    questions = StreamField(QuestionsBlock(), blank=False)
    pass_mark = models.PositiveSmallIntegerField(
        "pass mark (%)", default=70, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    max_attempts = models.PositiveSmallIntegerField(
        "attempts allowed", null=True, blank=True, validators=[MinValueValidator(1)], help_text="Empty: unlimited."
    )
    time_limit_minutes = models.PositiveIntegerField(
        "time limit (minutes)", null=True, blank=True, validators=[MinValueValidator(1)], help_text="Empty: no limit."
    )
    shuffle_questions = models.BooleanField("randomise question order", default=False)
    shuffle_options = models.BooleanField("randomise option order", default=False)
    display_mode = models.CharField(max_length=8, choices=DisplayMode.choices, default=DisplayMode.ALL_ON_ONE_PAGE)
    is_required = models.BooleanField(
        "required for completion", default=True, help_text="Learners must pass it to complete the course."
    )
    show_answers = models.CharField(
        "show correct answers", max_length=24, choices=ShowAnswers.choices, default=ShowAnswers.AFTER_EACH_ATTEMPT
    )
    due_at = models.DateTimeField("due date", null=True, blank=True)

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
            heading="Settings",
        ),
    ]

    parent_page_types = ["courses.CoursePage", "courses.ModulePage"]
    subpage_types = []
    page_description = "A quiz or exam with automatically and manually graded questions."

    def clean(self):
        super().clean()
        errors = {}
        if self.show_answers == ShowAnswers.AFTER_DUE_DATE and not self.due_at:
            errors["due_at"] = "Set a due date, or choose another moment to show the correct answers."
        if self.show_answers == ShowAnswers.AFTER_LAST_ATTEMPT and not self.max_attempts:
            errors["max_attempts"] = "With unlimited attempts there is no last attempt: set a number."
        if errors:
            raise ValidationError(errors)

    def questions_snapshot(self) -> dict:
        """The questions and their keys as grading sees them (assessments.grading), to store on an attempt."""
        return {"version": 1, "questions": [_question_snapshot(block) for block in self.questions]}


def _question_snapshot(block) -> dict:
    value = block.value
    question = {
        "id": block.id,
        "type": block.block_type,
        "prompt": value["prompt"].source,
        "points": str(value["points"]),
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
        question["value"] = str(value["value"])
        question["tolerance"] = str(value["tolerance"])
    elif block.block_type == "essay":
        question["grading_guidance"] = value["grading_guidance"]
    return question
