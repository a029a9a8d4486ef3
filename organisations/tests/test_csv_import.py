"""Inviting from a CSV file: every row checked and shown before anything is written; all or nothing."""

import re
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from organisations import csv_import, services
from organisations.models import Group, Invitation, MemberRole

from .factories import make_member

HEADER = "email,first_name,last_name,role,group\n"


def check(text: str | bytes, **known):
    data = text.encode() if isinstance(text, str) else text
    sets = {"member_emails": set(), "invited_emails": set(), "group_names": set(), **known}
    return csv_import.check(csv_import.read(data), **sets)


class TestReading:
    """Pure: no database."""

    def test_a_good_file_with_a_bom_semicolons_and_any_header_case(self):
        rows = check(
            "\ufeffE-mail;First name;Last_Name;Role;Group\r\nada@example.com;Ada;Lovelace;Manager;Eng\r\n\r\n",
            group_names={"eng"},
        )
        assert [(r.line, r.email, r.first_name, r.last_name, r.role, r.group) for r in rows] == [
            (2, "ada@example.com", "Ada", "Lovelace", "manager", "Eng")
        ]
        assert rows[0].errors == [] and rows[0].notes == []

    def test_every_kind_of_row_error_is_reported_on_its_row(self):
        rows = check(
            HEADER
            + "ok@example.com,,,,\n"
            + "not-an-address,,,,\n"
            + ",Nobody,,,\n"
            + "OK@example.com,,,,\n"
            + "member@example.com,,,,\n"
            + "invited@example.com,,,,\n"
            + "boss@example.com,,,owner,\n"
            + "grouped@example.com,,,,New team\n",
            member_emails={"member@example.com"},
            invited_emails={"invited@example.com"},
        )
        by_line = {row.line: row for row in rows}
        assert by_line[2].errors == []
        assert "not a valid e-mail" in by_line[3].errors[0]
        assert "missing" in by_line[4].errors[0]
        assert "line 2" in by_line[5].errors[0]  # duplicate, whatever the case
        assert "already a member" in by_line[6].errors[0]
        assert by_line[7].errors == [] and "replaced" in by_line[7].notes[0]
        assert "Unknown role" in by_line[8].errors[0]
        assert by_line[9].errors == [] and "will be created" in by_line[9].notes[0]
        assert csv_import.has_errors(rows)

    @pytest.mark.parametrize(
        "data, message",
        [
            (b"", "empty"),
            (b"name,role\nAda,member\n", "email"),
            (HEADER.encode(), "lists nobody"),
            ("email\nzoë@example.com\n".encode("latin-1"), "UTF-8"),
            (b"email\n\x00\n", "not a CSV"),
            (b"email\n" + b"a" * csv_import.MAX_BYTES, "larger than"),
        ],
    )
    def test_files_that_cannot_be_read_say_why(self, data, message):
        with pytest.raises(csv_import.CsvFileError, match=message):
            csv_import.read(data)

    def test_too_many_rows(self):
        data = "email\n" + "".join(f"p{n}@example.com\n" for n in range(csv_import.MAX_ROWS + 1))
        with pytest.raises(csv_import.CsvFileError, match="more than"):
            csv_import.read(data.encode())

    def test_overlong_values_are_row_errors(self):
        rows = check(f"email,first_name,group\n{'a' * 250}@example.com,{'n' * 200},{'g' * 200}\n")
        assert len(rows[0].errors) == 3


def upload(client, org, text: str | bytes, name="people.csv"):
    data = text.encode() if isinstance(text, str) else text
    return client.post(
        reverse("organisations:import_csv", args=[org.slug]), {"file": SimpleUploadedFile(name, data, "text/csv")}
    )


def payload_of(response) -> str:
    return re.search(r'name="payload" value="([^"]+)"', response.content.decode()).group(1)


def confirm(client, org, payload):
    return client.post(reverse("organisations:import_confirm", args=[org.slug]), {"payload": payload})


@pytest.mark.django_db
class TestImporting:
    def test_bad_rows_are_shown_and_nothing_is_written(self, client, org, manager, member):
        client.force_login(manager.user)
        text = HEADER + f"good@example.com,,,,Sales\n{member.user.email},,,,\nbad,,,,\n"
        response = upload(client, org, text)
        body = response.content.decode()
        assert response.status_code == 400
        assert "already a member" in body and "not a valid e-mail" in body and "good@example.com" in body
        assert 'name="payload"' not in body  # no way to import
        assert not Invitation.objects.exists() and not Group.objects.exists()

    def test_a_file_error_is_shown_on_the_form(self, client, org, manager):
        client.force_login(manager.user)
        response = upload(client, org, "name\nAda\n")
        assert response.status_code == 400 and "email" in response.content.decode()
        assert client.post(reverse("organisations:import_csv", args=[org.slug]), {"file": "x" * 100}).status_code == 400

    def test_preview_then_confirm_invites_everyone_in_one_go(
        self, client, org, manager, mailoutbox, django_capture_on_commit_callbacks
    ):
        existing = services.create_group(organisation=org, name="Sales")
        old = services.invite(organisation=org, email="b@example.com", by=manager.user)
        client.force_login(manager.user)
        text = HEADER + "a@example.com,Ada,L,manager,sales\nB@example.com,Bo,,member,New team\nc@example.com,,,,\n"
        preview = upload(client, org, text)
        assert preview.status_code == 200 and "replaced" in preview.content.decode()
        assert Invitation.objects.count() == 1  # the preview wrote nothing

        with django_capture_on_commit_callbacks(execute=True):
            response = confirm(client, org, payload_of(preview))
        assert response.status_code == 302
        invitations = {i.email: i for i in Invitation.objects.filter(revoked_at__isnull=True)}
        assert set(invitations) == {"a@example.com", "B@example.com", "c@example.com"}
        assert invitations["a@example.com"].role == MemberRole.MANAGER
        assert list(invitations["a@example.com"].groups.all()) == [existing]
        assert [g.name for g in invitations["B@example.com"].groups.all()] == ["New team"]
        old.refresh_from_db()
        assert old.revoked_at is not None
        assert sorted(mail.to[0] for mail in mailoutbox) == ["B@example.com", "a@example.com", "c@example.com"]

    def test_confirm_checks_again_and_refuses_an_altered_payload(self, client, org, manager):
        client.force_login(manager.user)
        preview = upload(client, org, HEADER + "a@example.com,,,,\n")
        payload = payload_of(preview)
        assert confirm(client, org, payload[:-3] + "abc").status_code == 302
        assert confirm(client, org, "").status_code == 302
        assert not Invitation.objects.exists()
        # Someone became a member between the preview and the confirmation: shown again, nothing written.
        make_member(org, email="a@example.com")
        response = confirm(client, org, payload)
        assert response.status_code == 400 and "already a member" in response.content.decode()
        assert not Invitation.objects.exists()

    def test_a_payload_is_for_its_organisation_and_manager_only(self, client, org, manager):
        from .factories import make_manager, make_organisation

        client.force_login(manager.user)
        payload = payload_of(upload(client, org, HEADER + "a@example.com,,,,\n"))
        other = make_organisation()
        client.force_login(make_manager(other).user)
        assert confirm(client, other, payload).status_code == 302
        client.force_login(make_manager(org).user)
        assert confirm(client, org, payload).status_code == 302
        assert not Invitation.objects.exists()

    def test_a_thousand_rows_preview_and_import_in_under_ten_seconds(
        self, client, org, manager, django_capture_on_commit_callbacks, mailoutbox
    ):
        client.force_login(manager.user)
        text = HEADER + "".join(f"person{n}@example.com,First{n},Last{n},member,Team {n % 7}\n" for n in range(1000))
        started = time.perf_counter()
        preview = upload(client, org, text)
        assert preview.status_code == 200
        with django_capture_on_commit_callbacks(execute=True):
            response = confirm(client, org, payload_of(preview))
        elapsed = time.perf_counter() - started
        print(f"\n1,000-row CSV preview + import (with the e-mails sent): {elapsed:.2f} s")
        assert response.status_code == 302
        assert Invitation.objects.filter(organisation=org, revoked_at__isnull=True).count() == 1000
        assert Group.objects.filter(organisation=org).count() == 7
        assert Invitation.groups.through.objects.count() == 1000
        assert len(mailoutbox) == 1000
        assert elapsed < 10
