"""Question blocks. Each block's id is the question's stable id: attempts store it with the snapshot
they were graded against (see models.AssessmentPage.questions_snapshot)."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from wagtail import blocks
from wagtail.blocks.struct_block import StructBlockValidationError

PROMPT_FEATURES = ["bold", "italic", "link", "code", "ol", "ul"]


def _refuse(message: str, field: str | None = None):
    if field:
        raise StructBlockValidationError(block_errors={field: ValidationError(message)})
    raise StructBlockValidationError(non_block_errors=[ValidationError(message)])


class OptionBlock(blocks.StructBlock):
    text = blocks.CharBlock(max_length=300)
    correct = blocks.BooleanBlock(required=False, help_text="Tick every option that is a right answer.")

    class Meta:
        icon = "tick"
        label = "Option"


class QuestionBlock(blocks.StructBlock):
    prompt = blocks.RichTextBlock(features=PROMPT_FEATURES)
    points = blocks.DecimalBlock(
        default=Decimal("1"), min_value=Decimal("0.01"), max_value=Decimal("1000"), decimal_places=2, max_digits=6
    )
    explanation = blocks.RichTextBlock(
        features=PROMPT_FEATURES,
        required=False,
        help_text="Shown with the correct answer, when the assessment's settings allow learners to see it.",
    )


class SingleChoiceQuestion(QuestionBlock):
    options = blocks.ListBlock(OptionBlock(), min_num=2, max_num=12)

    class Meta:
        icon = "radio-full"
        label = "Single choice"
        description = "Learners pick one option; exactly one is right."

    def clean(self, value):
        value = super().clean(value)
        right = sum(1 for option in value["options"] if option["correct"])
        if right != 1:
            _refuse(f"Mark exactly one option as correct (now {right}).", "options")
        return value


class MultipleChoiceQuestion(QuestionBlock):
    options = blocks.ListBlock(OptionBlock(), min_num=2, max_num=12)
    partial_credit = blocks.BooleanBlock(
        required=False, default=True, help_text="Give a share of the points for each right option picked."
    )
    penalise_wrong = blocks.BooleanBlock(
        required=False,
        default=True,
        help_text="With partial credit, each wrong option picked takes a share back. Without it, "
        "ticking every option earns full marks.",
    )

    class Meta:
        icon = "list-ul"
        label = "Multiple choice"
        description = "Learners pick every right option; partial credit optional."

    def clean(self, value):
        value = super().clean(value)
        if not any(option["correct"] for option in value["options"]):
            _refuse("Mark at least one option as correct.", "options")
        return value


class TrueFalseQuestion(QuestionBlock):
    answer = blocks.ChoiceBlock(choices=[("true", "True"), ("false", "False")], label="Correct answer")

    class Meta:
        icon = "success"
        label = "True / false"


class ShortTextQuestion(QuestionBlock):
    accepted = blocks.ListBlock(
        blocks.CharBlock(max_length=200),
        min_num=1,
        label="Accepted answers",
        help_text="Spaces at the ends and repeated spaces never matter.",
    )
    case_sensitive = blocks.BooleanBlock(required=False, default=False)

    class Meta:
        icon = "pilcrow"
        label = "Short text"
        description = "A word or phrase, matched against the accepted answers."


class NumericQuestion(QuestionBlock):
    value = blocks.DecimalBlock(label="Correct value", decimal_places=6, max_digits=20)
    tolerance = blocks.DecimalBlock(
        default=Decimal("0"),
        min_value=Decimal("0"),
        decimal_places=6,
        max_digits=20,
        help_text="Answers this far from the correct value, or closer, are right.",
    )

    class Meta:
        icon = "decimal"
        label = "Numeric"


class EssayQuestion(QuestionBlock):
    grading_guidance = blocks.TextBlock(required=False, help_text="For trainers only: what a good answer contains.")

    class Meta:
        icon = "doc-full"
        label = "Essay"
        description = "A written answer a trainer grades by hand."


class QuestionsBlock(blocks.StreamBlock):
    single_choice = SingleChoiceQuestion()
    multiple_choice = MultipleChoiceQuestion()
    true_false = TrueFalseQuestion()
    short_text = ShortTextQuestion()
    numeric = NumericQuestion()
    essay = EssayQuestion()

    class Meta:
        min_num = 1
