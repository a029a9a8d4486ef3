"""Seed data for benchmarks: a catalogue of live courses, each with modules and lessons, and learners.

Pages are created live with `add_child` instead of going through revisions and `publish()`, which is
several times slower and adds nothing a read benchmark looks at. They are added to the search index
in bulk at the end rather than one by one as they are saved, and left out of Wagtail's reference
index (which only feeds the admin's "usage" listings). Everything is deterministic: the same arguments
give the same titles, prices and levels, so runs can be compared.

`seed_learners` adds learner accounts enrolled in those courses with random (but seeded, so repeatable)
progress. It writes Enrollment and LessonProgress rows in bulk rather than through learning.services,
which would take a lock and several queries per completed lesson; the stored percentages are derived
the way learning.services derives them, so they agree with what the services would have written.
"""

import random
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone
from django.utils.text import slugify
from wagtail.models import Page
from wagtail.search.backends import get_search_backends
from wagtail.signal_handlers import disable_reference_index_auto_update

from accounts.models import Role, User
from courses.models import Category, CourseIndexPage, CoursePage, Currency, LessonPage, Level, ModulePage
from home.models import HomePage
from learning import selectors as learning_selectors
from learning.models import Enrollment, EnrollmentStatus, LessonProgress

# A quarter of the subjects mention Python, so a search for it finds courses at every size.
SUBJECTS = [
    "Python",
    "Web Apps with Django and Python",
    "Data Analysis with Python",
    "Machine Learning in Python",
    "JavaScript",
    "SQL",
    "Project Management",
    "Leadership",
    "Public Speaking",
    "Accounting",
    "Digital Marketing",
    "UX Design",
    "Photography",
    "Spanish",
    "Cloud Computing",
    "Cybersecurity",
]
FORMATS = ["Introduction to", "Practical", "Mastering", "Foundations of", "Hands-on", "Advanced Topics in"]
CATEGORY_NAMES = [
    "Programming",
    "Data",
    "Business",
    "Design",
    "Languages",
    "Personal Development",
    "IT and Security",
    "Creative Arts",
]
PRICES = [Decimal("0.00"), Decimal("0.00"), Decimal("19.00"), Decimal("49.00"), Decimal("99.00"), Decimal("249.00")]


@dataclass
class SeededCatalogue:
    catalogue: CourseIndexPage
    courses: int
    pages: int  # every page below the catalogue: courses, modules and lessons


def seed_catalogue(
    *,
    courses: int,
    categories: int = len(CATEGORY_NAMES),
    modules_per_course: int = 3,
    lessons_per_module: int = 3,
    trainers: int = 5,
) -> SeededCatalogue:
    """Tops the catalogue at /courses/ up to `courses` live courses and returns it.

    Courses already there count, so a benchmark can grow one catalogue through several sizes.
    """
    home = HomePage.objects.get()
    catalogue = CourseIndexPage.objects.child_of(home).filter(slug="courses").first()
    if catalogue is None:
        catalogue = home.add_child(instance=CourseIndexPage(title="Courses", slug="courses", live=True))
    category_rows = _ensure_categories(categories)
    trainer_rows = _ensure_trainers(trainers)

    existing = CoursePage.objects.child_of(catalogue).count()
    created: dict[type[Page], list[Page]] = defaultdict(list)
    with _search_index_auto_update_off(), disable_reference_index_auto_update():
        for number in range(existing + 1, courses + 1):
            # One transaction per course: SQLite commits are slow, and a stopped run leaves whole courses.
            with transaction.atomic():
                pages = _add_course(
                    catalogue,
                    number=number,
                    category=category_rows[number % len(category_rows)],
                    trainer=trainer_rows[number % len(trainer_rows)] if trainer_rows else None,
                    modules=modules_per_course,
                    lessons_per_module=lessons_per_module,
                )
            for page in pages:
                created[type(page)].append(page)
    _add_to_search_index(created)
    return SeededCatalogue(
        catalogue=catalogue,
        courses=CoursePage.objects.child_of(catalogue).count(),
        pages=catalogue.get_descendants().count(),
    )


def _search_index_auto_update_off():
    # Indexing page by page costs a dozen queries per page, one of them a scan of the whole index (the
    # database backend renormalises title lengths), so seeding would slow down as the catalogue grows.
    backends = {name: {**params, "AUTO_UPDATE": False} for name, params in settings.WAGTAILSEARCH_BACKENDS.items()}
    return override_settings(WAGTAILSEARCH_BACKENDS=backends)


def _add_to_search_index(created: dict[type[Page], list[Page]], chunk: int = 500) -> None:
    for backend in get_search_backends(with_auto_update=True):
        for model, pages in created.items():
            for start in range(0, len(pages), chunk):
                backend.add_bulk(model, pages[start : start + chunk])


def _ensure_categories(count: int) -> list[Category]:
    names = [CATEGORY_NAMES[i] if i < len(CATEGORY_NAMES) else f"Category {i + 1}" for i in range(count)]
    # Found by slug, the unique key: on top of seed_demo, "business" is already there as "Business skills".
    slugs = {slugify(name): name for name in names}
    present = set(Category.objects.filter(slug__in=slugs).values_list("slug", flat=True))
    # bulk_create skips Category.save(), which is what fills the slug in.
    Category.objects.bulk_create(
        [Category(name=name, slug=slug) for slug, name in slugs.items() if slug not in present]
    )
    return list(Category.objects.filter(slug__in=slugs).order_by("pk"))


def _ensure_trainers(count: int) -> list[User]:
    trainers = []
    for n in range(1, count + 1):
        user, created = User.objects.get_or_create(
            username=f"bench-trainer-{n}",
            defaults={"email": f"bench-trainer-{n}@example.com", "role": Role.TRAINER, "first_name": f"Trainer {n}"},
        )
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
        trainers.append(user)
    return trainers


def _add_course(
    catalogue: CourseIndexPage,
    *,
    number: int,
    category: Category,
    trainer: User | None,
    modules: int,
    lessons_per_module: int,
) -> list[Page]:
    """Adds one live course with its modules and lessons; returns every page it created."""
    rng = random.Random(number)  # per course, so a course looks the same whatever size is seeded
    subject = SUBJECTS[number % len(SUBJECTS)]
    title = f"{rng.choice(FORMATS)} {subject} {number}"
    now = timezone.now()
    price = rng.choice(PRICES)
    course = catalogue.add_child(
        instance=CoursePage(
            title=title,
            slug=slugify(title),
            summary=f"A course on {subject.lower()} for {rng.choice(['teams', 'beginners', 'professionals'])}.",
            category=category,
            level=rng.choice(Level.values),
            estimated_minutes=rng.choice([45, 90, 180, 360, 600]),
            price=price,
            currency=Currency.EUR,
            trainer=trainer,
            live=True,
            first_published_at=now,
            last_published_at=now,
        )
    )
    pages: list[Page] = [course]
    for m in range(1, modules + 1):
        module = course.add_child(
            instance=ModulePage(title=f"{subject} module {m}", slug=f"module-{m}", live=True, first_published_at=now)
        )
        pages.append(module)
        for n in range(1, lessons_per_module + 1):
            lesson = module.add_child(
                instance=LessonPage(
                    title=f"{subject} lesson {m}.{n}",
                    slug=f"lesson-{m}-{n}",
                    summary=f"Part {n} of module {m}.",
                    is_free_preview=(m == 1 and n == 1),
                    body=[{"type": "rich_text", "value": f"<p>Notes on {subject.lower()}, part {m}.{n}.</p>"}],
                    live=True,
                    first_published_at=now,
                )
            )
            pages.append(lesson)
    return pages


# Every seeded learner signs in with this password (bench data only).
LEARNER_PASSWORD = "bench-learner-password"
LEARNER_USERNAME = "bench-learner-{}"
UNUSABLE_PASSWORD = "!"  # Django never matches a hash starting with "!"


def learner_row(
    username: str, *, date_joined: datetime, password: str = UNUSABLE_PASSWORD, last_name: str = ""
) -> User:
    """An unsaved learner for bulk_create. bulk_create skips User.save(), which derives the admin flags from the
    role, so they are set here; "!" is an unusable password (nobody signs in as them) and costs no hashing."""
    return User(
        username=username,
        email=f"{username}@example.com",
        first_name="Learner",
        last_name=last_name,
        role=Role.LEARNER,
        is_staff=False,
        is_superuser=False,
        password=password,
        date_joined=date_joined,
    )


@dataclass
class SeededLearners:
    learners: int  # bench learners in the database, including ones seeded before
    created: int  # learners added by this call
    enrollments: int
    completed_lessons: int


def seed_learners(
    *,
    learners: int,
    courses_per_learner: int = 3,
    seed: int = 20240601,
    not_started_share: float = 0.15,
    finished_share: float = 0.1,
    chunk: int = 100,
) -> SeededLearners:
    """Tops up to `learners` learner accounts (bench-learner-1 ... bench-learner-K), each enrolled in
    `courses_per_learner` of the live courses with random progress.

    Learners already there keep their enrollments, so one database can grow. Each learner's courses and
    progress depend only on `seed` and their number, not on how many learners are seeded. Progress is a
    prefix of the course's live lessons (learners mostly work through a course in order): none for about
    `not_started_share` of the enrollments, all of them (a completed enrollment) for `finished_share`,
    otherwise a uniformly drawn number in between. Enrollments in paid courses are seeded as active too,
    as if paid. Passwords are all LEARNER_PASSWORD, hashed once with the settings' first hasher.
    """
    courses = list(CoursePage.objects.live().order_by("path"))
    if not courses:
        raise ValueError("No live courses to enrol learners in: seed_catalogue() first.")
    live_lesson_ids = {
        course.pk: list(learning_selectors.live_lessons(course=course).values_list("pk", flat=True))
        for course in courses
    }
    usernames = [LEARNER_USERNAME.format(n) for n in range(1, learners + 1)]
    present = set(User.objects.filter(username__in=usernames).values_list("username", flat=True))
    missing = [n for n in range(1, learners + 1) if LEARNER_USERNAME.format(n) not in present]
    password = make_password(LEARNER_PASSWORD)
    now = timezone.now()
    for start in range(0, len(missing), chunk):
        with transaction.atomic():
            _add_learners(
                missing[start : start + chunk],
                courses=courses,
                live_lesson_ids=live_lesson_ids,
                courses_per_learner=courses_per_learner,
                seed=seed,
                not_started_share=not_started_share,
                finished_share=finished_share,
                password=password,
                now=now,
            )
    bench_learners = User.objects.filter(username__startswith=LEARNER_USERNAME.format(""), role=Role.LEARNER)
    return SeededLearners(
        learners=bench_learners.count(),
        created=len(missing),
        enrollments=Enrollment.objects.filter(user__in=bench_learners).count(),
        completed_lessons=LessonProgress.objects.filter(enrollment__user__in=bench_learners).count(),
    )


def _add_learners(
    numbers: list[int],
    *,
    courses: list[CoursePage],
    live_lesson_ids: dict[int, list[int]],
    courses_per_learner: int,
    seed: int,
    not_started_share: float,
    finished_share: float,
    password: str,
    now: datetime,
) -> None:
    users = User.objects.bulk_create(
        [learner_row(LEARNER_USERNAME.format(n), date_joined=now, password=password, last_name=str(n)) for n in numbers]
    )
    user_ids = dict(User.objects.filter(username__in=[user.username for user in users]).values_list("username", "pk"))

    enrollments: list[Enrollment] = []
    done_lessons: dict[tuple[int, int], list[int]] = {}  # (user id, course id) -> completed lesson ids
    for n in numbers:
        rng = random.Random(f"{seed}-learner-{n}")  # per learner, so a learner looks the same at every size
        user_id = user_ids[LEARNER_USERNAME.format(n)]
        for course in rng.sample(courses, min(courses_per_learner, len(courses))):
            lesson_ids = live_lesson_ids[course.pk]
            total = len(lesson_ids)
            draw = rng.random()
            if draw < not_started_share or not total:
                done = 0
            elif draw < not_started_share + finished_share:
                done = total
            else:
                done = rng.randint(1, total - 1) if total > 1 else total
            enrolled_at = now - timedelta(days=rng.randint(1, 180), minutes=rng.randint(0, 1439))
            last_activity_at = enrolled_at + (now - enrolled_at) * rng.random() if done else enrolled_at
            # Derived as learning.services._refresh_progress does: rounded down over the live lessons.
            completed = bool(total) and done == total
            enrollments.append(
                Enrollment(
                    user_id=user_id,
                    course_id=course.pk,
                    status=EnrollmentStatus.COMPLETED if completed else EnrollmentStatus.ACTIVE,
                    enrolled_at=enrolled_at,
                    completed_at=last_activity_at if completed else None,
                    progress_percent=done * 100 // total if total else 0,
                    # Where "continue" takes them: the lesson after the last one done.
                    last_lesson_id=lesson_ids[min(done, total - 1)] if total else None,
                    last_activity_at=last_activity_at,
                )
            )
            done_lessons[(user_id, course.pk)] = lesson_ids[:done]
    Enrollment.objects.bulk_create(enrollments, batch_size=500)

    # Reread the ids: not every database returns them from bulk_create.
    enrollment_ids = {
        (user_id, course_id): pk
        for pk, user_id, course_id in Enrollment.objects.filter(user_id__in=user_ids.values()).values_list(
            "pk", "user_id", "course_id"
        )
    }
    by_key = {(enrollment.user_id, enrollment.course_id): enrollment for enrollment in enrollments}
    progress = []
    for key, lesson_ids in done_lessons.items():
        enrollment = by_key[key]
        span = enrollment.last_activity_at - enrollment.enrolled_at
        for index, lesson_id in enumerate(lesson_ids, start=1):
            progress.append(
                LessonProgress(
                    enrollment_id=enrollment_ids[key],
                    lesson_id=lesson_id,
                    completed_at=enrollment.enrolled_at + span * index / len(lesson_ids),
                )
            )
    LessonProgress.objects.bulk_create(progress, batch_size=1000)


# The load test (bench/load.py): quizzes to take, essays to grade, staff who sign in ---------------------------

QUIZ_SLUG = "check-your-understanding"
STAFF_PASSWORD = LEARNER_PASSWORD  # bench data only: every bench account signs in with the same password
ADMIN_USERNAME = "bench-admin-{}"


def quiz_questions(subject: str, rng: random.Random) -> list[dict]:
    """Four questions of the kinds a course quiz mixes: one the learner picks, one true or false, one typed
    word, and an essay a trainer grades (so every submitted attempt waits in its trainer's grading queue)."""

    def choice(text: str, correct: bool = False) -> dict:
        # Option ids from the seeded generator: the same courses get the same ids.
        return {
            "type": "item",
            "id": str(uuid.UUID(int=rng.getrandbits(128))),
            "value": {"text": text, "correct": correct},
        }

    def question(kind: str, prompt: str, points: str = "1", **value) -> dict:
        return {"type": kind, "value": {"prompt": f"<p>{prompt}</p>", "points": points, "explanation": "", **value}}

    return [
        question(
            "single_choice",
            f"Which of these is part of {subject.lower()}?",
            options=[choice("The first module", True), choice("Nothing at all"), choice("Another course")],
        ),
        question("true_false", "Every lesson of this course has notes.", answer="true"),
        question("short_text", "Which built-in function adds up a list of numbers?", accepted=["sum"]),
        question(
            "essay",
            f"Describe how you would use {subject.lower()} in your work.",
            points="4",
            grading_guidance="A concrete situation, the steps, and what the result would be.",
        ),
    ]


def seed_quizzes(*, courses: list[CoursePage]) -> int:
    """Adds a published quiz (QUIZ_SLUG) below each course that has none; returns how many it added. Not
    required, so learners' completion of their courses stays as seeded."""
    from assessments.models import AssessmentPage, ShowAnswers

    rng = random.Random(20241120)
    added = 0
    with _search_index_auto_update_off(), disable_reference_index_auto_update():
        for course in courses:
            if AssessmentPage.objects.child_of(course).filter(slug=QUIZ_SLUG).exists():
                continue
            subject = next((s for s in sorted(SUBJECTS, key=len, reverse=True) if s in course.title), course.title)
            quiz = course.add_child(
                instance=AssessmentPage(
                    title="Check your understanding",
                    slug=QUIZ_SLUG,
                    questions=quiz_questions(subject, rng),
                    pass_mark=50,
                    is_required=False,
                    show_answers=ShowAnswers.AFTER_EACH_ATTEMPT,
                )
            )
            quiz.save_revision().publish()
            added += 1
    return added


def seed_staff(*, trainers: int, admins: int) -> tuple[list[User], list[User]]:
    """The trainers seed_catalogue gives courses to (bench-trainer-N) and `admins` admins (bench-admin-N), all
    signing in with STAFF_PASSWORD. Hashed once, with the settings' first hasher."""
    trainer_rows = _ensure_trainers(trainers)
    admin_rows = []
    for n in range(1, admins + 1):
        user, _ = User.objects.get_or_create(
            username=ADMIN_USERNAME.format(n),
            defaults={"email": f"bench-admin-{n}@example.com", "role": Role.ADMIN, "first_name": f"Admin {n}"},
        )
        admin_rows.append(user)
    password = make_password(STAFF_PASSWORD)
    User.objects.filter(pk__in=[user.pk for user in trainer_rows + admin_rows]).update(password=password)
    return trainer_rows, admin_rows


def seed_submitted_attempts(*, per_quiz: int) -> int:
    """Up to `per_quiz` bench learners enrolled in each bench quiz's course submit an attempt at it, through
    assessments.services as the site does (start, answer every question, submit): their essays wait for the
    course's trainer. Learners who already have an attempt there are skipped. Returns how many it submitted."""
    from accounts import services as account_services
    from assessments import grading
    from assessments import services as assessment_services
    from assessments.models import AssessmentPage, Attempt

    submitted = 0
    quizzes = AssessmentPage.objects.live().filter(slug=QUIZ_SLUG).order_by("path")
    with account_services.quiet_notifications():
        for quiz in quizzes:
            course = quiz.course
            taken = Attempt.objects.filter(assessment=quiz).values_list("user_id", flat=True)
            learners = (
                User.objects.filter(
                    username__startswith=LEARNER_USERNAME.format(""),
                    enrollments__course=course,
                    enrollments__status__in=[EnrollmentStatus.ACTIVE, EnrollmentStatus.COMPLETED],
                )
                .exclude(pk__in=taken)
                .order_by("pk")[:per_quiz]
            )
            for learner in learners:
                attempt = assessment_services.start_attempt(user=learner, assessment=quiz)
                answers = grading.full_marks_answers(attempt.snapshot)
                for question in attempt.snapshot["questions"]:
                    given = (
                        "An answer written for the load test."
                        if question["type"] == "essay"
                        else answers[question["id"]]
                    )
                    assessment_services.save_answer(attempt=attempt, question_id=question["id"], answer=given)
                assessment_services.submit_attempt(attempt=attempt)
                submitted += 1
    return submitted
