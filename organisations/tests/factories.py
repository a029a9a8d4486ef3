from django.utils import timezone

from accounts.tests.factories import UserFactory
from organisations.models import MemberRole, Membership, Organisation

_counter = iter(range(1, 10**6))


def make_organisation(name: str = "", **fields) -> Organisation:
    n = next(_counter)
    name = name or f"Acme {n}"
    fields.setdefault("slug", f"acme-{n}")
    fields.setdefault("billing_email", f"billing{n}@example.com")
    return Organisation.objects.create(name=name, **fields)


def make_member(organisation: Organisation, *, role: str = MemberRole.MEMBER, user=None, **user_fields) -> Membership:
    user = user or UserFactory(**user_fields)
    return Membership.objects.create(organisation=organisation, user=user, role=role, joined_at=timezone.now())


def make_manager(organisation: Organisation, **user_fields) -> Membership:
    return make_member(organisation, role=MemberRole.MANAGER, **user_fields)
