"""The OpenAPI document names exactly the routes the application serves, is a valid OpenAPI
3.1 document, and schemathesis, driving the live service from it with a bounded number of
generated requests per operation, finds no server error."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import hypothesis
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase
from schemathesis.checks import not_a_server_error
from web_support import MASTER_KEY, Service, bearer, running_service, settings_for

from vcbadges.issuer import MasterKeyStore
from vcbadges.issuer.hosting import create_demo_tenant
from vcbadges.web.app import create_app
from vcbadges.web.openapi import (
    DOCUMENTED_ELSEWHERE,
    UNDOCUMENTED,
    app_routes,
    document_routes,
    openapi_document,
)

EXAMPLES_PER_OPERATION = 12

# Member names the service spells as a specification does, not as its own convention
# (camelCase, see vcbadges.wire); each is on an OAuth 2.0 / OpenID4VC protocol endpoint.
STANDARD_NAMES = {
    # OAuth 2.0 error response (RFC 6749 §5.2), answered by the OpenID4VCI and OpenID4VP
    # endpoints and posted by a wallet that declines an OpenID4VP request.
    "error_description": "RFC 6749 §5.2",
    # The token request of the pre-authorized code flow (RFC 6749 §4.1.3, OpenID4VCI §6.1).
    "grant_type": "RFC 6749 §4.1.3",
    "pre-authorized_code": "OpenID4VCI 1.0 §6.1",
    "tx_code": "OpenID4VCI 1.0 §6.1",
    # The wallet's direct_post response (OpenID4VP 1.0 §8.2).
    "vp_token": "OpenID4VP 1.0 §8",
}


def test_the_document_names_every_route_and_only_those(tmp_path: Path):
    settings = settings_for(tmp_path, 8080)
    everything = app_routes(create_app(settings))
    served = {r for r in everything if not r[1].startswith(DOCUMENTED_ELSEWHERE)}
    assert ("GET", "/ims/ob/v3p0/discovery") in everything - served
    documented = document_routes(openapi_document(settings))
    # Pages and their static files are not API operations; each exclusion is named in
    # UNDOCUMENTED, must really be served, and must not be documented as well.
    assert UNDOCUMENTED <= served
    assert not UNDOCUMENTED & documented
    assert all(method == "GET" for method, _ in UNDOCUMENTED)
    assert served - UNDOCUMENTED == documented
    assert ("POST", "/issuer/credentials/issue") in served
    assert ("POST", "/wallet/api/decode-qr") in documented


@contextmanager
def service_in_a_thread(tmp_path: Path) -> Iterator[tuple[Service, str]]:
    """The service on its own event loop in a thread, for synchronous test clients; yields
    it and the API key of a tenant that has one achievement template."""
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    stop = asyncio.Event()
    found: dict[str, Any] = {}

    async def main() -> None:
        try:
            async with running_service(tmp_path) as service:
                async with service.db.sessionmaker()() as session, session.begin():
                    found["api_key"] = await create_demo_tenant(
                        session, keystore=MasterKeyStore(MASTER_KEY))
                found["service"] = service
                ready.set()
                await stop.wait()
        except BaseException as exc:
            found["error"] = exc
            ready.set()
            raise

    thread = threading.Thread(target=loop.run_until_complete, args=(main(),), daemon=True)
    thread.start()
    try:
        assert ready.wait(30) and "error" not in found, found.get("error")
        yield found["service"], found["api_key"]
    finally:
        loop.call_soon_threadsafe(stop.set)
        thread.join(30)
        loop.close()


def test_schemathesis_finds_no_server_error(tmp_path: Path):
    with service_in_a_thread(tmp_path) as (service, api_key):
        schema = schemathesis.openapi.from_dict(openapi_document(service.settings))
        operations = [result.ok() for result in schema.get_all_operations()]
        assert len(operations) == len(document_routes(schema.raw_schema))
        for operation in operations:

            @hypothesis.settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None,
                                 derandomize=True, database=None,
                                 phases=[Phase.explicit, Phase.generate],
                                 suppress_health_check=list(HealthCheck))
            @hypothesis.given(case=operation.as_strategy())
            def no_server_error(case: schemathesis.Case) -> None:
                case.call_and_validate(base_url=service.url, headers=bearer(api_key),
                                       checks=[not_a_server_error], timeout=10)

            try:
                no_server_error()
            except Exception as exc:  # Name the operation that failed.
                pytest.fail(f"{operation.label}: {exc}")


def _member_names(node: Any, where: str = "#") -> Iterator[tuple[str, str]]:
    """Every member name a schema in ``node`` defines (``properties``) or requires
    (``required``), with where it is."""
    if isinstance(node, dict):
        if isinstance(node.get("properties"), dict):
            for name in node["properties"]:
                yield name, f"{where}/properties"
        if isinstance(node.get("required"), list):
            for name in node["required"]:
                if isinstance(name, str):
                    yield name, f"{where}/required"
        for key, value in node.items():
            yield from _member_names(value, f"{where}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _member_names(value, f"{where}/{index}")


def test_every_member_name_is_camel_case_unless_a_standard_fixes_it(tmp_path: Path):
    document = openapi_document(settings_for(tmp_path, 8080))
    names = list(_member_names(document))
    assert ("verifiableCredential", "#/components/schemas/VerifyCredentialRequest/properties") \
        in names
    snake = sorted({(name, where) for name, where in names
                    if ("_" in name or "-" in name) and name not in STANDARD_NAMES})
    assert not snake, snake
    # The allow-list holds only names the document still uses.
    assert set(STANDARD_NAMES) <= {name for name, _ in names}
