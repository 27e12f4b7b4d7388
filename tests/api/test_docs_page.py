"""The Swagger UI page at /api/docs: Peerway's copy of django-ninja's template (templates/ninja/swagger.html)."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client


@pytest.fixture
def docs_html() -> str:
    response = Client().get("/api/docs")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    return response.content.decode()


@pytest.mark.django_db
def test_the_docs_page_has_a_language_and_a_viewport(docs_html: str) -> None:
    assert '<html lang="en" dir="ltr">' in docs_html
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in docs_html


@pytest.mark.django_db
def test_the_docs_page_loads_swagger_ui_and_the_contrast_fixes_after_it(docs_html: str) -> None:
    sheets = re.findall(r'<link type="text/css" rel="stylesheet" href="([^"]+)">', docs_html)
    assert [sheet.rsplit("/", 1)[-1] for sheet in sheets] == ["swagger-ui.css", "api-docs.css"]
    scripts = re.findall(r"<script([^>]*)>", docs_html)
    # Only files and a JSON data block: the Content-Security-Policy (script-src 'self') runs nothing inline.
    assert scripts[0] == ' type="application/json" id="swagger-settings"'
    assert [re.sub(r'^ src="[^"]*/([^/"]+)"$', r"\1", script) for script in scripts[1:]] == [
        "swagger-ui-bundle.js",
        "swagger-ui-init.js",
    ]


@pytest.mark.django_db
def test_the_docs_page_turns_off_deep_links(docs_html: str) -> None:
    # A deep link is an <a> inside the button that opens an operation (axe: nested-interactive).
    settings_json = re.search(r'<script type="application/json" id="swagger-settings">(.*?)</script>', docs_html, re.S)
    assert settings_json is not None
    settings = json.loads(settings_json.group(1))
    assert settings["deepLinking"] is False
    assert settings["url"] == "/api/openapi.json"
