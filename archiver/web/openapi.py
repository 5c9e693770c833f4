"""The API's OpenAPI description, served at /api/openapi.json."""

from __future__ import annotations

from typing import Any


def _get(summary: str, params: list[tuple[str, bool, str]], ok: str = "application/json") -> dict[str, Any]:
    return {
        "get": {
            "summary": summary,
            "parameters": [
                {"name": n, "in": "query", "required": r, "schema": {"type": "string"}, "description": d}
                for n, r, d in params
            ],
            "responses": {
                "200": {"description": "OK", "content": {ok: {}}},
                "400": {"$ref": "#/components/responses/Error"},
                "404": {"$ref": "#/components/responses/Error"},
                "429": {"$ref": "#/components/responses/Error"},
            },
        }
    }


def description() -> dict[str, Any]:
    error = {
        "description": "An error",
        "content": {
            "application/json": {
                "schema": {"type": "object", "properties": {"error": {"type": "string"}}, "required": ["error"]}
            }
        },
    }
    paths = {
        "/api/search": _get(
            "Full-text search: {total, results: [{url, site, title, published_at, snippet, article_key}], facets}",
            [
                ("q", False, 'words or a "quoted phrase"'),
                ("site", False, "site id (repeatable)"),
                ("from", False, "YYYY-MM-DD"),
                ("to", False, "YYYY-MM-DD"),
                ("language", False, "ar or en"),
                ("section", False, "section"),
                ("author", False, "author"),
                ("sort", False, "relevance or date"),
                ("page", False, "1, 2, ..."),
            ],
        ),
        "/api/history": _get(
            "Every capture of a URL: {url, captures: [fields of `archiver history --format json`]}",
            [("url", True, "any form of the URL (tracking parameters, scheme, www. and slash variants are tried)")],
        ),
        "/api/snapshot": _get(
            "What `archiver snapshot` returns, byte for byte",
            [("url", True, "the URL"), ("at", False, "ISO 8601 time"), ("format", False, "json, html, warc or wacz")],
        ),
        "/api/check": _get(
            "Re-read the capture's record from the store and check its digests",
            [("url", True, "the URL"), ("at", False, "ISO 8601 time")],
        ),
        "/api/sites": _get("Registered sites with their schedules and next run", []),
        "/api/health": _get("Per-site health (as `archiver health --format json`)", []),
        "/api/coverage": _get(
            "Per site: articles per month by publication date, oldest, newest, gaps, imported, undated "
            "(as `archiver coverage --format json`)",
            [("site", False, "one site id (404 when the archive does not know it)")],
        ),
        "/api/crawls": {
            **_get("Crawl history (as `archiver crawls list --format json`)", []),
            "post": {
                "summary": "Start a crawl of a registered site (archivist token)",
                "security": [{"archivist": []}],
                "requestBody": {
                    "content": {
                        "application/json": {"schema": {"type": "object", "properties": {"site": {"type": "string"}}}}
                    }
                },
                "responses": {
                    "202": {"description": "started: {crawl_id, site, status}"},
                    "400": {"$ref": "#/components/responses/Error"},
                    "401": {"$ref": "#/components/responses/Error"},
                    "403": {"$ref": "#/components/responses/Error"},
                    "404": {"$ref": "#/components/responses/Error"},
                },
            },
        },
    }
    return {
        "openapi": "3.1.0",
        "info": {"title": "Libya News Archive API", "version": "1"},
        "paths": paths,
        "components": {
            "responses": {"Error": error},
            "securitySchemes": {"archivist": {"type": "http", "scheme": "bearer"}},
        },
    }
