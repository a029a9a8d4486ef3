"""Demo accounts for `manage.py seed_demo`. The passwords are public: development only."""

from .models import Role, User

DEMO_ACCOUNTS = [
    # username, password, role, first name, last name
    ("admin", "learnwell-admin", Role.ADMIN, "Ada", "Admin"),
    ("trainer", "learnwell-trainer", Role.TRAINER, "Tom", "Trainer"),
    ("learner", "learnwell-learner", Role.LEARNER, "Lena", "Learner"),
    ("learner2", "learnwell-learner2", Role.LEARNER, "Leo", "Learner"),
]


def seed_accounts() -> dict[str, User]:
    """Creates the demo accounts that do not exist yet; existing ones (and their passwords) are left alone."""
    users = {}
    for username, password, role, first_name, last_name in DEMO_ACCOUNTS:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User(
                username=username,
                email=f"{username}@learnwell.test",
                role=role,
                first_name=first_name,
                last_name=last_name,
            )
            user.set_password(password)
            user.save()
        users[username] = user
    return users
