"""Grading of one attempt: a pure function of the questions snapshot, the learner's answers and manual scores.

Nothing here touches Django, the database or the clock. The attempt page, a trainer's regrade and any
background task all call `grade_attempt` with what the Attempt row stored, so they cannot disagree, and the
rules can be tested exhaustively without fixtures.

Two kinds of bad input are treated differently on purpose:
- answers come from learners' browsers and may be anything: a malformed answer scores 0 and never raises;
- the snapshot and manual scores come from our own code and trainers' validated forms: if they break the
  schema that is a bug to surface, so `InvalidSnapshot` / `ValueError` is raised instead of grading wrongly.
"""

import math
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, Inexact, InvalidOperation, localcontext
from enum import StrEnum
from fractions import Fraction
from typing import Any

SNAPSHOT_VERSION = 1

CENT = Decimal("0.01")


class QuestionType(StrEnum):
    SINGLE_CHOICE = "single_choice"
    MULTIPLE_CHOICE = "multiple_choice"
    TRUE_FALSE = "true_false"
    SHORT_TEXT = "short_text"
    NUMERIC = "numeric"
    ESSAY = "essay"


CHOICE_TYPES = frozenset({QuestionType.SINGLE_CHOICE, QuestionType.MULTIPLE_CHOICE})


class InvalidSnapshot(ValueError):
    """The snapshot breaks its schema: a bug in whatever built it, never something a learner can cause."""


@dataclass(frozen=True, slots=True)
class QuestionGrade:
    question_id: str
    # None only for an essay no trainer has scored yet.
    score: Decimal | None
    max_score: Decimal
    # True for full marks, False for zero, None for a partial score or one still to be given by hand.
    correct: bool | None
    answered: bool


@dataclass(frozen=True, slots=True)
class AttemptGrade:
    # In snapshot order, which is the order the editor wrote, whatever order the learner saw.
    questions: tuple[QuestionGrade, ...]
    # Pending essays count 0 here until a trainer scores them.
    score: Decimal
    max_score: Decimal
    pending_manual: bool
    percent: Decimal


def grade_attempt(
    snapshot: Mapping[str, Any],
    answers: Mapping[str, Any],
    manual_scores: Mapping[str, Any] | None = None,
) -> AttemptGrade:
    """Grade the answers against the snapshot the attempt was taken with.

    A manual score, when present for a question, replaces its automatic score (clamped to [0, points]);
    it is how trainers grade essays and override any other question.
    """
    questions = _questions(snapshot)
    # A tampered request could send anything instead of a mapping; that is simply "nothing answered".
    if not isinstance(answers, Mapping):
        answers = {}
    if manual_scores is None:
        manual_scores = {}
    elif not isinstance(manual_scores, Mapping):
        raise ValueError("manual_scores must map question ids to scores")

    grades = tuple(
        _grade_question(question, answers.get(question["id"]), manual_scores.get(question["id"]))
        for question in questions
    )
    score = sum((grade.score for grade in grades if grade.score is not None), Decimal("0.00"))
    total = sum((grade.max_score for grade in grades), Decimal("0.00"))
    return AttemptGrade(
        questions=grades,
        score=score,
        max_score=total,
        pending_manual=any(grade.score is None for grade in grades),
        percent=_round_cents(Fraction(score) / Fraction(total) * 100) if total else Decimal("0.00"),
    )


def max_score(snapshot: Mapping[str, Any]) -> Decimal:
    return sum((_points(question) for question in _questions(snapshot)), Decimal("0.00"))


def full_marks_answers(snapshot: Mapping[str, Any]) -> dict[str, Any]:
    """Answers that earn full marks on every question but essays, in the shape a learner's form sends them."""
    answers: dict[str, Any] = {}
    for question in _questions(snapshot):
        qtype = question["type"]
        if qtype in CHOICE_TYPES:
            right = [option_id for option_id, correct in _options(question) if correct]
            answers[question["id"]] = right[0] if qtype == QuestionType.SINGLE_CHOICE else right
        elif qtype == QuestionType.TRUE_FALSE:
            answers[question["id"]] = _true_false_key(question)
        elif qtype == QuestionType.SHORT_TEXT:
            _accepted(question)
            # The first accepted answer as the editor wrote it: the one to show learners as "the" answer.
            answers[question["id"]] = next(text for text in question["accepted"] if _normalise_text(text, True))
        elif qtype == QuestionType.NUMERIC:
            answers[question["id"]] = str(_numeric_key(question)[0])
    return answers


def public_question(question: Mapping[str, Any]) -> dict[str, Any]:
    """The learner-facing view of a question: everything a learner needs to answer it and nothing that grades it.

    Built from an allow-list rather than by deleting key material, so a key added to the snapshot later
    stays private until someone decides to show it.
    """
    _check_question(question)
    view: dict[str, Any] = {
        "id": question["id"],
        "type": str(question["type"]),
        "prompt": str(question.get("prompt", "")),
        "points": str(question["points"]),
    }
    if question["type"] in CHOICE_TYPES:
        _options(question)
        view["options"] = [{"id": option["id"], "text": str(option.get("text", ""))} for option in question["options"]]
    return view


# Grading one question ----------------------------------------------------------------------------------------


def _grade_question(question: Mapping[str, Any], answer: Any, manual: Any) -> QuestionGrade:
    points = _points(question)
    # Computed even when a manual score overrides it, so a broken snapshot fails the same way either way.
    share = _SHARE_BY_TYPE[question["type"]](question, answer)
    if manual is not None:
        score: Decimal | None = _clamped_manual_score(manual, points)
    elif share is None:
        score = None
    else:
        score = _round_cents(Fraction(points) * share)

    if score is None:
        correct = None
    elif score == points:
        correct = True
    elif score == 0:
        correct = False
    else:
        correct = None
    return QuestionGrade(
        question_id=question["id"], score=score, max_score=points, correct=correct, answered=_is_answered(answer)
    )


def _is_answered(answer: Any) -> bool:
    # Whether the learner gave anything at all, right or wrong: False is an answer, "" and [] are not.
    if answer is None:
        return False
    if isinstance(answer, str):
        return bool(answer.strip())
    if isinstance(answer, list | tuple | set | frozenset | dict):
        return bool(answer)
    return True


def _single_choice_share(question: Mapping[str, Any], answer: Any) -> Fraction:
    right = {option_id for option_id, correct in _options(question) if correct}
    if not right:
        raise InvalidSnapshot(f"single choice question {question['id']} has no correct option")
    return Fraction(1) if isinstance(answer, str) and answer in right else Fraction(0)


def _multiple_choice_share(question: Mapping[str, Any], answer: Any) -> Fraction:
    options = _options(question)
    right = frozenset(option_id for option_id, correct in options if correct)
    wrong = frozenset(option_id for option_id, correct in options if not correct)
    if not right:
        raise InvalidSnapshot(f"multiple choice question {question['id']} has no correct option")
    partial_credit = _flag(question, "partial_credit")
    penalise_wrong = _flag(question, "penalise_wrong")

    picked = _picked_options(answer, right | wrong)
    if not picked:
        return Fraction(0)
    if not partial_credit:
        return Fraction(1) if picked == right else Fraction(0)
    share = Fraction(len(picked & right), len(right))
    if penalise_wrong and wrong:
        share -= Fraction(len(picked & wrong), len(wrong))
    return max(share, Fraction(0))


def _picked_options(answer: Any, known: frozenset[str]) -> frozenset[str] | None:
    # A set, so order and repeats never change a grade. Anything that could not come from the form (a bare
    # string, a non-string id, an option the question does not have) voids the whole answer rather than
    # being skipped: skipping would let a tampered request probe options without the penalty for them.
    if not isinstance(answer, list | tuple | set | frozenset):
        return None
    if not all(isinstance(option_id, str) for option_id in answer):
        return None
    picked = frozenset(answer)
    return picked if picked <= known else None


def _true_false_share(question: Mapping[str, Any], answer: Any) -> Fraction:
    key = _true_false_key(question)
    given = _parse_bool(answer)
    return Fraction(1) if given is not None and given == key else Fraction(0)


def _parse_bool(answer: Any) -> bool | None:
    if isinstance(answer, bool):
        return answer
    # HTML forms send radio values as text.
    if isinstance(answer, str):
        return {"true": True, "false": False}.get(answer.strip().lower())
    return None


def _short_text_share(question: Mapping[str, Any], answer: Any) -> Fraction:
    accepted, case_sensitive = _accepted(question)
    if not isinstance(answer, str):
        return Fraction(0)
    given = _normalise_text(answer, case_sensitive)
    return Fraction(1) if given in accepted else Fraction(0)


def _normalise_text(text: str, case_sensitive: bool) -> str:
    # NFKC folds look-alikes a keyboard or a paste may produce (full-width letters, ligatures, no-break
    # spaces); it runs again after casefolding because casefolding can leave text that is not NFKC.
    text = unicodedata.normalize("NFKC", text)
    if not case_sensitive:
        text = unicodedata.normalize("NFKC", text.casefold())
    return " ".join(text.split())


def _numeric_share(question: Mapping[str, Any], answer: Any) -> Fraction:
    low, high = _numeric_bounds(question)
    given = _parse_number(answer)
    return Fraction(1) if given is not None and low <= given <= high else Fraction(0)


# No learner types more; the cap keeps a hostile megabyte-long "number" from costing anything.
_MAX_NUMBER_LENGTH = 100
# ASCII digits only (NFKC has already turned other digits into these). The exponent is capped because
# Decimal raises, rather than returning a number, for exponents beyond its range.
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]{1,4})?", re.ASCII)


def _parse_number(answer: Any) -> Decimal | None:
    if isinstance(answer, bool):
        return None
    if isinstance(answer, int):
        return Decimal(answer)
    if isinstance(answer, float):
        # Through repr so 0.1 means 0.1, not the binary fraction closest to it.
        number = Decimal(repr(answer))
        return number if number.is_finite() else None
    if isinstance(answer, Decimal):
        return answer if answer.is_finite() else None
    if not isinstance(answer, str) or len(answer) > _MAX_NUMBER_LENGTH:
        return None
    # U+2212 is the minus sign word processors and some keyboards produce.
    text = unicodedata.normalize("NFKC", answer).strip().replace("\u2212", "-")
    # Many locales write a decimal comma. With a dot present as well the comma is a thousands separator
    # whose meaning we cannot be sure of, so such text stays unparseable.
    if text.count(",") == 1 and "." not in text:
        text = text.replace(",", ".")
    if not _NUMBER.fullmatch(text):
        return None
    return Decimal(text)


def _essay_share(question: Mapping[str, Any], answer: Any) -> None:
    return None


_SHARE_BY_TYPE = {
    QuestionType.SINGLE_CHOICE: _single_choice_share,
    QuestionType.MULTIPLE_CHOICE: _multiple_choice_share,
    QuestionType.TRUE_FALSE: _true_false_share,
    QuestionType.SHORT_TEXT: _short_text_share,
    QuestionType.NUMERIC: _numeric_share,
    QuestionType.ESSAY: _essay_share,
}


def _clamped_manual_score(manual: Any, points: Decimal) -> Decimal:
    if isinstance(manual, bool) or not isinstance(manual, Decimal | int | float | str):
        raise ValueError(f"a manual score must be a number, not {manual!r}")
    try:
        # Floats through repr, as for answers: 0.1 means 0.1.
        score = Decimal(repr(manual) if isinstance(manual, float) else manual)
    except InvalidOperation:
        raise ValueError(f"a manual score must be a number, not {manual!r}") from None
    if not score.is_finite():
        raise ValueError(f"a manual score must be a finite number, not {manual!r}")
    return min(max(score, Decimal(0)), points).quantize(CENT, rounding=ROUND_HALF_UP)


def _round_cents(value: Fraction) -> Decimal:
    # Rounded from the exact fraction, so a share such as 1/3 is rounded once, not after a Decimal division.
    cents = math.floor(value * 100 + Fraction(1, 2))
    return Decimal(cents).scaleb(-2)


# Reading the snapshot ----------------------------------------------------------------------------------------


def _questions(snapshot: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    if not isinstance(snapshot, Mapping):
        raise InvalidSnapshot("a snapshot is a mapping")
    if snapshot.get("version") != SNAPSHOT_VERSION:
        raise InvalidSnapshot(f"unsupported snapshot version {snapshot.get('version')!r}")
    questions = snapshot.get("questions")
    if not isinstance(questions, list | tuple):
        raise InvalidSnapshot("a snapshot's questions are a list")
    seen: set[str] = set()
    for question in questions:
        _check_question(question)
        # Answers and manual scores are keyed by question id, so two questions sharing one would share a grade.
        if question["id"] in seen:
            raise InvalidSnapshot(f"question id {question['id']} appears twice")
        seen.add(question["id"])
    return list(questions)


def _check_question(question: Any) -> None:
    if not isinstance(question, Mapping):
        raise InvalidSnapshot("a question is a mapping")
    if not isinstance(question.get("id"), str) or not question["id"]:
        raise InvalidSnapshot(f"a question needs a non-empty string id, not {question.get('id')!r}")
    if question.get("type") not in _SHARE_BY_TYPE:
        raise InvalidSnapshot(f"question {question['id']} has an unknown type {question.get('type')!r}")
    _points(question)


def _points(question: Mapping[str, Any]) -> Decimal:
    points = _snapshot_decimal(question, "points")
    if points <= 0:
        raise InvalidSnapshot(f"question {question['id']} must be worth more than 0 points")
    try:
        rounded = points.quantize(CENT, rounding=ROUND_HALF_UP)
    except InvalidOperation:
        raise InvalidSnapshot(f"question {question['id']} is worth too many points") from None
    # Scores are whole cents; a question worth less than one could never be answered right.
    if rounded <= 0:
        raise InvalidSnapshot(f"question {question['id']} must be worth at least 0.01 points")
    return rounded


def _snapshot_decimal(question: Mapping[str, Any], key: str) -> Decimal:
    raw = question.get(key)
    if isinstance(raw, bool) or not isinstance(raw, str | int | Decimal):
        raise InvalidSnapshot(f"question {question.get('id')}: {key} must be a decimal string, not {raw!r}")
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise InvalidSnapshot(f"question {question.get('id')}: {key} {raw!r} is not a number") from None
    if not value.is_finite():
        raise InvalidSnapshot(f"question {question.get('id')}: {key} must be finite, not {raw!r}")
    return value


def _flag(question: Mapping[str, Any], key: str) -> bool:
    # Strictly a bool: a string such as "false" would otherwise read as true.
    value = question.get(key, False)
    if not isinstance(value, bool):
        raise InvalidSnapshot(f"question {question['id']}: {key} must be true or false, not {value!r}")
    return value


def _options(question: Mapping[str, Any]) -> list[tuple[str, bool]]:
    options = question.get("options")
    if not isinstance(options, list | tuple) or not options:
        raise InvalidSnapshot(f"question {question['id']} needs a list of options")
    result: list[tuple[str, bool]] = []
    for option in options:
        if not isinstance(option, Mapping) or not isinstance(option.get("id"), str) or not option["id"]:
            raise InvalidSnapshot(f"question {question['id']}: every option needs a non-empty string id")
        correct = option.get("correct", False)
        if not isinstance(correct, bool):
            raise InvalidSnapshot(f"question {question['id']}: an option's correct flag must be true or false")
        result.append((option["id"], correct))
    if len({option_id for option_id, _ in result}) != len(result):
        raise InvalidSnapshot(f"question {question['id']} has two options with one id")
    return result


def _true_false_key(question: Mapping[str, Any]) -> bool:
    key = question.get("answer")
    if not isinstance(key, bool):
        raise InvalidSnapshot(f"true/false question {question['id']} needs a true or false answer")
    return key


def _accepted(question: Mapping[str, Any]) -> tuple[frozenset[str], bool]:
    case_sensitive = _flag(question, "case_sensitive")
    accepted = question.get("accepted")
    if not isinstance(accepted, list | tuple) or not all(isinstance(text, str) for text in accepted):
        raise InvalidSnapshot(f"short text question {question['id']} needs a list of accepted answers")
    # A blank accepted answer would make a blank reply right; it can only be an editing slip, so drop it.
    normalised = frozenset(filter(None, (_normalise_text(text, case_sensitive) for text in accepted)))
    if not normalised:
        raise InvalidSnapshot(f"short text question {question['id']} has no non-blank accepted answer")
    return normalised, case_sensitive


def _numeric_key(question: Mapping[str, Any]) -> tuple[Decimal, Decimal]:
    value = _snapshot_decimal(question, "value")
    tolerance = _snapshot_decimal(question, "tolerance")
    if tolerance < 0:
        raise InvalidSnapshot(f"numeric question {question['id']} has a negative tolerance")
    return value, tolerance


def _numeric_bounds(question: Mapping[str, Any]) -> tuple[Decimal, Decimal]:
    value, tolerance = _numeric_key(question)
    # Bounds rather than |answer - value|: comparing a learner's number with them is exact whatever its size,
    # while subtracting could round. The bounds themselves must be exact, or the boundary would move.
    with localcontext(prec=200) as context:
        context.traps[Inexact] = True
        try:
            return value - tolerance, value + tolerance
        except Inexact:
            raise InvalidSnapshot(f"numeric question {question['id']}: value and tolerance are too precise") from None
