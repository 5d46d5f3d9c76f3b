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


def test_schema_says_what_lists_and_ingestion_really_answer(tmp_path):
    import yaml

    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--file", str(target))
    schema = yaml.safe_load(target.read_text())
    # every list endpoint: a page {count, next, previous, results}, with limit and offset
    for path in ("/api/v1/feedback/", "/api/v1/cases/", "/api/v1/signals/", "/api/v1/initiatives/"):
        operation = schema["paths"][path]["get"]
        page = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].split("/")[-1]
        assert set(schema["components"]["schemas"][page]["properties"]) == {
            "count",
            "next",
            "previous",
            "results",
        }
        assert {"limit", "offset"} <= {parameter["name"] for parameter in operation["parameters"]}
    # ingestion: one object or an array of them
    ingest = schema["paths"]["/api/v1/feedback/"]["post"]
    body = ingest["requestBody"]["content"]["application/json"]["schema"]["$ref"].split("/")[-1]
    kinds = schema["components"]["schemas"][body]["oneOf"]
    assert {"$ref": "#/components/schemas/FeedbackInput"} in kinds
    assert {"type": "array", "items": {"$ref": "#/components/schemas/FeedbackInput"}} in kinds
    assert {"200", "201", "207", "400"} <= set(ingest["responses"])
