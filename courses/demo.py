"""Demo courses for a newcomer's first look at the site (used by `manage.py seed_demo`).

Every function here is idempotent: it finds what an earlier run created (by slug, username or title)
and only creates what is missing.
"""

import io
from decimal import Decimal

from django.core.files.base import ContentFile
from django.core.files.images import ImageFile
from django.db import transaction
from PIL import Image as PILImage
from PIL import ImageColor, ImageDraw, ImageFont
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import Page

from .models import Category, CourseIndexPage, CoursePage, LessonPage, Level, ModulePage

CATEGORIES = {
    "programming": ("Programming", "Write software that works and keeps working."),
    "business": ("Business skills", "Lead projects and people with confidence."),
}


def _p(text: str) -> dict:
    return {"type": "rich_text", "value": f"<p>{text}</p>"}


def _callout(kind: str, title: str, text: str) -> dict:
    return {"type": "callout", "value": {"kind": kind, "title": title, "body": f"<p>{text}</p>"}}


def _code(language: str, code: str, caption: str = "") -> dict:
    return {"type": "code", "value": {"language": language, "code": code, "caption": caption}}


def _heading(text: str) -> dict:
    return {"type": "heading", "value": {"text": text, "size": "h2"}}


def _quote(text: str, who: str) -> dict:
    return {"type": "quote", "value": {"quote": text, "attribution": who}}


# title, slug, category, level, price, minutes, summary, description, modules
# modules: (title, summary, lessons); lessons: (title, minutes, free_preview, body blocks)
COURSES = [
    (
        "Python for Data Analysis",
        "python-for-data-analysis",
        "programming",
        Level.BEGINNER,
        Decimal("0.00"),
        240,
        "Load, clean and summarise real data sets with Python, from your first script to a tidy report.",
        "<p>You will learn the Python you need to answer questions with data: variables, lists and "
        "dictionaries, reading CSV files, and summarising what you find. No prior programming needed.</p>",
        [
            (
                "Getting started",
                "Install Python and write your first lines of code.",
                [
                    (
                        "Why Python for data?",
                        8,
                        True,
                        [
                            _heading("A language for questions"),
                            _p(
                                "Python reads almost like English, which lets you focus on the question you are "
                                "asking of your data instead of on the syntax."
                            ),
                            _quote("Simple is better than complex.", "The Zen of Python"),
                            _callout(
                                "tip",
                                "How to use this course",
                                "Type every example yourself. Copying and pasting teaches your clipboard.",
                            ),
                        ],
                    ),
                    (
                        "Your first script",
                        15,
                        False,
                        [
                            _p(
                                "Create a file called <code>hello.py</code> and run it with "
                                "<code>python hello.py</code>."
                            ),
                            _code("python", 'name = "Ada"\nprint(f"Hello, {name}!")', "Variables and f-strings"),
                            _callout("info", "Check your version", "This course uses Python 3.11 or newer."),
                        ],
                    ),
                ],
            ),
            (
                "Working with data",
                "Read a CSV file and summarise it.",
                [
                    (
                        "Reading CSV files",
                        20,
                        False,
                        [
                            _heading("The csv module"),
                            _code(
                                "python",
                                "import csv\n\nwith open('sales.csv', newline='') as f:\n"
                                "    rows = list(csv.DictReader(f))\nprint(len(rows), 'rows')",
                            ),
                            {
                                "type": "download",
                                "value": {
                                    "document": "sales.csv",
                                    "description": "The sample data used in this module",
                                },
                            },
                        ],
                    ),
                    (
                        "Summarising numbers",
                        20,
                        False,
                        [
                            _p("Totals, averages and counts answer most first questions about a data set."),
                            _code(
                                "python", "total = sum(float(r['amount']) for r in rows)\nprint(f'Total: {total:.2f}')"
                            ),
                            _callout(
                                "warning",
                                "Mind the text",
                                "Values read from a CSV file are text until you convert them.",
                            ),
                        ],
                    ),
                ],
            ),
        ],
    ),
    (
        "Building Web Apps with Django",
        "building-web-apps-with-django",
        "programming",
        Level.INTERMEDIATE,
        Decimal("149.00"),
        600,
        "Design, build and deploy a database-backed web application with Django, the right way.",
        "<p>From models to deployment: you will build a complete booking application, with tests, forms, "
        "authentication and a production checklist.</p>",
        [
            (
                "Models and the database",
                "Describe your data once and let Django do the SQL.",
                [
                    (
                        "Your first model",
                        25,
                        True,
                        [
                            _heading("Models are the source of truth"),
                            _code(
                                "python",
                                "class Room(models.Model):\n    name = models.CharField(max_length=80)\n"
                                "    capacity = models.PositiveIntegerField()",
                            ),
                            {
                                "type": "video",
                                "value": {
                                    "url": "https://media.learnwell.test/django/first-model.mp4",
                                    "title": "Creating the Room model",
                                    "transcript": "In this video we create the Room model and its first migration.",
                                },
                            },
                        ],
                    ),
                    (
                        "Migrations",
                        20,
                        False,
                        [
                            _code("bash", "python manage.py makemigrations\npython manage.py migrate"),
                            _callout("tip", "Commit migrations", "Migrations are code: review and commit them."),
                        ],
                    ),
                ],
            ),
            (
                "Views and templates",
                "Turn requests into pages.",
                [
                    ("Function-based views", 30, False, [_p("A view takes a request and returns a response.")]),
                    (
                        "Templates and inheritance",
                        30,
                        False,
                        [
                            _code("html", "{% extends 'base.html' %}\n{% block content %}<h1>Rooms</h1>{% endblock %}"),
                        ],
                    ),
                ],
            ),
        ],
    ),
    (
        "Project Management Essentials",
        "project-management-essentials",
        "business",
        Level.BEGINNER,
        Decimal("0.00"),
        180,
        "Plan, run and close projects that finish on time, with tools you can use on Monday morning.",
        "<p>Scope, schedule, risks and stakeholders: the essentials of running a project, explained with "
        "examples from real teams.</p>",
        [
            (
                "Starting a project",
                "Agree on what done looks like.",
                [
                    (
                        "The project charter",
                        15,
                        True,
                        [
                            _heading("One page, three questions"),
                            _p("Why are we doing this? What is in and out of scope? How will we know we are done?"),
                            _quote("Plans are nothing; planning is everything.", "Dwight D. Eisenhower"),
                        ],
                    ),
                    (
                        "Stakeholder mapping",
                        20,
                        False,
                        [
                            _p("List everyone affected by the project and rate their interest and influence."),
                            _callout("info", "Keep it current", "Revisit the map at every milestone."),
                        ],
                    ),
                ],
            ),
            (
                "Running the project",
                "Keep the plan and the work in step.",
                [
                    (
                        "Weekly status in ten minutes",
                        15,
                        False,
                        [
                            _p("Report progress against milestones, the top three risks and the decisions you need."),
                        ],
                    ),
                ],
            ),
        ],
    ),
    (
        "Negotiation Skills for Managers",
        "negotiation-skills-for-managers",
        "business",
        Level.ADVANCED,
        Decimal("89.00"),
        150,
        "Prepare, open and close negotiations that leave both sides better off.",
        "<p>Learn to prepare a BATNA, anchor well, trade concessions and close with a written agreement.</p>",
        [
            (
                "Preparation",
                "Most negotiations are won before they start.",
                [
                    (
                        "Know your alternative",
                        20,
                        True,
                        [
                            _heading("BATNA"),
                            _p("Your best alternative to a negotiated agreement sets the point where you walk away."),
                            _callout("tip", "Write it down", "A BATNA you have not written down is a wish."),
                        ],
                    ),
                    (
                        "Interests, not positions",
                        25,
                        False,
                        [
                            _p("Ask why the other side wants what it asks for; interests leave room to trade."),
                        ],
                    ),
                ],
            ),
        ],
    ),
]


def _cover_image(title: str, colours: tuple[str, str]):
    """A generated cover (gradient and title), so the demo needs no downloaded files."""
    image_model = get_image_model()
    existing = image_model.objects.filter(title=f"Cover: {title}").first()
    if existing:
        return existing
    width, height = 1280, 720
    canvas = PILImage.new("RGB", (width, height), colours[0])
    draw = ImageDraw.Draw(canvas)
    start, end = ImageColor.getrgb(colours[0]), ImageColor.getrgb(colours[1])
    for x in range(width):
        mix = x / width
        colour = tuple(round(a + (b - a) * mix) for a, b in zip(start, end, strict=True))
        draw.line([(x, 0), (x, height)], fill=colour)
    font = ImageFont.load_default(size=64)
    draw.text((80, height - 200), title, fill="white", font=font)
    buffer = io.BytesIO()
    canvas.save(buffer, format="PNG")
    image = image_model(title=f"Cover: {title}", file=ImageFile(buffer, name=f"cover-{title[:30]}.png"))
    image.save()
    return image


def _sample_document():
    document_model = get_document_model()
    existing = document_model.objects.filter(title="sales.csv").first()
    if existing:
        return existing
    rows = "date,region,amount\n2026-01-05,North,120.50\n2026-01-06,South,98.00\n2026-01-07,North,143.25\n"
    document = document_model(title="sales.csv", file=ContentFile(rows.encode(), name="sales.csv"))
    document.save()
    return document


def _publish(page: Page) -> None:
    page.save_revision().publish()


def _resolve_blocks(blocks: list[dict], document) -> list[dict]:
    """Swap the placeholder document name in download blocks for the real document id."""
    resolved = []
    for block in blocks:
        if block["type"] == "download":
            block = {"type": "download", "value": {**block["value"], "document": document.pk}}
        resolved.append(block)
    return resolved


COVER_COLOURS = [("#4338ca", "#0ea5e9"), ("#0f766e", "#84cc16"), ("#9d174d", "#f97316"), ("#1e3a8a", "#a855f7")]


@transaction.atomic
def seed_catalogue(*, home: Page, trainer) -> tuple[CourseIndexPage, list[CoursePage]]:
    catalogue = CourseIndexPage.objects.child_of(home).filter(slug="courses").first()
    if catalogue is None:
        catalogue = home.add_child(
            instance=CourseIndexPage(
                title="Courses",
                slug="courses",
                intro="Self-paced courses by working practitioners. Start free, learn at your pace.",
                show_in_menus=True,
            )
        )
        _publish(catalogue)

    categories = {}
    for slug, (name, description) in CATEGORIES.items():
        categories[slug], _ = Category.objects.get_or_create(
            slug=slug, defaults={"name": name, "description": description}
        )
    document = _sample_document()

    courses = []
    for index, (title, slug, category, level, price, minutes, summary, description, modules) in enumerate(COURSES):
        course = CoursePage.objects.child_of(catalogue).filter(slug=slug).first()
        if course is None:
            course = catalogue.add_child(
                instance=CoursePage(
                    title=title,
                    slug=slug,
                    summary=summary,
                    description=description,
                    category=categories[category],
                    level=level,
                    price=price,
                    estimated_minutes=minutes,
                    trainer=trainer,
                    cover_image=_cover_image(title, COVER_COLOURS[index % len(COVER_COLOURS)]),
                    search_description=summary,
                )
            )
            _publish(course)
            for module_title, module_summary, lessons in modules:
                module = course.add_child(instance=ModulePage(title=module_title, summary=module_summary))
                _publish(module)
                for lesson_title, lesson_minutes, free_preview, body in lessons:
                    lesson = module.add_child(
                        instance=LessonPage(
                            title=lesson_title,
                            estimated_minutes=lesson_minutes,
                            is_free_preview=free_preview,
                            body=_resolve_blocks(body, document),
                        )
                    )
                    _publish(lesson)
        courses.append(course)

    # The Django course builds on the Python one.
    django_course = next(c for c in courses if c.slug == "building-web-apps-with-django")
    python_course = next(c for c in courses if c.slug == "python-for-data-analysis")
    if not django_course.prerequisites.filter(pk=python_course.pk).exists():
        django_course.prerequisites.add(python_course)
        _publish(django_course)
    return catalogue, courses
