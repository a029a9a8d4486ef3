"""Grading benchmark: attempts graded per second, and regrading thousands of stored attempts, with memory.

    .venv/bin/python bench/grading.py [--attempts 2000 10000] [--single 200]

1. In memory, one process, no database: a 50-question snapshot (all six question types) and N answer
   sets from a fixed seed (right, wrong, partly right, unanswered and garbage answers, graded and
   ungraded essays), graded with assessments.grading.grade_attempt: attempts/s, µs per attempt, peak
   Python memory (tracemalloc), and the cost of each question type on its own.
2. Database: a real AssessmentPage of the same 50 questions and, for each --attempts size, that many
   submitted Attempt rows, five per learner (2,000 enrolled learners for 10,000 attempts). Regrades the
   whole assessment after a key change with assessments.services.regrade_assessment when it exists,
   next to an emulation that writes with bulk_update, and next to passes that only read, and only read
   and grade, so the time splits into reading, grading and writing. Then regrades single attempts
   (services.regrade_attempt when it exists, and an emulation): ms per attempt. Memory: tracemalloc
   peak of a separate pass (tracemalloc slows Python down, so timed passes run without it) and the
   process's peak RSS during each pass.

Runs with bench.settings against a throwaway SQLite file under var/, deleted at the end, or against
DATABASE_URL when it names a database whose name contains "bench" (the script migrates and writes to it).
bench/README.md says how to read the tables.
"""

import gc
import json
import random
import shutil
import statistics
import sys
import time
import tracemalloc
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import (  # noqa: E402
    StatementCounter,
    argument_parser,
    close_connections,
    max_rss_mb,
    migrate,
    nearest_rank,
    print_table,
    progress,
    reset_rss_peak,
    rss_mb,
    scratch_dir,
    use_bench_database,
)

SEED = 20240611
CHUNK = 500  # attempts per transaction in the bulk regrade, as services.regrade_assessment chunks them
ATTEMPTS_PER_LEARNER = 5  # 10,000 attempts come from 2,000 learners


# 50 questions: mostly choice questions, as quizzes are, with a few of every other type.
QUESTION_MIX = {
    "single_choice": 16,
    "multiple_choice": 10,
    "true_false": 8,
    "short_text": 6,
    "numeric": 6,
    "essay": 4,
}
# Per answered question: the share left unanswered, and the share of garbage a tampered form could send.
UNANSWERED = 0.04
GARBAGE = 0.03
# Attempts whose essays a trainer has graded (the others are pending), and those with one score overridden.
ESSAYS_GRADED = 0.6
OVERRIDDEN = 0.02

WORDS = [
    *("energy", "system", "model", "data", "value", "process", "network", "function", "variable", "memory"),
    *("signal", "market", "policy", "cell", "theory", "method", "sample", "error", "result", "graph"),
    *("vector", "matrix", "layer", "protocol", "budget", "risk", "contract", "design", "evidence", "pattern"),
    *("structure", "interface", "language", "population", "climate", "resource"),
]
SHORT_TEXT_KEYS = [
    ["Ada Lovelace", "Lovelace"],
    ["photosynthesis"],
    ["Paris"],
    ["H2O", "water"],
    ["mitochondria", "mitochondrion"],
    ["TCP"],
    ["Pythagoras"],
    ["supply and demand"],
    ["GDP", "gross domestic product"],
    ["osmosis"],
]
WRONG_TEXT = ["Babbage", "respiration", "Lyon", "CO2", "nucleus", "UDP", "Euclid", "inflation", "I don't know"]


# The questions --------------------------------------------------------------------------------------------


def raw_questions(key_variant: int = 0) -> list[dict]:
    """The StreamField data of the 50 questions, the same every run. Variant 1 is the same questions after
    an editor fixed two keys (one true/false answer, the right option of one single choice question)."""
    rng = random.Random(SEED)
    types = [block_type for block_type, count in QUESTION_MIX.items() for _ in range(count)]
    rng.shuffle(types)
    blocks = [_raw_question(block_type, number, rng) for number, block_type in enumerate(types, start=1)]
    if key_variant:
        true_false = next(block for block in blocks if block["type"] == "true_false")
        true_false["value"]["answer"] = "false" if true_false["value"]["answer"] == "true" else "true"
        single = next(block for block in blocks if block["type"] == "single_choice")
        options = single["value"]["options"]
        right = next(index for index, option in enumerate(options) if option["value"]["correct"])
        options[right]["value"]["correct"] = False
        options[(right + 1) % len(options)]["value"]["correct"] = True
    return blocks


def _raw_question(block_type: str, number: int, rng: random.Random) -> dict:
    value: dict[str, Any] = {
        "prompt": f"<p>Question {number}: what does the {' '.join(rng.sample(WORDS, 6))} show?</p>",
        "points": rng.choice(["1", "1", "1", "2", "0.5", "1.5"]),
        "explanation": f"<p>Because of the {rng.choice(WORDS)}.</p>" if rng.random() < 0.5 else "",
    }
    if block_type in ("single_choice", "multiple_choice"):
        count = rng.randint(4, 6)
        right = {0} if block_type == "single_choice" else set(range(rng.randint(1, 3)))
        value["options"] = [
            _item(rng, {"text": f"{' '.join(rng.sample(WORDS, 3))}", "correct": index in right})
            for index in range(count)
        ]
        rng.shuffle(value["options"])
        if block_type == "multiple_choice":
            value["partial_credit"], value["penalise_wrong"] = rng.choice([(True, True), (True, False), (False, False)])
    elif block_type == "true_false":
        value["answer"] = rng.choice(["true", "false"])
    elif block_type == "short_text":
        value["accepted"] = [_item(rng, text) for text in rng.choice(SHORT_TEXT_KEYS)]
        value["case_sensitive"] = rng.random() < 0.15
    elif block_type == "numeric":
        value["points"] = "2"
        value["value"] = str(Decimal(rng.randint(-100_000, 100_000)).scaleb(-rng.randint(0, 3)))
        value["tolerance"] = rng.choice(["0", "0.01", "0.5"])
    elif block_type == "essay":
        value["points"] = "5"
        value["grading_guidance"] = f"Names the {rng.choice(WORDS)} and the {rng.choice(WORDS)}."
    return {"type": block_type, "id": _uuid(rng), "value": value}


def _item(rng: random.Random, value) -> dict:
    return {"type": "item", "id": _uuid(rng), "value": value}


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


# The answers ----------------------------------------------------------------------------------------------


def answer_set(snapshot: dict, number: int) -> tuple[dict, dict]:
    """Attempt `number`'s answers and manual scores, shaped as the forms and trainers store them.

    A learner of some ability answers each question right with that probability, otherwise wrong (or,
    for multiple choice, half the time partly right); a few answers are missing or garbage.
    """
    rng = random.Random(f"{SEED}-attempt-{number}")
    ability = rng.betavariate(7, 2)
    essays_graded = rng.random() < ESSAYS_GRADED
    answers: dict[str, Any] = {}
    manual: dict[str, str] = {}
    for question in snapshot["questions"]:
        qtype, qid = question["type"], question["id"]
        draw = rng.random()
        if draw < UNANSWERED:
            continue
        if draw < UNANSWERED + GARBAGE:
            answers[qid] = rng.choice(_garbage(question))
            continue
        if rng.random() < ability:
            outcome = "right"
        elif qtype == "multiple_choice" and rng.random() < 0.5:
            outcome = "partial"
        else:
            outcome = "wrong"
        answers[qid] = _ANSWER_BY_TYPE[qtype](question, outcome, rng)
        if qtype == "essay" and essays_graded and answers[qid]:
            manual[qid] = str((Decimal(question["points"]) * rng.randint(0, 4) / 4).quantize(Decimal("0.01")))
    if rng.random() < OVERRIDDEN:
        question = rng.choice([q for q in snapshot["questions"] if q["type"] != "essay"])
        manual[question["id"]] = rng.choice(["0", question["points"]])
    return answers, manual


def _options(question: dict) -> tuple[list[str], list[str]]:
    right = [option["id"] for option in question["options"] if option["correct"]]
    wrong = [option["id"] for option in question["options"] if not option["correct"]]
    return right, wrong


def _single_choice_answer(question: dict, outcome: str, rng: random.Random):
    right, wrong = _options(question)
    return right[0] if outcome == "right" else rng.choice(wrong)


def _multiple_choice_answer(question: dict, outcome: str, rng: random.Random):
    right, wrong = _options(question)
    if outcome == "right":
        return rng.sample(right, len(right))  # in any order
    if outcome == "partial":
        if len(right) > 1 and rng.random() < 0.5:
            return rng.sample(right, rng.randint(1, len(right) - 1))
        return rng.sample(right + [rng.choice(wrong)], len(right) + 1)
    return rng.sample(wrong, rng.randint(1, len(wrong)))


def _true_false_answer(question: dict, outcome: str, rng: random.Random):
    given = question["answer"] if outcome == "right" else not question["answer"]
    return rng.choice([given, "true" if given else "false", " True " if given else "FALSE"])


def _short_text_answer(question: dict, outcome: str, rng: random.Random):
    if outcome != "right":
        return rng.choice(WRONG_TEXT)
    text = rng.choice(question["accepted"])
    if question["case_sensitive"]:
        return rng.choice([text, f"  {text} "])
    return rng.choice([text, text.lower(), text.upper(), f"  {text} ", text.replace(" ", "  ")])


def _numeric_answer(question: dict, outcome: str, rng: random.Random):
    value, tolerance = Decimal(question["value"]), Decimal(question["tolerance"])
    if outcome == "right":
        number = value + tolerance * rng.randint(-4, 4) / 4
    else:
        number = value + (tolerance + 1) * rng.choice([-3, 2, 10])
    text = str(number)
    draw = rng.random()
    if draw < 0.15 and "." in text:
        text = text.replace(".", ",")  # a decimal comma
    elif draw < 0.2 and text.startswith("-"):
        text = "\u2212" + text[1:]  # a word processor's minus sign
    return text


def _essay_answer(question: dict, outcome: str, rng: random.Random):
    if rng.random() < 0.1:
        return ""
    return " ".join(rng.choices(WORDS, k=rng.randint(20, 150))).capitalize() + "."


_ANSWER_BY_TYPE: dict[str, Callable[[dict, str, random.Random], Any]] = {
    "single_choice": _single_choice_answer,
    "multiple_choice": _multiple_choice_answer,
    "true_false": _true_false_answer,
    "short_text": _short_text_answer,
    "numeric": _numeric_answer,
    "essay": _essay_answer,
}


def _garbage(question: dict) -> list:
    """What a tampered request could store: JSON-plain shapes (text, yes/no, lists of text) of the wrong kind."""
    first_option = question["options"][0]["id"] if "options" in question else "a"
    return {
        "single_choice": ["", "not-an-option", [first_option], True],
        "multiple_choice": [first_option, ["not-an-option"], [], True],
        "true_false": ["maybe", "", "yes", ["true"]],
        "short_text": ["x" * 10_000, ["Paris"], True, "   "],
        "numeric": ["about 3", "1e9999", "3.1.4", "", "9" * 101, ["3"]],
        "essay": [True, ["essay"]],
    }[question["type"]]


# Measuring ------------------------------------------------------------------------------------------------


@dataclass
class Pass:
    seconds: float
    queries: int = 0
    rss_start_mb: float | None = None  # the process's RSS when the pass started
    rss_peak_mb: float | None = None  # and at most during the pass (None: the kernel cannot tell)
    result: Any = None


def run_pass(fn: Callable[[], Any], *, collect: bool = True) -> Pass:
    """Runs fn once, untraced: wall time, SQL queries and the process's peak RSS while it ran."""
    from django.db import connection

    counter = StatementCounter()
    if collect:
        gc.collect()
    rss_start = rss_mb("VmHWM") if reset_rss_peak() else None
    with connection.execute_wrapper(counter):
        started = time.perf_counter()
        result = fn()
        seconds = time.perf_counter() - started
    return Pass(seconds, counter.total, rss_start, rss_mb("VmHWM") if rss_start else None, result)


def traced_peak(fn: Callable[[], Any]) -> int:
    """The peak of Python memory allocated while fn ran (tracemalloc; objects made before do not count)."""
    gc.collect()
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


# Part 1: grading in memory --------------------------------------------------------------------------------


@dataclass
class InMemory:
    attempts: int
    seconds: float  # the median run's
    runs: list[float]  # every timed run's, fastest first
    python_peak: int  # bytes allocated at most while grading all of them
    answer_sets: int  # bytes the N answer sets take
    by_type: list[tuple[str, int, float]]  # (question type, questions, seconds over all attempts)
    score_total: Decimal  # a checksum: the same every run


def grade_in_memory(snapshot: dict, attempts: int, *, repeat: int = 3) -> InMemory:
    from assessments.grading import grade_attempt

    gc.collect()
    tracemalloc.start()
    sets = [answer_set(snapshot, number) for number in range(attempts)]
    answer_bytes = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()

    def grade_all(questions: dict = snapshot) -> Decimal:
        total = Decimal(0)
        for answers, manual in sets:
            total += grade_attempt(questions, answers, manual).score
        return total

    grade_all({"version": 1, "questions": snapshot["questions"][:5]})  # warm-up
    progress("grading, timed")
    # Grading is pure CPU, so anything else running on the machine shows: the median of a few runs.
    runs = sorted((run_pass(grade_all) for _ in range(repeat)), key=lambda run: run.seconds)
    timed = runs[len(runs) // 2]
    progress("grading, traced")
    peak = traced_peak(grade_all)
    progress("grading, each question type alone")
    by_type = []
    for qtype in QUESTION_MIX:
        only = {"version": 1, "questions": [q for q in snapshot["questions"] if q["type"] == qtype]}
        by_type.append((qtype, len(only["questions"]), run_pass(lambda only=only: grade_all(only)).seconds))
    return InMemory(attempts, timed.seconds, [run.seconds for run in runs], peak, answer_bytes, by_type, timed.result)


# Part 2: the database -------------------------------------------------------------------------------------


def configure_database(scratch: Path | None) -> None:
    use_bench_database(settings_module="bench.settings", sqlite_dir=scratch, writes="attempts")


@dataclass
class BulkRow:
    attempts: int
    label: str
    timed: Pass
    python_peak: int | None = None
    note: str = ""


@dataclass
class SingleRow:
    attempts: int
    label: str
    timings_ms: list[float]
    queries: int


def seed_module():
    """A live course with one module to hold the assessments, and its trainer (who regrades)."""
    from accounts.models import User
    from bench.seed import seed_catalogue
    from courses.models import ModulePage

    seeded = seed_catalogue(courses=1, modules_per_course=1, lessons_per_module=1, trainers=1)
    module = ModulePage.objects.descendant_of(seeded.catalogue).live().order_by("path").first()
    return module, User.objects.get(username="bench-trainer-1")


def seed_learners(count: int, *, course_id: int) -> list[int]:
    """Learners enrolled in the course, so a regrade that changes a pass refreshes a real enrollment."""
    from django.utils import timezone

    from accounts.models import User
    from bench.seed import learner_row
    from learning.models import Enrollment, EnrollmentStatus

    usernames = [f"bench-taker-{n}" for n in range(1, count + 1)]
    present = set(User.objects.filter(username__in=usernames).values_list("username", flat=True))
    now = timezone.now()
    User.objects.bulk_create(
        [learner_row(name, date_joined=now) for name in usernames if name not in present], batch_size=500
    )
    ids = dict(User.objects.filter(username__in=usernames).values_list("username", "pk"))
    enrolled = set(Enrollment.objects.filter(course_id=course_id).values_list("user_id", flat=True))
    Enrollment.objects.bulk_create(
        [
            Enrollment(user_id=pk, course_id=course_id, status=EnrollmentStatus.ACTIVE, enrolled_at=now)
            for pk in ids.values()
            if pk not in enrolled
        ],
        batch_size=500,
    )
    return [ids[name] for name in usernames]


def seed_assessment(module, *, attempts: int, learner_ids: list[int]):
    """A live 50-question assessment with `attempts` submitted attempts, graded as submit_attempt grades."""
    from datetime import timedelta

    from django.db import transaction
    from django.utils import timezone

    from assessments.grading import grade_attempt
    from assessments.models import AssessmentPage, Attempt, AttemptStatus

    now = timezone.now()
    # Numbered, so a second run on the same DATABASE_URL adds new assessments beside the old ones.
    number = AssessmentPage.objects.child_of(module).count() + 1
    page = module.add_child(
        instance=AssessmentPage(
            title=f"Bench quiz {number}: {attempts} attempts",
            slug=f"bench-quiz-{number}",
            questions=raw_questions(0),
            live=True,
            first_published_at=now,
        )
    )
    snapshot = page.questions_snapshot()
    for start in range(0, attempts, CHUNK):
        rows = []
        for number in range(start, min(start + CHUNK, attempts)):
            answers, manual = answer_set(snapshot, number)
            result = grade_attempt(snapshot, answers, manual)
            started_at = now - timedelta(days=number % 90, minutes=number % 1440)
            rows.append(
                Attempt(
                    assessment=page,
                    user_id=learner_ids[number % len(learner_ids)],
                    number=number // len(learner_ids) + 1,
                    status=AttemptStatus.SUBMITTED,
                    started_at=started_at,
                    submitted_at=started_at + timedelta(minutes=5 + number % 40),
                    snapshot=snapshot,
                    answers=answers,
                    manual_scores=manual,
                    score=result.score,
                    max_score=result.max_score,
                    percent=result.percent,
                    pending_manual=result.pending_manual,
                    passed=None if result.pending_manual else result.percent >= page.pass_mark,
                )
            )
        with transaction.atomic():
            Attempt.objects.bulk_create(rows)
    return page, snapshot


def set_keys(page, variant: int):
    """An editor fixes (variant 1) or restores (variant 0) two answer keys."""
    page.questions = raw_questions(variant)
    page.save(clean=False, update_fields=["questions"])
    return page


RESULT_FIELDS = ["score", "max_score", "percent", "passed", "pending_manual"]


def _store(attempt, result, pass_mark: int) -> None:
    attempt.score = result.score
    attempt.max_score = result.max_score
    attempt.percent = result.percent
    attempt.pending_manual = result.pending_manual
    attempt.passed = None if result.pending_manual else result.percent >= pass_mark


def read_chunks(page, *, grade: bool) -> int:
    """Reads (and grades) every submitted attempt a chunk at a time, writing nothing: the cost of reading."""
    from assessments.grading import grade_attempt
    from assessments.models import Attempt, AttemptStatus

    last_pk, seen = 0, 0
    while True:
        chunk = list(
            Attempt.objects.filter(assessment=page, status=AttemptStatus.SUBMITTED, pk__gt=last_pk)
            .order_by("pk")
            .values_list("pk", "snapshot", "answers", "manual_scores")[:CHUNK]
        )
        if not chunk:
            return seen
        if grade:
            for _, snapshot, answers, manual in chunk:
                grade_attempt(snapshot, answers, manual)
        seen += len(chunk)
        last_pk = chunk[-1][0]


def bulk_regrade_emulated(page) -> int:
    """Regrades every submitted attempt against its own snapshot: per chunk of 500, in one transaction, the
    rows locked and read (only the columns grading needs), graded, and written back with one bulk_update.

    Chunks are taken by primary key (pk > last one, LIMIT 500) rather than with .iterator(): mysqlclient
    buffers a whole result set in the client, so .iterator() would hold every snapshot in memory on
    MariaDB, and rows read outside the chunk's transaction could overwrite a trainer's grade given since.
    """
    from django.db import transaction

    from assessments.grading import grade_attempt
    from assessments.models import Attempt, AttemptStatus

    pass_mark = page.pass_mark
    last_pk, done = 0, 0
    while True:
        with transaction.atomic():
            chunk = list(
                Attempt.objects.select_for_update()
                .filter(assessment=page, status=AttemptStatus.SUBMITTED, pk__gt=last_pk)
                .order_by("pk")
                .only("pk", "snapshot", "answers", "manual_scores")[:CHUNK]
            )
            if not chunk:
                return done
            for attempt in chunk:
                _store(attempt, grade_attempt(attempt.snapshot, attempt.answers, attempt.manual_scores), pass_mark)
            Attempt.objects.bulk_update(chunk, RESULT_FIELDS)
        done += len(chunk)
        last_pk = chunk[-1].pk


def regrade_one_emulated(pk: int) -> None:
    """One attempt end to end: lock and load it, grade its snapshot, save the result fields."""
    from django.db import transaction

    from assessments.grading import grade_attempt
    from assessments.models import AssessmentPage, Attempt

    with transaction.atomic():
        # The pass mark in a query of its own: select_for_update() with select_related() would lock the
        # page's rows too (MariaDB has no FOR UPDATE OF), and an editor publishing it would wait.
        attempt = (
            Attempt.objects.select_for_update()
            .only("pk", "assessment_id", "snapshot", "answers", "manual_scores")
            .get(pk=pk)
        )
        pass_mark = AssessmentPage.objects.values_list("pass_mark", flat=True).get(pk=attempt.assessment_id)
        result = grade_attempt(attempt.snapshot, attempt.answers, attempt.manual_scores)
        _store(attempt, result, pass_mark)
        attempt.save(update_fields=RESULT_FIELDS)


def measure_database(sizes: list[int], singles: int) -> tuple[list[BulkRow], list[SingleRow], dict]:
    from assessments import services
    from assessments.models import Attempt, GradeChange

    module, trainer = seed_module()
    learner_ids = seed_learners(max(1, max(sizes) // ATTEMPTS_PER_LEARNER), course_id=module.get_parent().pk)
    has_bulk = hasattr(services, "regrade_assessment")
    has_single = hasattr(services, "regrade_attempt")
    bulk_rows: list[BulkRow] = []
    single_rows: list[SingleRow] = []
    info: dict[str, Any] = {"learners": len(learner_ids), "service_bulk": has_bulk, "service_single": has_single}

    for size in sizes:
        started = time.perf_counter()
        page, snapshot = seed_assessment(module, attempts=size, learner_ids=learner_ids)
        progress(f"Seeded {size} attempts in {time.perf_counter() - started:.1f} s")
        info["database_mb"] = database_mb()
        info["snapshot"] = snapshot

        def bulk(label: str, fn: Callable[[], Any], *, traced: bool, size: int = size) -> BulkRow:
            progress(f"{size}: {label}")
            row = BulkRow(size, label, run_pass(fn))
            if traced:
                row.python_peak = traced_peak(fn)
            bulk_rows.append(row)
            return row

        bulk("read only", lambda page=page: read_chunks(page, grade=False), traced=False)
        bulk("read + grade", lambda page=page: read_chunks(page, grade=True), traced=False)
        bulk("regrade, bulk_update (emulated)", lambda page=page: bulk_regrade_emulated(page), traced=True)
        if has_bulk:
            # After a key fix most scores change, as in a real regrade; the traced pass puts the old keys back,
            # which changes the same scores back, so both passes do the same work.
            changes_before = GradeChange.objects.count()
            passed_before = Attempt.objects.filter(assessment=page, passed=True).count()
            set_keys(page, 1)
            row = bulk(
                "services.regrade_assessment",
                lambda page=page: services.regrade_assessment(assessment=page, by=trainer),
                traced=False,
            )
            row.note = (
                f"{row.timed.result} scores changed ({GradeChange.objects.count() - changes_before} GradeChange rows), "
                f"passes {passed_before} -> {Attempt.objects.filter(assessment=page, passed=True).count()}"
            )
            set_keys(page, 0)
            row.python_peak = traced_peak(lambda page=page: services.regrade_assessment(assessment=page, by=trainer))

        pks = list(Attempt.objects.filter(assessment=page).order_by("pk").values_list("pk", flat=True))
        sample = random.Random(SEED).sample(pks, min(singles, len(pks)))

        def single(label: str, fn: Callable[[int], Any], size: int = size, sample: list[int] = sample) -> None:
            progress(f"{size}: {label} x {len(sample)}")
            timings, queries = [], 0
            for pk in sample:
                one = run_pass(lambda pk=pk: fn(pk), collect=False)  # a full collection takes longer than one
                timings.append(one.seconds * 1000)
                queries += one.queries
            single_rows.append(SingleRow(size, label, timings, queries))

        single("regrade one, save() (emulated)", regrade_one_emulated)
        if has_single:
            set_keys(page, 1)  # so every regrade finds a key to apply, as after a real fix
            single("services.regrade_attempt", lambda pk: services.regrade_attempt(attempt=Attempt(pk=pk), by=trainer))
        info[f"rss_after_{size}"] = max_rss_mb()
    return bulk_rows, single_rows, info


# Report ---------------------------------------------------------------------------------------------------


def mb(value: int | float | None) -> str:
    return "-" if value is None else f"{value / 1024 / 1024:.1f}"


def rss_range(timed: Pass) -> str:
    if timed.rss_start_mb is None or timed.rss_peak_mb is None:
        return "-"
    return f"{timed.rss_start_mb:.0f} → {timed.rss_peak_mb:.0f}"


def report(memory: InMemory, bulk_rows: list[BulkRow], single_rows: list[SingleRow], info: dict) -> None:
    snapshot = info["snapshot"]
    kinds = Counter(q["type"] for q in snapshot["questions"])
    print()
    print(
        f"Snapshot: {len(snapshot['questions'])} questions ("
        + ", ".join(f"{count} {kind}" for kind, count in kinds.items())
        + f"), {len(json.dumps(snapshot)) / 1024:.1f} KB as JSON"
    )
    print()
    print(f"1. grade_attempt in memory, one process, {memory.attempts} answer sets (no database)")
    per_attempt = memory.seconds / memory.attempts
    spread = "-".join(f"{seconds / memory.attempts * 1e6:.0f}" for seconds in (memory.runs[0], memory.runs[-1]))
    print_table(
        [("", 30), ("attempts/s", 10), ("µs/attempt", 10), ("µs, all runs", 12), ("Python peak KB", 14)],
        [
            [
                "all 50 questions",
                f"{1 / per_attempt:,.0f}",
                f"{per_attempt * 1e6:.0f}",
                spread,
                f"{memory.python_peak / 1024:.1f}",
            ]
        ],
    )
    print(
        f"The median of {len(memory.runs)} runs; 'µs, all runs' is the fastest and the slowest. "
        f"The {memory.attempts} answer sets themselves take {mb(memory.answer_sets)} MB; "
        f"the peak is what grading allocates on top. Checksum of all scores: {memory.score_total}."
    )
    print()
    print("   each question type alone (the same answer sets, a snapshot of only that type's questions)")
    print_table(
        [("type", 30), ("questions", 10), ("µs/attempt", 10), ("µs/question", 14)],
        [
            [qtype, count, f"{seconds / memory.attempts * 1e6:.0f}", f"{seconds / memory.attempts / count * 1e6:.1f}"]
            for qtype, count, seconds in memory.by_type
        ],
    )
    print()
    print(f"2. Regrading a whole assessment from the database ({connection_vendor()}, chunks of {CHUNK})")
    print_table(
        [
            ("pass", 32),
            ("attempts", 8),
            ("seconds", 7),
            ("attempts/s", 10),
            ("ms/attempt", 10),
            ("queries", 7),
            ("Python peak MB", 14),
            ("RSS MB start→peak", 17),
        ],
        [
            [
                row.label,
                row.attempts,
                f"{row.timed.seconds:.2f}",
                f"{row.attempts / row.timed.seconds:,.0f}",
                f"{row.timed.seconds / row.attempts * 1000:.2f}",
                row.timed.queries,
                mb(row.python_peak),
                rss_range(row.timed),
            ]
            for row in bulk_rows
        ],
    )
    for row in bulk_rows:
        if row.note:
            print(f"{row.label} at {row.attempts}: {row.note}")
    if not info["service_bulk"]:
        print("assessments.services has no regrade_assessment yet: only the emulation ran.")
    print()
    print("3. Regrading one attempt end to end (lock, load, grade, save)")
    print_table(
        [("pass", 32), ("attempts", 8), ("regrades", 8), ("median ms", 9), ("p95 ms", 7), ("queries each", 12)],
        [
            [
                row.label,
                row.attempts,
                len(row.timings_ms),
                f"{statistics.median(row.timings_ms):.2f}",
                f"{nearest_rank(row.timings_ms, 95):.2f}",
                f"{row.queries / len(row.timings_ms):.1f}",
            ]
            for row in single_rows
        ],
    )
    if not info["service_single"]:
        print("assessments.services has no regrade_attempt yet: only the emulation ran.")
    print()
    print("Python peak: the most the pass allocated at once (tracemalloc), measured in a second run of it, since")
    print("  tracemalloc slows Python down; times and queries come from the run without it.")
    print("RSS: the process's resident memory when the timed run started and at most during it (Linux VmHWM).")
    rss = ", ".join(
        f"{value:.0f} MB after the {key.removeprefix('rss_after_')}-attempt size"
        for key, value in info.items()
        if key.startswith("rss_after_")
    )
    print(f"Process max RSS (getrusage, seeding included): {rss}.")
    print(f"Learners: {info['learners']}, enrolled in the course, up to {ATTEMPTS_PER_LEARNER} attempts each.")
    if info.get("database_mb"):
        print(f"SQLite file with every size seeded: {info['database_mb']:.0f} MB.")


def database_mb() -> float | None:
    from django.db import connection

    if connection.vendor != "sqlite":
        return None
    name = Path(connection.settings_dict["NAME"])
    return sum(path.stat().st_size for path in name.parent.glob(f"{name.name}*")) / 1024 / 1024  # with -wal


def connection_vendor() -> str:
    from django.db import connection

    return connection.vendor


def main() -> None:
    parser = argument_parser(__doc__)
    parser.add_argument(
        "--attempts", type=int, nargs="+", default=[2000, 10000], help="attempts per assessment, one run per size"
    )
    parser.add_argument("--single", type=int, default=200, help="single-attempt regrades timed per size")
    args = parser.parse_args()
    sizes = sorted(set(args.attempts))

    scratch = scratch_dir("bench-grading-")
    configure_database(scratch)
    try:
        import django

        django.setup()
        from assessments.models import AssessmentPage

        migrate()

        # The same snapshot the database part stores: built by the page model, without saving the page.
        snapshot = AssessmentPage(questions=raw_questions(0)).questions_snapshot()
        progress(f"Grading {max(sizes)} answer sets in memory...")
        memory = grade_in_memory(snapshot, max(sizes))
        bulk_rows, single_rows, info = measure_database(sizes, args.single)
        if info["snapshot"] != snapshot:
            sys.exit("The stored snapshot differs from the in-memory one: the two parts graded different questions.")
        report(memory, bulk_rows, single_rows, info)
    finally:
        close_connections()
        if scratch:
            shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
