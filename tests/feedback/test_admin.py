import pytest

from tests.factories import CategoryFactory, FeedbackFactory, SourceFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "url",
    [
        "/admin/feedback/source/",
        "/admin/feedback/source/add/",
        "/admin/feedback/category/",
        "/admin/feedback/feedback/",
        "/admin/feedback/customer/",
        "/admin/feedback/touchpoint/",
        "/admin/org/membership/",
    ],
)
def test_admin_pages_open(admin_client, url):
    FeedbackFactory()
    assert admin_client.get(url).status_code == 200


def test_unknown_adapter_is_refused(admin_client):
    response = admin_client.post(
        "/admin/feedback/source/add/",
        {"slug": "x", "name": "X", "kind": "survey", "active": "on", "field_mapping": '{"adapter": "nope"}'},
    )
    assert response.status_code == 200
    assert "Unknown adapter" in response.content.decode()


def test_used_category_cannot_be_deleted(admin_client):
    category = CategoryFactory()
    FeedbackFactory(confirmed_category=category)
    response = admin_client.get(f"/admin/feedback/category/{category.pk}/delete/")
    assert response.status_code == 403


def test_secrets_are_not_listed(admin_client):
    SourceFactory(slug="typeform", signing_secret="s3cret-value")
    assert "s3cret-value" not in admin_client.get("/admin/feedback/source/").content.decode()
