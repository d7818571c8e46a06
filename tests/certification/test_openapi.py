"""The OpenAPI document describes every API route, and holds together."""

from __future__ import annotations

import re

import pytest

HTTP_METHODS = {"get", "post", "put", "patch", "delete", "head", "options"}


@pytest.fixture
def document(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def _api_routes(app) -> set[tuple[str, str]]:
    """(OpenAPI path, method) for every /api/v1 rule and the JWKS."""
    routes = set()
    for rule in app.url_map.iter_rules():
        if not (rule.rule.startswith("/api/v1/") or rule.rule == "/.well-known/jwks.json"):
            continue
        path = re.sub(r"<(?:[a-z_]+:)?([a-z_]+)>", r"{\1}", rule.rule)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            routes.add((path, method.lower()))
    return routes


def _refs(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from _refs(item)


def _resolve(document: dict, ref: str):
    assert ref.startswith("#/"), ref
    node = document
    for part in ref[2:].split("/"):
        assert part in node, f"{ref} does not resolve"
        node = node[part]
    return node


def test_the_document_is_openapi_3_1_with_info_and_a_server(app, document):
    assert document["openapi"].startswith("3.1.")
    assert document["info"]["title"] and document["info"]["version"]
    assert document["servers"][0]["url"] == app.config["LMS_PUBLIC_URL"]


def test_every_api_route_of_the_app_is_described(app, document):
    routes = _api_routes(app)
    described = {(path, method) for path, item in document["paths"].items()
                 for method in item if method in HTTP_METHODS}

    assert len(routes) >= 7
    assert routes - described == set()
    assert described - routes == set()


def test_path_parameters_match_the_templates(document):
    for path, item in document["paths"].items():
        names = set(re.findall(r"{([a-z_]+)}", path))
        for method, operation in item.items():
            declared = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
            assert declared == names, (path, method)
            for parameter in operation.get("parameters", []):
                assert parameter["required"] is True and "schema" in parameter


def test_every_reference_resolves(document):
    refs = list(_refs(document))

    assert len(refs) > 10
    for ref in refs:
        _resolve(document, ref)


def test_every_response_has_a_json_schema_and_every_body_too(document):
    for path, item in document["paths"].items():
        for method, operation in item.items():
            assert operation.get("operationId"), (path, method)
            assert "200" in operation["responses"], (path, method)
            for status, response in operation["responses"].items():
                assert response.get("description"), (path, method, status)
                media = "application/json" if status < "400" else "application/problem+json"
                assert "schema" in response["content"][media], (path, method, status)
            if "requestBody" in operation:
                assert "schema" in operation["requestBody"]["content"]["application/json"]


def test_the_certificate_schema_lists_what_the_api_answers(client, document):
    from tests.certification.factories import issue_certificate

    certificate = issue_certificate()
    body = client.get(f"/api/v1/certificates/{certificate.code}").get_json()
    schema = document["components"]["schemas"]["Certificate"]

    assert set(body) == set(schema["properties"])
    assert set(schema["required"]) <= set(body)
    bulk = client.post("/api/v1/certificates/verify", json={"ids": [certificate.code]})
    result = bulk.get_json()["results"][0]
    assert set(result) == set(document["components"]["schemas"]["BulkResult"]["properties"])
