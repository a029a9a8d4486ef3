from django.db import migrations

DEFAULT_POINTS = {
    "lesson_completed": 10,
    "assessment_passed": 25,
    "perfect_score": 15,
    "course_completed": 100,
    "session_attended": 20,
    "daily_streak": 5,
}


def create_rules(apps, schema_editor):
    PointRule = apps.get_model("gamification", "PointRule")
    for rule, points in DEFAULT_POINTS.items():
        PointRule.objects.get_or_create(rule=rule, defaults={"points": points})


class Migration(migrations.Migration):
    dependencies = [("gamification", "0001_initial")]

    operations = [migrations.RunPython(create_rules, migrations.RunPython.noop)]
