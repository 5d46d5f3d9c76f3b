import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def test_openapi_schema_is_valid_and_complete(tmp_path):
    # when: drf-spectacular builds and validates the schema, failing on any warning
    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    # then
    schema = target.read_text()
    for path in ("/api/v1/feedback/", "/api/v1/feedback/{id}/", "/api/v1/sources/"):
        assert f"{path}:" in schema


def test_schema_and_docs_need_login(client, people):
    assert client.get("/api/schema/").status_code in (401, 403)
    client.force_login(people["agent"])
    assert client.get("/api/schema/").status_code == 200
    assert client.get("/api/docs/").status_code == 200
