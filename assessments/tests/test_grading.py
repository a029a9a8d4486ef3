"""Grading rules per question type, the attempt totals, the answer-key-free public view, and properties that
must hold for any valid snapshot and any answers a browser (or an attacker) could send."""

import copy
import json
import unicodedata
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assessments.grading import (
    AttemptGrade,
    InvalidSnapshot,
    QuestionGrade,
    QuestionType,
    full_marks_answers,
    grade_attempt,
    max_score,
    public_question,
)

# ---------------------------------------------------------------------------------------------------------------
# Builders: readable ids stand in for the StreamField uuids, which are just strings to grading.

MISSING = object()


def snapshot(*questions):
    return {"version": 1, "questions": list(questions)}


def single(qid="q-single", points="2"):
    return {
        "id": qid,
        "type": "single_choice",
        "prompt": "<p>Capital of France?</p>",
        "points": points,
        "explanation": "<p>Paris has been the capital since 987.</p>",
        "options": [
            {"id": "lyon", "text": "Lyon", "correct": False},
            {"id": "paris", "text": "Paris", "correct": True},
            {"id": "nice", "text": "Nice", "correct": False},
        ],
    }


def multiple(
    qid="q-multi", points="3", partial_credit=True, penalise_wrong=False, right=("a", "b", "c"), wrong=("d", "e")
):
    options = [{"id": option_id, "text": option_id.upper(), "correct": True} for option_id in right]
    options += [{"id": option_id, "text": option_id.upper(), "correct": False} for option_id in wrong]
    return {
        "id": qid,
        "type": "multiple_choice",
        "prompt": "<p>Pick every right option.</p>",
        "points": points,
        "explanation": "",
        "options": options,
        "partial_credit": partial_credit,
        "penalise_wrong": penalise_wrong,
    }


def true_false(qid="q-tf", points="1", answer=False):
    return {"id": qid, "type": "true_false", "prompt": "<p>The sun is cold.</p>", "points": points, "answer": answer}


def short_text(qid="q-text", points="2", accepted=("Paris", "City of Paris"), case_sensitive=False):
    return {
        "id": qid,
        "type": "short_text",
        "prompt": "<p>Capital of France?</p>",
        "points": points,
        "explanation": "",
        "accepted": list(accepted),
        "case_sensitive": case_sensitive,
    }


def numeric(qid="q-num", points="2", value="3.14", tolerance="0.01"):
    return {
        "id": qid,
        "type": "numeric",
        "prompt": "<p>Pi to two places?</p>",
        "points": points,
        "explanation": "",
        "value": value,
        "tolerance": tolerance,
    }


def essay(qid="q-essay", points="5"):
    return {
        "id": qid,
        "type": "essay",
        "prompt": "<p>Discuss.</p>",
        "points": points,
        "explanation": "",
        "grading_guidance": "Two causes.",
    }


def grade_one(question, answer=MISSING, manual=None) -> QuestionGrade:
    answers = {} if answer is MISSING else {question["id"]: answer}
    manual_scores = None if manual is None else {question["id"]: manual}
    return grade_attempt(snapshot(question), answers, manual_scores).questions[0]


def scored(question, answer=MISSING, manual=None) -> Decimal | None:
    return grade_one(question, answer, manual).score


# ---------------------------------------------------------------------------------------------------------------
# Single choice


def test_single_choice_right_option_earns_full_points():
    assert grade_one(single(), "paris") == QuestionGrade(
        question_id="q-single", score=Decimal("2.00"), max_score=Decimal("2.00"), correct=True, answered=True
    )


def test_single_choice_wrong_option_earns_nothing():
    grade = grade_one(single(), "lyon")
    assert (grade.score, grade.correct, grade.answered) == (Decimal("0.00"), False, True)


@pytest.mark.parametrize(
    "answer",
    ["unknown-option", "PARIS", " paris", ["paris"], ("paris",), {"paris"}, {"id": "paris"}, 1, True, b"paris", 3.5],
)
def test_single_choice_malformed_answers_score_zero(answer):
    grade = grade_one(single(), answer)
    assert (grade.score, grade.correct) == (Decimal("0.00"), False)


@pytest.mark.parametrize("answer", [MISSING, None, "", "   "])
def test_single_choice_blank_answers_score_zero_and_count_as_unanswered(answer):
    grade = grade_one(single(), answer)
    assert (grade.score, grade.correct, grade.answered) == (Decimal("0.00"), False, False)


# ---------------------------------------------------------------------------------------------------------------
# Multiple choice: right a, b, c; wrong d, e.


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        (["a", "b", "c"], "3.00"),
        (["c", "a", "b"], "3.00"),
        (["a", "b", "c", "a", "c"], "3.00"),  # repeats count once
        (("a", "b", "c"), "3.00"),
        (["a", "b"], "0.00"),
        (["a", "b", "c", "d"], "0.00"),
        (["a", "b", "c", "d", "e"], "0.00"),
        (["d"], "0.00"),
        ([], "0.00"),
    ],
)
def test_multiple_choice_all_or_nothing(answer, expected):
    assert scored(multiple(partial_credit=False), answer) == Decimal(expected)


@pytest.mark.parametrize("penalise_wrong", [False, True])
def test_all_or_nothing_ignores_the_penalty_flag(penalise_wrong):
    question = multiple(partial_credit=False, penalise_wrong=penalise_wrong)
    assert scored(question, ["a", "b", "c"]) == Decimal("3.00")
    assert scored(question, ["a", "b"]) == Decimal("0.00")


@pytest.mark.parametrize(
    ("answer", "expected", "correct"),
    [
        (["a"], "1.00", None),
        (["a", "b"], "2.00", None),
        (["a", "b", "c"], "3.00", True),
        (["a", "b", "c", "d", "e"], "3.00", True),  # without a penalty, ticking everything is full marks
        (["a", "d"], "1.00", None),
        (["d", "e"], "0.00", False),
        (["a", "a", "a"], "1.00", None),
    ],
)
def test_multiple_choice_partial_credit_without_penalty(answer, expected, correct):
    grade = grade_one(multiple(partial_credit=True, penalise_wrong=False), answer)
    assert (grade.score, grade.correct) == (Decimal(expected), correct)


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        (["a", "b", "c"], "3.00"),
        (["a"], "1.00"),
        (["a", "d"], "0.00"),  # 1/3 - 1/2 is negative: floored at 0
        (["a", "b", "d"], "0.50"),  # 3 * (2/3 - 1/2)
        (["a", "b", "c", "d"], "1.50"),  # 3 * (1 - 1/2)
        (["a", "b", "c", "d", "e"], "0.00"),
        (["d", "d", "a", "b"], "0.50"),  # a repeated wrong option is penalised once
        (["d", "e"], "0.00"),
    ],
)
def test_multiple_choice_partial_credit_with_penalty(answer, expected):
    assert scored(multiple(partial_credit=True, penalise_wrong=True), answer) == Decimal(expected)


def test_penalty_with_no_wrong_options_takes_nothing():
    question = multiple(partial_credit=True, penalise_wrong=True, right=("a", "b"), wrong=())
    assert scored(question, ["a"]) == Decimal("1.50")
    assert scored(question, ["a", "b"]) == Decimal("3.00")


@pytest.mark.parametrize(
    ("points", "answer", "expected"),
    [
        ("1", ["a"], "0.33"),
        ("1", ["a", "b"], "0.67"),
        ("2", ["a"], "0.67"),
        ("0.05", ["a"], "0.02"),  # 0.0166...
    ],
)
def test_partial_scores_round_to_cents(points, answer, expected):
    assert scored(multiple(points=points), answer) == Decimal(expected)


def test_partial_scores_round_half_up():
    # Exactly half a cent: 0.05 / 2 = 0.025. Banker's rounding would give 0.02.
    question = multiple(points="0.05", right=("a", "b"), wrong=("c",))
    assert scored(question, ["a"]) == Decimal("0.03")


@pytest.mark.parametrize(
    "answer",
    [
        "a",  # a bare string is not a list of ids, even though "a" is an option
        "abc",
        ["a", "b", "c", "zzz"],  # one unknown option voids the answer rather than being skipped
        ["a", 1],
        ["a", None],
        [["a"]],
        {"a": True},
        {"a", "b", "c", 1},
        1,
        True,
    ],
)
@pytest.mark.parametrize("partial_credit", [False, True])
def test_multiple_choice_malformed_answers_score_zero(answer, partial_credit):
    grade = grade_one(multiple(partial_credit=partial_credit), answer)
    assert (grade.score, grade.correct) == (Decimal("0.00"), False)


@pytest.mark.parametrize(("answer", "answered"), [(MISSING, False), (None, False), ([], False), (["zzz"], True)])
def test_multiple_choice_answered_flag(answer, answered):
    assert grade_one(multiple(), answer).answered is answered


# ---------------------------------------------------------------------------------------------------------------
# True / false


@pytest.mark.parametrize("answer", [False, "false", "False", " FALSE "])
def test_true_false_right_answer(answer):
    grade = grade_one(true_false(answer=False), answer)
    assert (grade.score, grade.correct, grade.answered) == (Decimal("1.00"), True, True)


@pytest.mark.parametrize("answer", [True, "true", "TRUE"])
def test_true_false_when_the_statement_is_true(answer):
    assert scored(true_false(answer=True), answer) == Decimal("1.00")
    assert scored(true_false(answer=False), answer) == Decimal("0.00")


@pytest.mark.parametrize("answer", [0, 1, "0", "no", "f", "yes", ["false"], {"false"}, 0.0, "falsey"])
def test_true_false_malformed_answers_score_zero(answer):
    # 0 and "no" might look like False, but a form never sends them: they are not answers to this question.
    grade = grade_one(true_false(answer=False), answer)
    assert (grade.score, grade.correct, grade.answered) == (Decimal("0.00"), False, True)


@pytest.mark.parametrize("answer", [MISSING, None, "", " "])
def test_true_false_blank_is_unanswered(answer):
    grade = grade_one(true_false(answer=False), answer)
    assert (grade.score, grade.answered) == (Decimal("0.00"), False)


# ---------------------------------------------------------------------------------------------------------------
# Short text


@pytest.mark.parametrize(
    "answer",
    [
        "Paris",
        "paris",
        "PARIS",
        "  Paris  ",
        "\tparis\n",
        "City of Paris",
        "city   of\tparis",
        "City\u00a0of\u2003Paris",  # no-break and em spaces
        "\uff30\uff41\uff52\uff49\uff53",  # full-width "Paris"
    ],
)
def test_short_text_normalises_spacing_case_and_width(answer):
    grade = grade_one(short_text(), answer)
    assert (grade.score, grade.correct) == (Decimal("2.00"), True)


@pytest.mark.parametrize(
    ("accepted", "answer"),
    [
        ("Café", "Cafe\u0301"),  # composed vs combining accent
        ("Cafe\u0301", "CAFÉ"),
        ("fish", "\ufb01sh"),  # "fi" ligature
        ("Straße", "STRASSE"),  # casefold, not lower()
        ("x²", "X2"),
    ],
)
def test_short_text_unicode_equivalents_match(accepted, answer):
    assert scored(short_text(accepted=[accepted]), answer) == Decimal("2.00")


@pytest.mark.parametrize(
    "answer", ["Pari", "Paris!", "Paris France", "Pa ris", "Lyon", 42, ["Paris"], b"Paris", True, {"Paris": 1}]
)
def test_short_text_wrong_or_malformed(answer):
    grade = grade_one(short_text(), answer)
    assert (grade.score, grade.correct, grade.answered) == (Decimal("0.00"), False, True)


@pytest.mark.parametrize("answer", [MISSING, None, "", "   ", "\u00a0"])
def test_short_text_blank_is_unanswered(answer):
    grade = grade_one(short_text(), answer)
    assert (grade.score, grade.answered) == (Decimal("0.00"), False)


def test_short_text_blank_accepted_entry_never_matches_a_blank_answer():
    question = short_text(accepted=["", "  ", "Paris"])
    assert scored(question, "") == Decimal("0.00")
    assert scored(question, "  ") == Decimal("0.00")
    assert scored(question, "paris") == Decimal("2.00")


@pytest.mark.parametrize(
    ("answer", "expected"),
    [("pH", "2.00"), ("  pH ", "2.00"), ("\uff50\uff28", "2.00"), ("PH", "0.00"), ("ph", "0.00")],
)
def test_short_text_case_sensitive(answer, expected):
    assert scored(short_text(accepted=["pH"], case_sensitive=True), answer) == Decimal(expected)


def test_short_text_normalises_the_accepted_answers_too():
    assert scored(short_text(accepted=["  New   York "]), "new york") == Decimal("2.00")


# ---------------------------------------------------------------------------------------------------------------
# Numeric: 3.14 ± 0.01 unless stated


@pytest.mark.parametrize(
    "answer",
    [
        "3.14",
        "3.13",  # lower bound is inclusive
        "3.15",  # upper bound is inclusive
        "3.1300",
        "3,15",
        "  3,141 ",
        "+3.14",
        "314e-2",
        "3.14E0",
        "\uff13.\uff11\uff14",  # full-width digits
        3.14,
        3.15,
        Decimal("3.135"),
        Decimal("3.15"),
    ],
)
def test_numeric_within_tolerance(answer):
    grade = grade_one(numeric(), answer)
    assert (grade.score, grade.correct, grade.answered) == (Decimal("2.00"), True, True)


@pytest.mark.parametrize(
    "answer",
    [
        "3.1500001",
        "3.1299999",
        "3.16",
        "-3.14",
        3,
        "abc",
        "3.14.0",
        "3,14,1",
        "1,234.5",  # thousands separators are ambiguous, so refused
        "3.14 m",
        "3 .14",
        "0x3",
        "3_14",
        "1e99999",
        "1e9999999999999999999",  # Decimal itself would raise on this exponent
        "9" * 500,
        "nan",
        "NaN",
        "inf",
        "-Infinity",
        float("nan"),
        float("inf"),
        Decimal("NaN"),
        Decimal("sNaN"),
        Decimal("Infinity"),
        True,
        ["3.14"],
        {"value": "3.14"},
        b"3.14",
    ],
)
def test_numeric_outside_tolerance_or_unparseable(answer):
    grade = grade_one(numeric(), answer)
    assert (grade.score, grade.correct, grade.answered) == (Decimal("0.00"), False, True)


def test_numeric_huge_integer_answer_is_simply_wrong():
    # Too long for str(), which a careless parser would call.
    assert scored(numeric(), 10**5000) == Decimal("0.00")
    assert scored(numeric(value="0", tolerance="0"), -(10**5000)) == Decimal("0.00")


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ("-2.5", "2.00"),
        ("  -2,5 ", "2.00"),
        ("\u22122.5", "2.00"),  # typographic minus sign
        (-2.5, "2.00"),
        (Decimal("-2.50"), "2.00"),
        ("-2.500000001", "0.00"),
        ("-2.4999999", "0.00"),
        ("2.5", "0.00"),
        (-2, "0.00"),
    ],
)
def test_numeric_zero_tolerance_needs_the_exact_value(answer, expected):
    assert scored(numeric(value="-2.5", tolerance="0"), answer) == Decimal(expected)


def test_numeric_integer_answers():
    question = numeric(value="10", tolerance="0")
    assert scored(question, 10) == Decimal("2.00")
    assert scored(question, "10") == Decimal("2.00")
    assert scored(question, "10.") == Decimal("2.00")
    assert scored(question, 11) == Decimal("0.00")


def test_numeric_boundary_is_exact_with_long_values():
    # 20 digits, the most the block allows: a float or a 28-digit context would blur these boundaries.
    question = numeric(value="12345678901234.123456", tolerance="0.000001")
    assert scored(question, "12345678901234.123457") == Decimal("2.00")
    assert scored(question, "12345678901234.1234570000000000000000001") == Decimal("0.00")
    assert scored(question, "12345678901234.123455") == Decimal("2.00")
    assert scored(question, "12345678901234.1234549999999999999999999") == Decimal("0.00")


@pytest.mark.parametrize("answer", [MISSING, None, "", "   "])
def test_numeric_blank_is_unanswered(answer):
    grade = grade_one(numeric(), answer)
    assert (grade.score, grade.answered) == (Decimal("0.00"), False)


# ---------------------------------------------------------------------------------------------------------------
# Essays and manual scores


def test_essay_without_a_manual_score_is_pending():
    grade = grade_attempt(snapshot(essay(), true_false()), {"q-essay": "My essay", "q-tf": False})
    assert grade.questions[0] == QuestionGrade(
        question_id="q-essay", score=None, max_score=Decimal("5.00"), correct=None, answered=True
    )
    assert grade.pending_manual is True
    # The pending essay counts 0 in the score but its points stay in the maximum.
    assert (grade.score, grade.max_score, grade.percent) == (Decimal("1.00"), Decimal("6.00"), Decimal("16.67"))


def test_unanswered_essay_is_pending_too():
    grade = grade_one(essay(), MISSING)
    assert (grade.score, grade.answered) == (None, False)


@pytest.mark.parametrize(
    ("manual", "expected", "correct"),
    [
        (Decimal("3"), "3.00", None),
        (Decimal("5"), "5.00", True),
        (Decimal("0"), "0.00", False),
        (Decimal("7.5"), "5.00", True),  # clamped to the points
        (Decimal("-1"), "0.00", False),  # clamped to 0
        (Decimal("2.345"), "2.35", None),  # half up
        (Decimal("2.344"), "2.34", None),
        (3, "3.00", None),
        ("2.5", "2.50", None),
        (2.5, "2.50", None),
    ],
)
def test_essay_manual_scores(manual, expected, correct):
    grade = grade_one(essay(), "text", manual)
    assert (grade.score, grade.correct) == (Decimal(expected), correct)


def test_graded_essay_is_no_longer_pending():
    grade = grade_attempt(snapshot(essay(), true_false()), {"q-essay": "text"}, {"q-essay": Decimal("4")})
    assert grade.pending_manual is False
    assert grade.score == Decimal("4.00")


def test_manual_score_overrides_an_automatic_score():
    assert scored(single(), "lyon", Decimal("1.5")) == Decimal("1.50")
    assert scored(single(), "paris", Decimal("0.5")) == Decimal("0.50")
    assert scored(single(), "paris", Decimal("99")) == Decimal("2.00")
    assert scored(numeric(), "garbage", Decimal("0")) == Decimal("0.00")


def test_manual_score_of_none_means_no_manual_score():
    grade = grade_attempt(snapshot(essay(), single()), {"q-single": "paris"}, {"q-essay": None, "q-single": None})
    assert grade.questions[0].score is None
    assert grade.questions[1].score == Decimal("2.00")


def test_manual_scores_for_unknown_questions_are_ignored():
    grade = grade_attempt(snapshot(single()), {"q-single": "paris"}, {"elsewhere": Decimal("100")})
    assert grade.score == Decimal("2.00")


@pytest.mark.parametrize("manual", ["abc", "", Decimal("NaN"), Decimal("Infinity"), float("nan"), True, [1], object()])
def test_invalid_manual_scores_are_a_programming_error(manual):
    with pytest.raises(ValueError, match="manual score"):
        grade_one(essay(), "text", manual)


def test_manual_scores_must_be_a_mapping():
    with pytest.raises(ValueError, match="manual_scores"):
        grade_attempt(snapshot(essay()), {}, [Decimal("1")])


# ---------------------------------------------------------------------------------------------------------------
# The attempt as a whole


def mixed_snapshot():
    return snapshot(
        single(),
        multiple(),
        true_false(),
        short_text(),
        numeric(),
        essay(),
    )


def test_attempt_totals_and_order():
    answers = {  # deliberately not in snapshot order
        "q-num": "3,14",
        "q-essay": "An essay",
        "q-text": "paris",
        "q-multi": ["a"],
        "q-single": "lyon",
    }
    grade = grade_attempt(mixed_snapshot(), answers, {"q-essay": Decimal("2.5")})
    assert isinstance(grade, AttemptGrade)
    assert [q.question_id for q in grade.questions] == ["q-single", "q-multi", "q-tf", "q-text", "q-num", "q-essay"]
    assert [q.score for q in grade.questions] == [
        Decimal("0.00"),
        Decimal("1.00"),
        Decimal("0.00"),
        Decimal("2.00"),
        Decimal("2.00"),
        Decimal("2.50"),
    ]
    assert [q.correct for q in grade.questions] == [False, None, False, True, True, None]
    assert [q.answered for q in grade.questions] == [True, True, False, True, True, True]
    assert grade.score == Decimal("7.50")
    assert grade.max_score == Decimal("15.00") == max_score(mixed_snapshot())
    assert grade.percent == Decimal("50.00")
    assert grade.pending_manual is False


@pytest.mark.parametrize(("answer", "percent"), [("paris", "33.33"), ("lyon", "0.00")])
def test_percent_is_rounded_to_two_places(answer, percent):
    grade = grade_attempt(snapshot(single(points="1"), essay(points="2")), {"q-single": answer})
    assert grade.percent == Decimal(percent)


@pytest.mark.parametrize(("points", "percent"), [("1", "0.13"), ("5", "0.63"), ("3", "0.38")])
def test_percent_rounds_half_up(points, percent):
    # Out of 800 points, 1 is 0.125 %: half up gives 0.13 where banker's rounding would give 0.12.
    rest = str(800 - int(points))
    grade = grade_attempt(snapshot(single(points=points), essay(points=rest)), {"q-single": "paris"})
    assert grade.max_score == Decimal("800.00")
    assert grade.percent == Decimal(percent)


def test_empty_snapshot():
    grade = grade_attempt(snapshot(), {"anything": "x"})
    assert grade == AttemptGrade(
        questions=(), score=Decimal("0"), max_score=Decimal("0"), pending_manual=False, percent=Decimal("0")
    )
    assert max_score(snapshot()) == 0
    assert full_marks_answers(snapshot()) == {}


@pytest.mark.parametrize("answers", [None, [], "paris", 42, [("q-single", "paris")]])
def test_answers_that_are_not_a_mapping_grade_as_unanswered(answers):
    grade = grade_attempt(mixed_snapshot(), answers)
    assert grade.score == Decimal("0.00")
    assert not any(q.answered for q in grade.questions)


def test_unknown_question_ids_in_answers_are_ignored():
    grade = grade_attempt(snapshot(single()), {"q-single": "paris", "other": "paris", 7: None, "": []})
    assert grade.score == Decimal("2.00")
    assert len(grade.questions) == 1


def test_scores_are_quantised_to_cents():
    grade = grade_attempt(snapshot(single(points="2")), {"q-single": "paris"})
    assert grade.questions[0].score.as_tuple().exponent == -2
    assert grade.questions[0].max_score.as_tuple().exponent == -2
    assert grade.score.as_tuple().exponent == -2
    assert grade.percent.as_tuple().exponent == -2


def test_points_are_read_as_decimals():
    grade = grade_attempt(
        snapshot(single(points="0.1"), true_false(points="0.2", answer=True)), {"q-single": "paris", "q-tf": True}
    )
    # Floats would make this 0.30000000000000004.
    assert grade.score == Decimal("0.30") == grade.max_score


def test_grading_does_not_mutate_its_inputs():
    snap = mixed_snapshot()
    answers = {"q-multi": ["c", "a", "a"], "q-text": " Paris "}
    manual = {"q-essay": Decimal("9")}
    before = copy.deepcopy((snap, answers, manual))
    grade_attempt(snap, answers, manual)
    full_marks_answers(snap)
    public_question(snap["questions"][1])
    assert (snap, answers, manual) == before


def test_grades_are_frozen():
    grade = grade_attempt(snapshot(single()), {})
    with pytest.raises(AttributeError):
        grade.score = Decimal("100")  # type: ignore[misc]
    with pytest.raises(AttributeError):
        grade.questions[0].score = Decimal("100")  # type: ignore[misc]


# ---------------------------------------------------------------------------------------------------------------
# Broken snapshots are bugs in our code, so they fail loudly rather than grade wrongly.


def _options_without_correct():
    question = single()
    return {**question, "options": [{**option, "correct": False} for option in question["options"]]}


@pytest.mark.parametrize(
    "snap",
    [
        None,
        [],
        {"questions": []},
        {"version": 2, "questions": []},
        {"version": 1},
        {"version": 1, "questions": "nope"},
        snapshot("not a question"),
        snapshot({**single(), "id": ""}),
        snapshot({**single(), "id": 5}),
        snapshot(single(qid="same"), true_false(qid="same")),
        snapshot({**single(), "type": "matching"}),
        snapshot(single(points="0")),
        snapshot(single(points="-1")),
        snapshot(single(points="0.004")),
        snapshot(single(points="abc")),
        snapshot(single(points="NaN")),
        snapshot(single(points=2.5)),
        snapshot({**single(), "points": None}),
        snapshot(_options_without_correct()),
        snapshot(multiple(right=(), wrong=("d", "e"))),
        snapshot({**single(), "options": []}),
        snapshot({**single(), "options": [{"id": "x", "correct": True}, {"id": "x", "correct": False}]}),
        snapshot({**single(), "options": [{"id": "x", "correct": "true"}]}),
        snapshot({**single(), "options": [{"text": "no id", "correct": True}]}),
        snapshot(multiple(partial_credit="false")),
        snapshot(true_false(answer="false")),
        snapshot({**true_false(), "answer": None}),
        snapshot(short_text(accepted=[])),
        snapshot(short_text(accepted=["", "   "])),
        snapshot({**short_text(), "accepted": "Paris"}),
        snapshot(short_text(case_sensitive="no")),
        snapshot(numeric(tolerance="-0.1")),
        snapshot(numeric(value="pi")),
        snapshot(numeric(value="Infinity")),
        snapshot({**numeric(), "tolerance": None}),
        snapshot(numeric(value="1e999999", tolerance="1")),
        snapshot(numeric(value="1" * 250, tolerance="0.1")),
    ],
)
def test_invalid_snapshots_raise(snap):
    with pytest.raises(InvalidSnapshot):
        grade_attempt(snap, {})


def test_invalid_snapshot_is_a_value_error():
    assert issubclass(InvalidSnapshot, ValueError)


# ---------------------------------------------------------------------------------------------------------------
# Full-marks answers


def test_full_marks_answers_shape():
    assert full_marks_answers(mixed_snapshot()) == {
        "q-single": "paris",
        "q-multi": ["a", "b", "c"],
        "q-tf": False,
        "q-text": "Paris",
        "q-num": "3.14",
    }


def test_full_marks_answers_skip_blank_accepted_entries():
    assert full_marks_answers(snapshot(short_text(accepted=[" ", "Lyon"]))) == {"q-text": "Lyon"}


def test_full_marks_answers_earn_full_marks():
    grade = grade_attempt(mixed_snapshot(), full_marks_answers(mixed_snapshot()), {"q-essay": Decimal("5")})
    assert grade.score == grade.max_score == Decimal("15.00")
    assert grade.percent == Decimal("100.00")
    assert all(q.correct for q in grade.questions)


def test_full_marks_answers_survive_a_json_round_trip():
    # They are what a form would post, and what the results page would show.
    snap = mixed_snapshot()
    answers = json.loads(json.dumps(full_marks_answers(snap)))
    grade = grade_attempt(snap, answers)
    assert grade.score == Decimal("10.00")
    assert grade.pending_manual is True


# ---------------------------------------------------------------------------------------------------------------
# The learner-facing view never carries answer keys.

SECRETS = ("SECRET", "987654", "000777", "grading_guidance", "correct", "accepted", "tolerance", "explanation")


def secret_question(qtype):
    """A question of each type whose key material is easy to spot in JSON."""
    base = {
        "id": f"id-{qtype}",
        "type": qtype,
        "prompt": "<p>Prompt</p>",
        "points": "2.5",
        "explanation": "<p>SECRET explanation</p>",
        "future_key": "SECRET added to the snapshot later",
    }
    if qtype in ("single_choice", "multiple_choice"):
        base["options"] = [
            {"id": "opt-1", "text": "One", "correct": True, "feedback": "SECRET per-option feedback"},
            {"id": "opt-2", "text": "Two", "correct": False},
            {"id": "opt-3", "text": "Three", "correct": qtype == "multiple_choice"},
        ]
    if qtype == "multiple_choice":
        base |= {"partial_credit": True, "penalise_wrong": True}
    if qtype == "true_false":
        base["answer"] = True
    if qtype == "short_text":
        base |= {"accepted": ["SECRET answer", "SECRET other"], "case_sensitive": True}
    if qtype == "numeric":
        base |= {"value": "987654.321", "tolerance": "0.000777"}
    if qtype == "essay":
        base["grading_guidance"] = "SECRET guidance for trainers"
    return base


@pytest.mark.parametrize("qtype", [t.value for t in QuestionType])
def test_public_question_json_holds_no_key_material(qtype):
    question = secret_question(qtype)
    grade_attempt(snapshot(question), {})  # the test question is a valid one
    text = json.dumps(public_question(question))
    for secret in SECRETS:
        assert secret not in text
    for key in ("answer", "partial_credit", "penalise_wrong", "case_sensitive", "value", "future_key", "feedback"):
        assert f'"{key}"' not in text
    # A boolean could only come from a key: a flag, a correct mark or a true/false answer.
    assert not any(isinstance(value, bool) for value in json_values(json.loads(text)))


def json_values(node):
    if isinstance(node, dict):
        for value in node.values():
            yield from json_values(value)
    elif isinstance(node, list):
        for value in node:
            yield from json_values(value)
    else:
        yield node


@pytest.mark.parametrize("qtype", ["true_false", "short_text", "numeric", "essay"])
def test_public_question_without_options(qtype):
    assert public_question(secret_question(qtype)) == {
        "id": f"id-{qtype}",
        "type": qtype,
        "prompt": "<p>Prompt</p>",
        "points": "2.5",
    }


@pytest.mark.parametrize("qtype", ["single_choice", "multiple_choice"])
def test_public_question_with_options(qtype):
    assert public_question(secret_question(qtype)) == {
        "id": f"id-{qtype}",
        "type": qtype,
        "prompt": "<p>Prompt</p>",
        "points": "2.5",
        "options": [{"id": "opt-1", "text": "One"}, {"id": "opt-2", "text": "Two"}, {"id": "opt-3", "text": "Three"}],
    }


def test_public_question_shares_nothing_mutable_with_the_snapshot():
    question = secret_question("single_choice")
    view = public_question(question)
    view["options"][0]["correct"] = "leaked?"
    view["options"].append({"id": "x"})
    assert question["options"][0]["correct"] is True
    assert len(question["options"]) == 3


def test_public_question_of_every_question_in_a_real_shaped_snapshot():
    views = [public_question(question) for question in mixed_snapshot()["questions"]]
    text = json.dumps(views)
    for secret in (
        '"correct"',
        '"answer"',
        '"accepted"',
        "City of Paris",
        '"value"',
        "3.14",
        '"tolerance"',
        "Two causes",
    ):
        assert secret not in text


@pytest.mark.parametrize(
    "question", [None, {}, {"id": "x", "type": "matching", "points": "1"}, {**single(), "options": None}]
)
def test_public_question_refuses_invalid_questions(question):
    with pytest.raises(InvalidSnapshot):
        public_question(question)


# ---------------------------------------------------------------------------------------------------------------
# Properties over random valid snapshots and random (often garbage) answers

PROPERTY_SETTINGS = settings(max_examples=200, deadline=None)

uuids = st.uuids().map(str)
points_strings = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("1000"), places=2).map(str)
# Led by a letter or digit so it is never blank after normalisation, then any text at all.
non_blank_text = st.builds(str.__add__, st.characters(categories=("L", "N")), st.text(max_size=14)).filter(
    lambda text: unicodedata.normalize("NFKC", text).split()
)


@st.composite
def questions(draw, qid):
    qtype = draw(st.sampled_from(list(QuestionType)))
    question = {"id": qid, "type": qtype.value, "prompt": "<p>?</p>", "points": draw(points_strings), "explanation": ""}
    if qtype in (QuestionType.SINGLE_CHOICE, QuestionType.MULTIPLE_CHOICE):
        count = draw(st.integers(min_value=2, max_value=8))
        option_ids = draw(st.lists(uuids, min_size=count, max_size=count, unique=True))
        if qtype == QuestionType.SINGLE_CHOICE:
            right = draw(st.integers(min_value=0, max_value=count - 1))
            flags = [index == right for index in range(count)]
        else:
            flags = draw(st.lists(st.booleans(), min_size=count, max_size=count))
            flags[draw(st.integers(min_value=0, max_value=count - 1))] = True
        question["options"] = [
            {"id": option_id, "text": f"Option {index}", "correct": flag}
            for index, (option_id, flag) in enumerate(zip(option_ids, flags, strict=True))
        ]
        if qtype == QuestionType.MULTIPLE_CHOICE:
            question["partial_credit"] = draw(st.booleans())
            question["penalise_wrong"] = draw(st.booleans())
    elif qtype == QuestionType.TRUE_FALSE:
        question["answer"] = draw(st.booleans())
    elif qtype == QuestionType.SHORT_TEXT:
        question["accepted"] = draw(st.lists(non_blank_text, min_size=1, max_size=3))
        question["case_sensitive"] = draw(st.booleans())
    elif qtype == QuestionType.NUMERIC:
        question["value"] = str(draw(st.decimals(min_value=-(10**6), max_value=10**6, places=6)))
        question["tolerance"] = str(draw(st.decimals(min_value=0, max_value=100, places=6)))
    return question


@st.composite
def snapshots(draw):
    question_ids = draw(st.lists(uuids, max_size=8, unique=True))
    return {"version": 1, "questions": [draw(questions(qid)) for qid in question_ids]}


garbage = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.decimals(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.binary(max_size=5),
    st.lists(st.one_of(st.text(max_size=5), st.integers(), st.none()), max_size=4),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
)


def plausible_answer(question):
    """Answers of the right shape, right or wrong: what an honest browser sends."""
    qtype = question["type"]
    if qtype in ("single_choice", "multiple_choice"):
        option_ids = st.sampled_from([option["id"] for option in question["options"]])
        if qtype == "single_choice":
            return option_ids
        return st.lists(option_ids, max_size=len(question["options"]) + 2)
    if qtype == "true_false":
        return st.one_of(st.booleans(), st.sampled_from(["true", "false", " TRUE ", "False"]))
    if qtype == "short_text":
        accepted = st.sampled_from(question["accepted"])
        return st.one_of(
            accepted, accepted.map(str.upper), accepted.map(lambda text: f"  {text} "), st.text(max_size=15)
        )
    if qtype == "numeric":
        value, tolerance = Decimal(question["value"]), Decimal(question["tolerance"])
        offsets = st.decimals(min_value=-2 * tolerance - 1, max_value=2 * tolerance + 1, places=7)
        near = offsets.map(lambda offset: str(value + offset))
        return st.one_of(near, near.map(lambda text: text.replace(".", ",")), st.just(question["value"]))
    return st.text(max_size=30)


@st.composite
def answers_for(draw, snap):
    answers = {}
    for question in snap["questions"]:
        # Mostly well-shaped answers, where the scoring rules are exercised; garbage and gaps the rest of the time.
        kind = draw(st.sampled_from(["plausible", "plausible", "plausible", "garbage", "missing"]))
        if kind != "missing":
            answers[question["id"]] = draw(plausible_answer(question) if kind == "plausible" else garbage)
    answers |= draw(st.dictionaries(uuids, garbage, max_size=2))
    return answers


@st.composite
def manual_scores_for(draw, snap):
    manual = {}
    for question in snap["questions"]:
        if draw(st.integers(min_value=0, max_value=3)) == 0:
            manual[question["id"]] = draw(
                st.one_of(st.none(), st.decimals(min_value=-10, max_value=2000, places=3), st.integers(-5, 2000))
            )
    return manual


@PROPERTY_SETTINGS
@given(snap=snapshots(), data=st.data())
def test_property_scores_stay_within_bounds(snap, data):
    answers = data.draw(answers_for(snap))
    manual = data.draw(manual_scores_for(snap))
    grade = grade_attempt(snap, answers, manual)

    assert [q.question_id for q in grade.questions] == [question["id"] for question in snap["questions"]]
    for question, graded in zip(snap["questions"], grade.questions, strict=True):
        assert graded.max_score == Decimal(question["points"])
        if graded.score is None:
            assert question["type"] == "essay" and manual.get(question["id"]) is None
            assert graded.correct is None
        else:
            assert 0 <= graded.score <= graded.max_score
            assert graded.score.as_tuple().exponent == -2
            assert graded.correct is (
                True if graded.score == graded.max_score else False if graded.score == 0 else None
            )
    assert 0 <= grade.score <= grade.max_score
    assert grade.max_score == max_score(snap)
    assert grade.score == sum((q.score for q in grade.questions if q.score is not None), Decimal(0))
    assert 0 <= grade.percent <= 100
    assert grade.pending_manual is any(q.score is None for q in grade.questions)


@PROPERTY_SETTINGS
@given(snap=snapshots(), data=st.data())
def test_property_order_of_answers_and_choices_does_not_matter(snap, data):
    answers = data.draw(answers_for(snap))
    shuffler = data.draw(st.randoms(use_true_random=False))
    items = list(answers.items())
    shuffler.shuffle(items)
    reordered = {}
    for qid, answer in items:
        if isinstance(answer, list):
            answer = answer[:]
            shuffler.shuffle(answer)
        reordered[qid] = answer
    assert grade_attempt(snap, reordered) == grade_attempt(snap, answers)


@PROPERTY_SETTINGS
@given(snap=snapshots())
def test_property_full_marks_answers_score_the_maximum(snap):
    answers = full_marks_answers(snap)
    essays = {q["id"]: Decimal(q["points"]) for q in snap["questions"] if q["type"] == "essay"}
    grade = grade_attempt(snap, answers, essays)
    assert grade.score == grade.max_score == max_score(snap)
    assert grade.pending_manual is False
    assert all(q.correct is True and q.answered is (q.question_id not in essays) for q in grade.questions)
    if snap["questions"]:
        assert grade.percent == 100

    # Without the trainer's scores, every automatic question still earns full marks.
    grade = grade_attempt(snap, json.loads(json.dumps(answers)))
    assert all(q.correct is True for q in grade.questions if q.question_id not in essays)
    assert grade.pending_manual is bool(essays)


@PROPERTY_SETTINGS
@given(snap=snapshots(), data=st.data())
def test_property_grading_is_deterministic_and_pure(snap, data):
    answers = data.draw(answers_for(snap))
    manual = data.draw(manual_scores_for(snap))
    # repr, because NaN answers are not equal to themselves.
    before = repr((snap, answers, manual))
    first = grade_attempt(snap, answers, manual)
    second = grade_attempt(copy.deepcopy(snap), copy.deepcopy(answers), copy.deepcopy(manual))
    assert first == second
    assert repr((snap, answers, manual)) == before


@PROPERTY_SETTINGS
@given(snap=snapshots())
def test_property_public_view_has_only_learner_facing_keys(snap):
    for question in snap["questions"]:
        view = public_question(question)
        json.dumps(view)
        expected_keys = {"id", "type", "prompt", "points"}
        if question["type"] in ("single_choice", "multiple_choice"):
            expected_keys.add("options")
            assert [option.keys() == {"id", "text"} for option in view["options"]] == [True] * len(question["options"])
            assert [option["id"] for option in view["options"]] == [option["id"] for option in question["options"]]
        assert view.keys() == expected_keys
