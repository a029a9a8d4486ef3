"""Demo data for teams: an organisation with a manager, eight members in two groups, a paid seat order and
assignments (some overdue). Idempotent: what exists is found by its slug, usernames and names."""

from datetime import timedelta

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role, User
from billing import simulator
from courses.models import CoursePage, LessonPage
from home.demo import TEAMS_PAGE_SLUG
from home.models import HomePage
from learning import selectors as learning_selectors
from learning import services as learning_services

from . import services
from .models import Assignment, Group, MemberRole, Organisation, OrganisationOrder, SeatChangeReason

DEMO_ORGANISATION = "northwind-logistics"
DEMO_MANAGER = ("manager", "learnwell-manager", "Mara", "Manager")
DEMO_MEMBER_PASSWORD = "learnwell-member"  # noqa: S105 (public, like the other demo accounts)
# username, first name, last name, group
DEMO_MEMBERS = [
    ("nw-anna", "Anna", "Berg", "Operations"),
    ("nw-ben", "Ben", "Costa", "Operations"),
    ("nw-chloe", "Chloé", "Dubois", "Operations"),
    ("nw-dev", "Dev", "Patel", "Operations"),
    ("nw-emma", "Emma", "Fischer", "Sales"),
    ("nw-farid", "Farid", "Haddad", "Sales"),
    ("nw-grace", "Grace", "Ito", "Sales"),
    ("nw-hugo", "Hugo", "Jensen", "Sales"),
]
# The seats bought: (course slug, quantity); the paid courses of the demo catalogue.
DEMO_SEATS = [("building-web-apps-with-django", 5), ("negotiation-skills-for-managers", 5)]


def seed_organisation(*, courses: list[CoursePage], home: HomePage) -> Organisation | None:
    by_slug = {course.slug: course for course in courses}
    if any(slug not in by_slug for slug, _ in DEMO_SEATS):
        return None
    organisation = Organisation.objects.filter(slug=DEMO_ORGANISATION).first()
    if organisation is None:
        organisation = Organisation.objects.create(
            name="Northwind Logistics",
            slug=DEMO_ORGANISATION,
            billing_contact="Mara Manager",
            billing_email="accounts@northwind.example",
            tax_id="DE123456789",
            address="Hafenstraße 12\n20457 Hamburg\nGermany",
        )
    manager = _account(*DEMO_MANAGER)
    services.add_member(organisation=organisation, user=manager, role=MemberRole.MANAGER)
    groups = {name: _group(organisation, name) for name in ("Operations", "Sales")}
    members = {}
    for username, first_name, last_name, group in DEMO_MEMBERS:
        user = _account(username, DEMO_MEMBER_PASSWORD, first_name, last_name)
        membership = services.add_member(organisation=organisation, user=user)
        if not membership.groups.filter(pk=groups[group].pk).exists():
            groups[group].members.add(membership)
        members[username] = membership

    if not OrganisationOrder.objects.filter(organisation=organisation).exists():
        _paid_seat_order(organisation=organisation, manager=manager, courses=by_slug)

    today = timezone.localdate()
    django, negotiation = by_slug["building-web-apps-with-django"], by_slug["negotiation-skills-for-managers"]
    python = by_slug.get("python-for-data-analysis")
    if not Assignment.objects.filter(organisation=organisation).exists():
        # Operations learn Django within a month; Sales had negotiation due last week (some are late) and Python
        # (free: no seat) next quarter.
        for username, *_, group in DEMO_MEMBERS:
            membership = members[username]
            if group == "Operations":
                services.assign_course(
                    membership=membership,
                    course=django,
                    due_on=today + timedelta(days=30),
                    by=manager,
                    group=groups[group],
                )
            else:
                services.assign_course(
                    membership=membership,
                    course=negotiation,
                    due_on=today - timedelta(days=7),
                    by=manager,
                    group=groups[group],
                )
                if python is not None:
                    services.assign_course(
                        membership=membership,
                        course=python,
                        due_on=today + timedelta(days=90),
                        by=manager,
                        group=groups[group],
                    )
        # Some progress: two of Sales finished negotiation on time, one Operations member is half-way.
        progress = (("nw-emma", negotiation, 1.0), ("nw-farid", negotiation, 1.0), ("nw-anna", django, 0.5))
        for username, course, share in progress:
            _study(members[username].user, course, share)
    _link_teams_page(home)
    return organisation


def _account(username: str, password: str, first_name: str, last_name: str) -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User(
            username=username,
            email=f"{username}@learnwell.test",
            role=Role.LEARNER,
            first_name=first_name,
            last_name=last_name,
        )
        user.set_password(password)
        user.save()
    return user


def _group(organisation: Organisation, name: str) -> Group:
    group, _ = Group.objects.get_or_create(organisation=organisation, name=name)
    return group


def _paid_seat_order(*, organisation: Organisation, manager: User, courses: dict[str, CoursePage]) -> None:
    """The seats, bought as a manager buys them and paid through the simulator's signed webhook. Where the
    simulator is off (a demo seeded with production settings), an admin's audited adjustment gives them."""
    lines = [(courses[slug], quantity) for slug, quantity in DEMO_SEATS]
    if not settings.BILLING_SIMULATOR_ENABLED:
        for course, quantity in lines:
            services.change_seats(
                organisation=organisation,
                course=course,
                delta=quantity,
                reason=SeatChangeReason.ADMIN,
                note="Demo seats (the payment simulator is off on this server).",
            )
        return
    order = services.buy_seats(
        organisation=organisation, by=manager, lines=lines, base_url=settings.WAGTAILADMIN_BASE_URL
    )
    simulator.pay(order=order)


def _study(user: User, course: CoursePage, share: float) -> None:
    enrollment = learning_selectors.enrollment_for(user=user, course=course)
    if enrollment is None:
        return
    lessons = list(LessonPage.objects.live().descendant_of(course).order_by("path"))
    for lesson in lessons[: round(len(lessons) * share)]:
        enrollment = learning_services.complete_lesson(enrollment=enrollment, lesson=lesson).enrollment


def _link_teams_page(home: HomePage) -> None:
    """The For teams page ends with a way to buy for a team (once)."""
    page = home.get_children().filter(slug=TEAMS_PAGE_SLUG).first()
    if page is None:
        return
    page = page.specific
    url = reverse("organisations:create")
    if any(block.block_type == "call_to_action" and block.value["link"].get("url") == url for block in page.body):
        return
    page.body.append(
        (
            "call_to_action",
            {
                "heading": "Buy for your team",
                "text": (
                    "Choose the courses and the number of seats, pay by card or bank transfer, then invite your people."
                ),
                "button_label": "Buy for your team",
                "link": {"page": None, "url": url},
            },
        )
    )
    page.save_revision().publish()
