"""Demo data: a set of badges with different rules, so learners see some earned and some in progress."""

from courses.models import Category

from .models import Badge, BadgeRule

# name, description, rule, threshold, category slug
DEMO_BADGES = [
    ("First steps", "Complete your first lesson.", BadgeRule.LESSONS_COMPLETED, 1, None),
    ("Bookworm", "Complete 10 lessons.", BadgeRule.LESSONS_COMPLETED, 10, None),
    ("Quiz passer", "Pass an assessment.", BadgeRule.ASSESSMENTS_PASSED, 1, None),
    ("Perfectionist", "Score 100% on 3 assessments.", BadgeRule.PERFECT_ASSESSMENTS, 3, None),
    ("Finisher", "Complete a course.", BadgeRule.COURSES_COMPLETED, 1, None),
    ("Programmer", "Complete a programming course.", BadgeRule.COURSES_COMPLETED, 1, "programming"),
    ("On a roll", "Learn 3 days in a row.", BadgeRule.STREAK_DAYS, 3, None),
    ("Week warrior", "Learn 7 days in a row.", BadgeRule.STREAK_DAYS, 7, None),
    ("Live learner", "Attend 3 live sessions.", BadgeRule.SESSIONS_ATTENDED, 3, None),
    ("Centurion", "Earn 100 points.", BadgeRule.POINTS, 100, None),
]


def seed_badges() -> None:
    """Idempotent: badges are found by name, an admin's later edits are kept."""
    for order, (name, description, rule, threshold, category_slug) in enumerate(DEMO_BADGES):
        category = Category.objects.filter(slug=category_slug).first() if category_slug else None
        Badge.objects.get_or_create(
            name=name,
            defaults={
                "description": description,
                "rule": rule,
                "threshold": threshold,
                "category": category,
                "sort_order": order,
            },
        )
