from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.tests.factories import UserFactory
from api import services


def make_token(user, scope="read", days=30) -> str:
    return services.create_token(
        user=user, name="test", scope=scope, expires_at=timezone.now() + timedelta(days=days)
    ).secret


@pytest.fixture
def other_learner(db):
    return UserFactory(role="learner")


@pytest.fixture
def api_get(client):
    def get(path, token=None, **params):
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return client.get(f"/api/v1{path}", params, headers=headers)

    return get


@pytest.fixture
def api_send(client):
    def send(method, path, token=None, body=None):
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return getattr(client, method)(f"/api/v1{path}", body, content_type="application/json", headers=headers)

    return send
