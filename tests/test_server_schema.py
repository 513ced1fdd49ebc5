"""Property-based API testing of the server against its own OpenAPI spec (schemathesis)."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tests.loopback import TEST_HOSTS
from truehearth.core.records import Layer
from truehearth.home import Home
from truehearth.keys import ensure_token
from truehearth.mouths import registry
from truehearth.server.app import create_app
from truehearth.server.settings import ServerSettings

# schemathesis needs the application when the module is collected, so the home it
# serves lives in a temporary directory that is removed when the test run ends.
_PLACE = tempfile.TemporaryDirectory(prefix="truehearth-schema-")


def _served() -> tuple[Any, str]:
    path = Path(_PLACE.name) / "home"
    with Home.init(path, "Ash") as home:
        home.accept(home.propose(Layer.CORE, "My name is Ash.").id)
        registry.add(home, "echo", "echo")
    token = ensure_token(path)
    return create_app(ServerSettings(home=path, token=token, allowed_hosts=TEST_HOSTS)), token


APP, TOKEN = _served()
# The spec itself is served behind the token, like everything but /healthz.
schema = schemathesis.openapi.from_asgi(
    "/openapi.json", APP, headers={"Authorization": f"Bearer {TOKEN}"}
)


@schema.parametrize()
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
def test_the_api_conforms_to_its_schema(case: schemathesis.Case[Any]) -> None:
    # Requests the schema admits can still be refused by rules it cannot express
    # ("the last message must be the human's", "the message is empty"): those are
    # documented 400s, so the positive-data check does not apply.
    case.call_and_validate(
        headers={"Authorization": f"Bearer {TOKEN}"},
        excluded_checks=[positive_data_acceptance],
    )


def test_the_spec_documents_auth_and_errors() -> None:
    responses = APP.openapi()["paths"]["/v1/chat/completions"]["post"]["responses"]
    assert {"200", "400", "401", "403", "404", "413", "502"} <= set(responses)
