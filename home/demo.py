"""Marketing content for a fresh site: the home page's body and the teams landing page.

`seed_demo` calls this after it has created the courses. Running it again changes nothing, so a
developer can re-run the seed, and an editor's own home page content is never overwritten.
"""

from collections.abc import Sequence

from django.db import transaction

from courses.models import CourseIndexPage, CoursePage

from .models import HomePage, LandingPage

TEAMS_PAGE_SLUG = "for-teams"


def seed_home_content(
    *, home_page: HomePage, catalogue: CourseIndexPage, featured_courses: Sequence[CoursePage]
) -> None:
    with transaction.atomic():
        _show_catalogue_in_menus(catalogue=catalogue)
        # Reloaded so the tree bookkeeping (numchild) and the body are current, not the caller's copy.
        home = HomePage.objects.get(pk=home_page.pk)
        teams_page = _ensure_teams_page(home=home, catalogue=catalogue, featured_courses=featured_courses)
        _fill_home_page(home=home, catalogue=catalogue, teams_page=teams_page, featured_courses=featured_courses)


def _show_catalogue_in_menus(*, catalogue: CourseIndexPage) -> None:
    page = CourseIndexPage.objects.get(pk=catalogue.pk)
    if page.show_in_menus:
        return
    page.show_in_menus = True
    page.save_revision().publish()


def _fill_home_page(
    *, home: HomePage, catalogue: CourseIndexPage, teams_page: LandingPage, featured_courses: Sequence[CoursePage]
) -> None:
    # A draft counts as content: an editor's unpublished work must not be replaced by demo copy.
    page = home.get_latest_revision_as_object()
    if page.body:
        return
    body = [
        (
            "hero",
            {
                "heading": "Learn the skills your next role asks for",
                "text": (
                    "Short, practical online courses written by people who do the work. "
                    "Start with a free preview lesson and learn at your own pace."
                ),
                "image": None,
                "button_label": "Browse the courses",
                "link": {"page": catalogue, "url": ""},
            },
        ),
        (
            "feature_grid",
            {
                "heading": "Why learners choose Learnwell",
                "intro": "Everything is built around finishing what you start.",
                "features": [
                    {
                        "icon": "🎯",
                        "title": "Practical from lesson one",
                        "text": "Every lesson ends with an exercise you can use at work the same week.",
                    },
                    {
                        "icon": "⏱️",
                        "title": "Fits around your week",
                        "text": "Lessons take ten to twenty minutes, and your progress is saved on every device.",
                    },
                    {
                        "icon": "🧑‍🏫",
                        "title": "Trainers who answer",
                        "text": "Ask questions in live sessions and get written feedback on your assignments.",
                    },
                    {
                        "icon": "🏅",
                        "title": "Certificates that check out",
                        "text": "Each certificate has a public verification page employers can open in one click.",
                    },
                ],
            },
        ),
    ]
    if featured_courses:
        body.append(
            (
                "featured_courses",
                {
                    "heading": "Popular courses",
                    "intro": "A good place to start if you are new here.",
                    "courses": list(featured_courses),
                },
            )
        )
    body += [
        (
            "testimonial",
            {
                "quote": (
                    "I did the Python course in three weeks of lunch breaks. Two months later I was running "
                    "the team's weekly reports myself."
                ),
                "name": "Priya Raman",
                "role": "Operations analyst, Northwind Logistics",
                "image": None,
            },
        ),
        (
            "call_to_action",
            {
                "heading": "Training a whole team?",
                "text": "Enrol your colleagues together, follow their progress and pay with a single invoice.",
                "button_label": "Learnwell for teams",
                "link": {"page": teams_page, "url": ""},
            },
        ),
    ]
    page.body = body
    if not page.seo_title:
        page.seo_title = "Practical online courses with certificates"
    if not page.search_description:
        page.search_description = (
            "Short, practical online courses with certificates you can verify. Learn at your own pace."
        )
    page.save_revision().publish()


def _ensure_teams_page(
    *, home: HomePage, catalogue: CourseIndexPage, featured_courses: Sequence[CoursePage]
) -> LandingPage:
    existing = home.get_children().filter(slug=TEAMS_PAGE_SLUG).first()
    if existing is not None:
        return existing.specific
    body = [
        (
            "hero",
            {
                "heading": "Training your team, without the admin",
                "text": (
                    "Give everyone on your team the same courses, see who is progressing and who needs a nudge, "
                    "and pay for it all on one invoice."
                ),
                "image": None,
                "button_label": "See the courses",
                "link": {"page": catalogue, "url": ""},
            },
        ),
        (
            "feature_grid",
            {
                "heading": "Built for managers as well as learners",
                "intro": "",
                "features": [
                    {
                        "icon": "📊",
                        "title": "Progress at a glance",
                        "text": "Completion and assessment results for your whole team, exportable as a spreadsheet.",
                    },
                    {
                        "icon": "📅",
                        "title": "Live sessions for your team",
                        "text": "Book trainer-led sessions with attendance taken for you.",
                    },
                    {
                        "icon": "🧾",
                        "title": "One invoice",
                        "text": "Buy seats for several courses at once and pay by card or bank transfer.",
                    },
                ],
            },
        ),
    ]
    if featured_courses:
        body.append(
            (
                "featured_courses",
                {
                    "heading": "Where teams usually start",
                    "intro": "",
                    "courses": list(featured_courses),
                },
            )
        )
    body += [
        (
            "testimonial",
            {
                "quote": (
                    "We moved our onboarding to Learnwell. New starters finish in their first fortnight and I "
                    "can see exactly where each of them is."
                ),
                "name": "Tomás Ferreira",
                "role": "Head of Customer Support, Brightline",
                "image": None,
            },
        ),
        (
            "call_to_action",
            {
                "heading": "Start with one course",
                "text": "Pick a course for your team and see how it goes. No contract, no minimum number of seats.",
                "button_label": "Browse the catalogue",
                "link": {"page": catalogue, "url": ""},
            },
        ),
    ]
    teams_page = LandingPage(
        title="Learnwell for teams",
        slug=TEAMS_PAGE_SLUG,
        show_in_menus=False,
        seo_title="Online training for teams, with progress reports",
        search_description=(
            "Enrol your team in practical online courses, follow their progress and pay with a single invoice."
        ),
        body=body,
    )
    home.add_child(instance=teams_page)
    teams_page.save_revision().publish()
    return teams_page
