"""The group editor offers no model permissions for admin screens whose access is decided by role."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from wagtail import hooks

from billing.models import Order
from certificates.models import Certificate
from gamification.models import Badge, PointEntry, PointRule
from media_pipeline.models import VideoAsset
from scheduling.models import LiveSession

ROLE_DECIDED = [Order, Certificate, Badge, PointEntry, PointRule, VideoAsset, LiveSession]


@pytest.mark.django_db
def test_role_decided_models_have_no_permission_boxes_in_the_group_editor(admin_client):
    # Viewsets register their permissions when the admin's URLs load, as opening the group editor does.
    assert admin_client.get(reverse("wagtailusers_groups:add")).status_code == 200
    offered = set()
    for register in hooks.get_hooks("register_permissions"):
        offered.update(register().values_list("content_type_id", flat=True))
    assert offered, "the group editor offers permissions for something"
    for model in ROLE_DECIDED:
        assert ContentType.objects.get_for_model(model).pk not in offered, model.__name__
