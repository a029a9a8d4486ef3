"""Migrates the test provider and writes its signing key, clients and people; safe to run again.

Run in its own process with this project's settings: `python -m accounts.tests.oidc_provider_site.setup SPEC`,
SPEC a JSON object {"clients": [{"client_id", "secret", "redirect_uris"}], "people": [{"username", "password",
"email", "first_name", "last_name", "groups"}]}.
"""

import json
import sys

import django


def main(spec: dict) -> None:
    django.setup()
    from django.contrib.auth.models import Group, User
    from django.core.management import call_command
    from oidc_provider.models import Client, ResponseType, RSAKey  # type: ignore[import-untyped]

    call_command("migrate", verbosity=0)
    if not RSAKey.objects.exists():
        call_command("creatersakey", verbosity=0)
    code_flow = ResponseType.objects.get(value="code")
    for entry in spec.get("clients", []):
        client, _ = Client.objects.update_or_create(
            client_id=entry["client_id"],
            defaults={
                "name": entry["client_id"],
                "client_type": "confidential",
                "client_secret": entry["secret"],
                "jwt_alg": entry.get("jwt_alg", "RS256"),
                "require_consent": False,
                "reuse_consent": True,
                "_redirect_uris": "\n".join(entry["redirect_uris"]),
            },
        )
        client.response_types.set([code_flow])
    for entry in spec.get("people", []):
        person, _ = User.objects.update_or_create(
            username=entry["username"],
            defaults={
                "email": entry["email"],
                "first_name": entry.get("first_name", ""),
                "last_name": entry.get("last_name", ""),
            },
        )
        person.set_password(entry["password"])
        person.save()
        person.groups.set([Group.objects.get_or_create(name=name)[0] for name in entry.get("groups", [])])


if __name__ == "__main__":
    main(json.loads(sys.argv[1]))
