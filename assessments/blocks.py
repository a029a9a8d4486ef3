"""Question blocks. Each block's id is the question's stable id: attempts store it with the snapshot
they were graded against (see models.AssessmentPage.questions_snapshot)."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail import blocks
from wagtail.blocks.struct_block import StructBlockValidationError

PROMPT_FEATURES = ["bold", "italic", "link", "code", "ol", "ul"]


def _refuse(message: str, field: str | None = None):
    if field:
        raise StructBlockValidationError(block_errors={field: ValidationError(message)})
    raise StructBlockValidationError(non_block_errors=[ValidationError(message)])


class OptionBlock(blocks.StructBlock):
    text = blocks.CharBlock(max_length=300)
    correct = blocks.BooleanBlock(required=False, help_text=gettext_lazy("Tick every option that is a right answer."))

    class Meta:
        icon = "tick"
        label = gettext_lazy("Option")


class QuestionBlock(blocks.StructBlock):
    prompt = blocks.RichTextBlock(features=PROMPT_FEATURES)
    points = blocks.DecimalBlock(
        default=Decimal("1"), min_value=Decimal("0.01"), max_value=Decimal("1000"), decimal_places=2, max_digits=6
    )
    explanation = blocks.RichTextBlock(
        features=PROMPT_FEATURES,
        required=False,
        help_text=gettext_lazy(
            "Shown with the correct answer, when the assessment's settings allow learners to see it."
        ),
    )


class SingleChoiceQuestion(QuestionBlock):
    options = blocks.ListBlock(OptionBlock(), min_num=2, max_num=12)

    class Meta:
        icon = "radio-full"
        label = gettext_lazy("Single choice")
        description = gettext_lazy("Learners pick one option; exactly one is right.")

    def clean(self, value):
        value = super().clean(value)
        right = sum(1 for option in value["options"] if option["correct"])
        if right != 1:
            _refuse(_("Mark exactly one option as correct (now %(right)s).") % {"right": right}, "options")
        return value


class MultipleChoiceQuestion(QuestionBlock):
    options = blocks.ListBlock(OptionBlock(), min_num=2, max_num=12)
    partial_credit = blocks.BooleanBlock(
        required=False, default=True, help_text=gettext_lazy("Give a share of the points for each right option picked.")
    )
    penalise_wrong = blocks.BooleanBlock(
        required=False,
        default=True,
        help_text=gettext_lazy(
            "With partial credit, each wrong option picked takes a share back. Without it, "
            "ticking every option earns full marks."
        ),
    )

    class Meta:
        icon = "list-ul"
        label = gettext_lazy("Multiple choice")
        description = gettext_lazy("Learners pick every right option; partial credit optional.")

    def clean(self, value):
        value = super().clean(value)
        if not any(option["correct"] for option in value["options"]):
            _refuse(_("Mark at least one option as correct."), "options")
        return value


class TrueFalseQuestion(QuestionBlock):
    answer = blocks.ChoiceBlock(
        choices=[("true", gettext_lazy("True")), ("false", gettext_lazy("False"))], label=gettext_lazy("Correct answer")
    )

    class Meta:
        icon = "success"
        label = gettext_lazy("True / false")


class ShortTextQuestion(QuestionBlock):
    accepted = blocks.ListBlock(
        blocks.CharBlock(max_length=200),
        min_num=1,
        label=gettext_lazy("Accepted answers"),
        help_text=gettext_lazy("Spaces at the ends and repeated spaces never matter."),
    )
    case_sensitive = blocks.BooleanBlock(required=False, default=False)

    class Meta:
        icon = "pilcrow"
        label = gettext_lazy("Short text")
        description = gettext_lazy("A word or phrase, matched against the accepted answers.")


class NumericQuestion(QuestionBlock):
    value = blocks.DecimalBlock(label=gettext_lazy("Correct value"), decimal_places=6, max_digits=20)
    tolerance = blocks.DecimalBlock(
        default=Decimal("0"),
        min_value=Decimal("0"),
        decimal_places=6,
        max_digits=20,
        help_text=gettext_lazy("Answers this far from the correct value, or closer, are right."),
    )

    class Meta:
        icon = "decimal"
        label = gettext_lazy("Numeric")


class EssayQuestion(QuestionBlock):
    grading_guidance = blocks.TextBlock(
        required=False, help_text=gettext_lazy("For trainers only: what a good answer contains.")
    )

    class Meta:
        icon = "doc-full"
        label = gettext_lazy("Essay")
        description = gettext_lazy("A written answer a trainer grades by hand.")


class QuestionsBlock(blocks.StreamBlock):
    single_choice = SingleChoiceQuestion()
    multiple_choice = MultipleChoiceQuestion()
    true_false = TrueFalseQuestion()
    short_text = ShortTextQuestion()
    numeric = NumericQuestion()
    essay = EssayQuestion()

    class Meta:
        min_num = 1
