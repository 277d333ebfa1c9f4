"""Print the OpenAPI document the web client is generated from (run by `npm run gen:api`).

It is the API's own spec (`api.app.create_app().openapi()`, produced without a server) plus the coach's event
union (`agent.events.CoachEvent`), which the chat stream sends as `text/event-stream` and OpenAPI cannot
describe as a response body. Both come from the Python models, so no type is written by hand.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from agent.events import ApprovalDecision, CoachEventAdapter
from api.app import create_app

REF = "#/components/schemas/{model}"


def coach_event_schemas() -> dict[str, Any]:
    union = CoachEventAdapter.json_schema(ref_template=REF, mode="serialization")
    schemas: dict[str, Any] = union.pop("$defs")
    mapping: dict[str, str] = {}
    for name, schema in schemas.items():
        props = schema.get("properties", {})
        if "type" in props and "const" in props["type"]:
            # always sent: the discriminator is required on the wire
            schema["required"] = ["type", *[r for r in schema.get("required", []) if r != "type"]]
            mapping[props["type"]["const"]] = REF.format(model=name)
    schemas["CoachEvent"] = {
        "oneOf": union["oneOf"],
        "discriminator": {"propertyName": "type", "mapping": mapping},
    }
    decision = ApprovalDecision.model_json_schema(ref_template=REF)
    schemas["ApprovalDecision"] = decision
    return schemas


def main() -> None:
    spec = create_app().openapi()
    schemas = spec.setdefault("components", {}).setdefault("schemas", {})
    for name, schema in coach_event_schemas().items():
        schemas.setdefault(name, schema)  # the API's own definition wins when it has one
    json.dump(spec, sys.stdout, indent=1, sort_keys=True)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
