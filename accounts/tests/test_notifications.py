"""Notification e-mails: sent once per event, only to people who want them, never for a rolled-back change."""

import base64

import pytest
from django.db import transaction
from django.urls import reverse

from accounts import services
from accounts.models import Notification, SentNotification
from accounts.tasks import send_account_email

pytestmark = pytest.mark.django_db


@pytest.fixture
def course(course):
    course.title = "Q&A"
    course.save_revision().publish()
    return course


@pytest.fixture
def _notify(course):
    def notify(user, key="event:1", kind=Notification.ENROLMENT):
        return services.notify(
            user=user, kind=kind, key=key, template="learning/emails/enrolled", context={"course": course}
        )

    return notify


def test_an_event_is_mailed_once_however_often_it_is_announced(
    learner, mailoutbox, django_capture_on_commit_callbacks, _notify
):
    with django_capture_on_commit_callbacks(execute=True):
        assert _notify(learner) is True
        assert _notify(learner) is False
        assert _notify(learner, key="event:2") is True
    assert [message.to for message in mailoutbox] == [[learner.email], [learner.email]]
    # Plain text is not HTML-escaped.
    assert mailoutbox[0].subject == "You are enrolled in Q&A"


def test_a_rolled_back_change_sends_nothing_and_can_be_announced_later(
    learner, mailoutbox, django_capture_on_commit_callbacks, _notify
):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        _notify(learner)
        raise RuntimeError("the change that wanted the e-mail failed")
    assert mailoutbox == [] and not SentNotification.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        assert _notify(learner) is True
    assert len(mailoutbox) == 1


def test_a_muted_kind_is_not_sent_but_receipts_always_are(
    learner, mailoutbox, django_capture_on_commit_callbacks, _notify
):
    services.update_notification_preferences(user=learner, wanted=[Notification.GRADE, Notification.RECEIPT])
    learner.refresh_from_db()
    assert learner.muted_notifications == ["booking", "certificate", "enrolment"]
    with django_capture_on_commit_callbacks(execute=True):
        assert _notify(learner, kind=Notification.ENROLMENT) is False
        assert _notify(learner, kind=Notification.GRADE) is True
    assert services.claim_notification(user=learner, kind=Notification.RECEIPT, key="order:1") is True
    # Muting every optional kind still leaves receipts on.
    services.update_notification_preferences(user=learner, wanted=[])
    assert services.claim_notification(user=learner, kind=Notification.RECEIPT, key="order:2") is True
    assert len(mailoutbox) == 1


def test_attachments_travel_as_base64(mailoutbox):
    content = b"%PDF-1.4 receipt"
    send_account_email(
        subject="Receipt",
        body="Attached.",
        to=["a@example.com"],
        attachments=[("receipt.pdf", base64.b64encode(content).decode(), "application/pdf")],
    )
    assert mailoutbox[0].attachments == [("receipt.pdf", content, "application/pdf")]


class TestPreferencesOnTheProfile:
    def test_the_profile_lists_the_optional_kinds_and_says_receipts_always_go(self, client, learner):
        client.force_login(learner)
        html = client.get(reverse("accounts:profile")).content.decode()
        for kind in (Notification.ENROLMENT, Notification.CERTIFICATE, Notification.GRADE, Notification.BOOKING):
            assert f'value="{kind.value}"' in html
        assert 'value="receipt"' not in html
        assert "Purchase receipts and account e-mails" in html

    def test_saving_turns_kinds_off_and_on(self, client, learner):
        client.force_login(learner)
        url = reverse("accounts:notification_preferences")
        response = client.post(url, {"wanted": ["grade", "booking"]})
        assert response.status_code == 302
        learner.refresh_from_db()
        assert learner.muted_notifications == ["certificate", "enrolment"]
        client.post(url, {"wanted": ["grade", "booking", "certificate", "enrolment"]})
        learner.refresh_from_db()
        assert learner.muted_notifications == []
        html = client.get(reverse("accounts:profile")).content.decode()
        assert html.count("checked") >= 4

    def test_a_receipt_cannot_be_turned_off_and_a_bad_value_changes_nothing(self, client, learner):
        client.force_login(learner)
        response = client.post(reverse("accounts:notification_preferences"), {"wanted": ["receipt"]}, follow=True)
        learner.refresh_from_db()
        assert learner.muted_notifications == []
        assert "Choose notifications from the list." in response.content.decode()

    def test_visitors_are_sent_to_sign_in_and_get_cannot_change_anything(self, client, learner):
        url = reverse("accounts:notification_preferences")
        assert reverse("accounts:sign_in") in client.post(url, {"wanted": []})["Location"]
        client.force_login(learner)
        assert client.get(url).status_code == 405


def test_quiet_notifications_record_the_event_without_mailing_it(
    learner, mailoutbox, django_capture_on_commit_callbacks, _notify
):
    with services.quiet_notifications(), django_capture_on_commit_callbacks(execute=True):
        assert _notify(learner) is True
    assert mailoutbox == []
    # The event counts as told: it is not mailed later either.
    with django_capture_on_commit_callbacks(execute=True):
        assert _notify(learner) is False
    assert mailoutbox == []
