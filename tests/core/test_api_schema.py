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
    item = {"$ref": "#/components/schemas/FeedbackInputRequest"}
    assert item in kinds
    assert {"type": "array", "items": item, "minItems": 1, "maxItems": 1000} in kinds
    assert {"200", "201", "207", "400"} <= set(ingest["responses"])


def test_every_operation_documents_its_error_answers_in_the_one_error_shape(tmp_path):
    import yaml

    # given
    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--file", str(target))
    schema = yaml.safe_load(target.read_text())
    error = {"$ref": "#/components/schemas/Error"}
    # then: each operation, with what its path, parameters and body make possible
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            places = {parameter["in"] for parameter in operation.get("parameters", [])}
            expected = {"401", "403"}
            expected |= {"404"} if "path" in places else set()
            expected |= {"400"} if "query" in places or "requestBody" in operation else set()
            expected |= {"413"} if "requestBody" in operation else set()
            assert expected <= set(responses), f"{method} {path}"
            for code in {code for code in responses if code.startswith("4")} - {"400"}:
                assert responses[code]["content"]["application/json"]["schema"] == error, f"{method} {path}"
    assert schema["components"]["schemas"]["Error"]["properties"] == {"detail": {"type": "string"}}
