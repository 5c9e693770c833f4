"""CITATION.cff and a DataCite-style JSON record for a release: how to cite it, in the forms tools read."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from typing import Any

from archiver import SOFTWARE

PUBLISHER = "Libya News Archive"


@dataclass(frozen=True)
class ReleaseFacts:
    name: str
    version: str
    created_at: str  # ISO UTC
    license: str
    contact: str | None
    fmt: str
    rows: int
    outlets: dict[str, str]  # site id -> outlet name
    per_site: Counter[str]
    first_published: str | None
    last_published: str | None
    languages: list[str]


def _q(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a valid YAML scalar


def _abstract(facts: ReleaseFacts) -> str:
    span = f"published {facts.first_published} to {facts.last_published}" if facts.first_published else "undated"
    outlets = ", ".join(facts.outlets[s] for s in sorted(facts.outlets))
    return f"{facts.rows} archived news article versions from {outlets}, {span}; every row names its WARC capture."


def citation_cff(facts: ReleaseFacts) -> str:
    lines = [
        "cff-version: 1.2.0",
        'message: "If you use this dataset, please cite it as below."',
        "type: dataset",
        f"title: {_q(facts.name)}",
        f"version: {_q(facts.version)}",
        f"date-released: {_q(facts.created_at[:10])}",
        "authors:",
        f"  - name: {_q(PUBLISHER)}",
        f"license: {_q(facts.license)}",
        f"abstract: {_q(_abstract(facts))}",
        "keywords:",
        *(f"  - {_q(facts.outlets[site])}" for site in sorted(facts.outlets)),
    ]
    if facts.contact:
        lines += ["contact:", f"  - name: {_q(facts.contact)}"]
    return "\n".join(lines) + "\n"


def datacite(facts: ReleaseFacts) -> dict[str, Any]:
    dates: list[dict[str, str]] = [{"date": facts.created_at, "dateType": "Issued"}]
    if facts.first_published:
        dates.append(
            {
                "date": f"{facts.first_published}/{facts.last_published}",
                "dateType": "Other",
                "dateInformation": "publication dates of the articles",
            }
        )
    record: dict[str, Any] = {
        "types": {"resourceTypeGeneral": "Dataset", "resourceType": "News articles"},
        "titles": [{"title": facts.name}],
        "version": facts.version,
        "publicationYear": facts.created_at[:4],
        "creators": [{"name": PUBLISHER, "nameType": "Organizational"}],
        "publisher": {"name": PUBLISHER},
        "dates": dates,
        "rightsList": [{"rights": facts.license, "rightsIdentifier": facts.license, "rightsIdentifierScheme": "SPDX"}],
        "descriptions": [{"description": _abstract(facts), "descriptionType": "Abstract"}],
        "subjects": [{"subject": facts.outlets[site]} for site in sorted(facts.outlets)],
        "sizes": [f"{facts.rows} article versions"]
        + [f"{facts.outlets[site]}: {n}" for site, n in sorted(facts.per_site.items())],
        "formats": [facts.fmt],
        "language": facts.languages[0] if len(facts.languages) == 1 else None,
        "contributors": ([{"name": facts.contact, "contributorType": "ContactPerson"}] if facts.contact else []),
        "software": SOFTWARE,
    }
    return {k: v for k, v in record.items() if v is not None}
