"""The shared guards against unreadable input: the id converter, the number and JSON readers, safe search,
the query-length limit, the admin's net for library crashes, and deletes refused with a message."""

import json
from decimal import Decimal

import pytest
from django.db.models import ProtectedError
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse

from accounts.models import User
from accounts.tests.factories import UserFactory
from courses.models import CoursePage
from learning import services as learning_services
from lms_site.inputs import MAX_ID, BadInput, json_depth, read_decimal, read_id, read_int, read_json
from lms_site.middleware import RefuseUnreadableInput
from lms_site.search_backend import plain_words, safe_query


class TestReadNumbers:
    @pytest.mark.parametrize("raw", ["12", " 12 ", 12, "+12"])
    def test_reads_an_integer(self, raw):
        assert read_int(raw) == 12

    @pytest.mark.parametrize(
        "raw", [None, "", "1.5", "NaN", "1e3", "9" * 5000, str(MAX_ID + 1), "１２", "12abc", True, [], "0x10"]
    )
    def test_anything_else_is_none(self, raw):
        assert read_int(raw) is None

    def test_bounds(self):
        assert read_int("5", min_value=6) is None
        assert read_int("-5", min_value=-5) == -5
        assert read_int(str(MAX_ID)) == MAX_ID
        assert read_id("0") is None
        assert read_id(str(MAX_ID)) == MAX_ID

    @pytest.mark.parametrize("raw", ["NaN", "nan", "Infinity", "-Infinity", "sNaN", "1e999", "9" * 5000, "", "x"])
    def test_decimals_are_finite_and_short(self, raw):
        assert read_decimal(raw) is None

    def test_decimal_in_range(self):
        assert read_decimal("2.50", min_value=0, max_value=5) == Decimal("2.50")
        assert read_decimal("5.01", min_value=0, max_value=5) is None
        assert read_decimal("-0.01", min_value=0) is None


class TestReadJson:
    def test_reads_an_object(self):
        assert read_json(b'{"a": [1, {"b": "]]]"}]}') == {"a": [1, {"b": "]]]"}]}

    def test_depth_is_measured_outside_strings(self):
        assert json_depth('{"a": "[[[[[[", "b": [[1]]}') == 3
        assert json_depth('"\\"[[[["') == 0

    @pytest.mark.parametrize(
        "body",
        [b"[" * 5000 + b"]" * 5000, b"x" * 300_000, b"\xff\xfe", b"{", b"NaN", b'{"a": Infinity}', b"[" * 33],
    )
    def test_refuses_deep_huge_broken_or_non_json(self, body):
        with pytest.raises(BadInput):
            read_json(body)


class TestIdConverter:
    def test_an_id_beyond_any_key_is_not_found(self, client, learner, course):
        client.force_login(learner)
        for raw in [str(MAX_ID + 1), "9" * 19, "9" * 25, "9" * 5000]:
            assert client.post(f"/learning/courses/{raw}/enrol/").status_code == 404
        assert client.get(f"/assessments/courses/{'9' * 25}/gradebook/").status_code == 404

    def test_real_ids_still_resolve_and_reverse(self, client, learner, course):
        assert reverse("learning:enrol", args=[course.pk]) == f"/learning/courses/{course.pk}/enrol/"
        client.force_login(learner)
        response = client.post(f"/learning/courses/{course.pk}/enrol/")
        assert response.status_code in (200, 302)
        assert course.enrollments.filter(user=learner).exists()


class TestSafeSearch:
    @pytest.mark.parametrize(
        ("typed", "words"),
        [('a"b', "a b"), ('");DROP TABLE x;--', "DROP TABLE x"), ("data AND (x OR y*)", "data AND x OR y"),
         ("données — für", "données für"), ("\x00\x1b", "")],
    )  # fmt: skip
    def test_queries_become_plain_words(self, typed, words):
        assert plain_words(typed) == words

    def test_bounded(self):
        assert len(plain_words("word " * 1000)) <= 200
        assert plain_words("x" * 50_000) == "x" * 200

    def test_only_punctuation_matches_nothing(self):
        from modelsearch.query import MATCH_NONE

        assert safe_query('"""') is MATCH_NONE
        assert safe_query("") == ""

    @pytest.mark.parametrize("q", ['"', 'a"b', '");DROP TABLE x;--', "NOT", "*", "x" * 50_000, "(", "a:b ^c"])
    def test_catalogue_search_answers_every_query(self, client, course, q):
        response = client.get("/courses/", {"q": q})
        assert response.status_code in (200, 400)

    # MySQL/MariaDB update FULLTEXT indexes only on commit, so this search test commits its data.
    @pytest.mark.django_db(transaction=True, serialized_rollback=True)
    def test_catalogue_search_still_finds_courses(self, client, course):
        response = client.get("/courses/", {"q": 'testing"'})
        assert response.status_code == 200
        assert course.title in response.content.decode()

    def test_admin_search_boxes_answer_quotes(self, client, admin_user, course):
        client.force_login(admin_user)
        for url in ["/admin/pages/search/", "/admin/choose-page/search/", "/admin/documents/", "/admin/images/"]:
            assert client.get(url, {"q": 'a"b'}).status_code == 200, url


class TestQueryLengthLimit:
    def test_an_overlong_query_parameter_is_refused(self, client, db):
        response = client.get("/courses/", {"page": "1" * 2001})
        assert response.status_code == 400
        assert b"could not read that request" in response.content

    def test_normal_lengths_pass(self, client, course):
        assert client.get("/courses/", {"q": "x" * 100}).status_code == 200


class TestAdminLibraryNet:
    def test_a_wagtail_view_failing_on_a_client_value_answers_400(self, client, admin_user, course):
        client.force_login(admin_user)
        response = client.get("/admin/choose-page/chosen-multiple/", {"id": "NaN"})
        assert response.status_code == 400

    @pytest.mark.parametrize("parent", ["-1", "9" * 25])
    def test_copying_a_page_under_a_page_that_does_not_exist_answers_400(self, client, admin_user, course, parent):
        client.force_login(admin_user)
        form = {"new_title": "Copy", "new_slug": "copy", "new_parent_page": parent}
        assert client.post(f"/admin/pages/{course.pk}/copy/", form).status_code == 400

    def test_the_projects_own_code_gets_no_net(self, rf: RequestFactory):
        def view(request):
            raise ValueError("a bug of ours")

        middleware = RefuseUnreadableInput(view)
        request = rf.get("/admin/whatever/")
        try:
            view(request)
        except ValueError as error:
            assert middleware.process_exception(request, error) is None  # raised in project code: stays a 500

    def test_outside_the_admin_nothing_is_caught(self, rf):
        request = rf.get("/learning/")
        error = ValueError("x")
        try:
            int("NaN")
        except ValueError as raised:
            error = raised
        assert RefuseUnreadableInput(lambda r: HttpResponse()).process_exception(request, error) is None


class TestDeletesRefusedWithAMessage:
    def test_a_course_with_learners_is_not_deleted(self, client, admin_user, learner, course):
        learning_services.enroll(user=learner, course=course)
        client.force_login(admin_user)
        for method in ("get", "post"):
            response = getattr(client, method)(f"/admin/pages/{course.pk}/delete/", follow=True)
            assert response.status_code == 200
            assert "learners&#x27; records refer to them (1 enrollments)" in response.content.decode()
        assert CoursePage.objects.filter(pk=course.pk).exists()

    def test_a_course_nobody_took_is_deleted(self, client, admin_user, course):
        client.force_login(admin_user)
        client.post(f"/admin/pages/{course.pk}/delete/")
        assert not CoursePage.objects.filter(pk=course.pk).exists()

    def test_bulk_delete_is_refused_too(self, client, admin_user, learner, course):
        learning_services.enroll(user=learner, course=course)
        client.force_login(admin_user)
        url = f"/admin/bulk/wagtailcore/page/delete/?id={course.pk}&childOf={course.get_parent().pk}"
        response = client.post(url, follow=True)
        assert response.status_code == 200
        assert CoursePage.objects.filter(pk=course.pk).exists()

    def test_a_user_with_orders_is_banned_not_deleted(self, client, admin_user, learner, course):
        from billing.models import Order

        Order.objects.create(user=learner, course=course, amount=Decimal("10.00"), currency="EUR")
        client.force_login(admin_user)
        response = client.post(f"/admin/users/delete/{learner.pk}/", follow=True)
        assert response.status_code == 200
        assert "Ban the account instead" in response.content.decode()
        assert User.objects.filter(pk=learner.pk).exists()
        with pytest.raises(ProtectedError):  # the rule the message stands for
            learner.delete()

    def test_a_user_without_records_is_deleted(self, client, admin_user):
        someone = UserFactory(role="learner")
        client.force_login(admin_user)
        client.post(f"/admin/users/delete/{someone.pk}/")
        assert not User.objects.filter(pk=someone.pk).exists()


class TestOwnViewsReadInputSafely:
    def test_deep_json_to_the_stripe_webhook_is_400(self, client, db):
        response = client.post(
            "/billing/stripe/webhook/",
            data=b"[" * 5000 + b"]" * 5000,
            content_type="application/json",
            HTTP_STRIPE_SIGNATURE="t=1,v1=00",
        )
        assert response.status_code == 400

    def test_deep_json_to_the_badge_checker_is_400(self, client, db):
        body = b'{"a":' * 3000 + b"1" + b"}" * 3000
        response = client.post("/certificates/badge/verify/", data=body, content_type="application/json")
        assert response.status_code == 400
        assert json.loads(response.content)["verified"] is False

    def test_analytics_course_filter_beyond_any_id(self, client, admin_user, db):
        client.force_login(admin_user)
        response = client.get("/admin/analytics/", {"course": str(2**70)})
        assert response.status_code in (200, 400)
        assert "is not a course" in response.content.decode()

    @pytest.mark.parametrize("next_url", ["NaN", 'a"b', "//evil.example/", "https://evil.example/"])
    def test_sign_up_next_is_a_local_path_or_ignored(self, client, db, next_url):
        response = client.get("/accounts/sign-up/", {"next": next_url})
        assert response.status_code == 200
        assert "evil.example" not in response.content.decode()
