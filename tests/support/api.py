"""The GraphQL client over HTTP on the ASGI app, and the World that builds signed-in users."""

from __future__ import annotations

import dataclasses
from typing import Any

import httpx

from domain.viewer import Viewer
from models.enums import Role
from tests.support.logs import SECRET_INPUTS, SECRET_OUTPUTS, collect_secrets

LOGIN = """mutation($e: String!, $p: String!) { login(input: {email: $e, password: $p}) {
  token user { id role } userErrors { code field message } } }"""

PASSWORD = "correct horse battery"
# The browser origin the test settings allow (CASELOAD_ALLOWED_ORIGINS): a single-page app elsewhere.
APP_ORIGIN = "https://app.caseload.test"

SYSTEM = Viewer(user_id=None, role=Role.ADMIN, name="System")


def starlette_app(application):
    """The Starlette app inside the ASGI layers asgi() wraps it in (its lifespan runs there)."""
    while not hasattr(application, "router"):
        application = application.app
    return application


class Api:
    """A GraphQL client over HTTP on the ASGI app."""

    def __init__(self, app):
        self.http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")

    async def post(
        self, query: str, variables: dict | None = None, token: str | None = None, **kwargs
    ) -> httpx.Response:
        headers = kwargs.pop("headers", {})
        if token:
            headers["Authorization"] = f"Bearer {token}"
        collect_secrets(variables, SECRET_INPUTS)
        response = await self.http.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=headers, **kwargs
        )
        if response.headers.get("content-type", "").startswith("application/json"):
            collect_secrets(response.json(), SECRET_OUTPUTS)
        return response

    async def __call__(self, query: str, variables: dict | None = None, token: str | None = None) -> dict[str, Any]:
        response = await self.post(query, variables, token)
        assert response.status_code == 200, response.text
        return response.json()

    async def ok(self, query: str, variables: dict | None = None, token: str | None = None) -> dict[str, Any]:
        """Data of a query that must succeed without top-level errors."""
        body = await self(query, variables, token)
        assert not body.get("errors"), body
        return body["data"]


@dataclasses.dataclass
class Actor:
    token: str
    user_id: str  # global id
    email: str
    role: Role
    coach_id: str | None = None
    client_id: str | None = None
    organisation_id: str | None = None


class World:
    """Builds users and organisations through the domain (fast) and signs them in through the API."""

    def __init__(self, api: Api):
        self.api = api
        self.count = 0

    async def _login(self, email: str) -> dict:
        data = await self.api.ok(LOGIN, {"e": email, "p": PASSWORD})
        assert data["login"]["token"], data
        return data["login"]

    async def user(
        self, role: Role, *, organisation: str | None = None, coach_kind=None, name: str | None = None
    ) -> Actor:
        import models
        from domain import users
        from schema.node import encode, uuid_of

        self.count += 1
        email = f"{role.value.lower()}{self.count}@example.test"
        org_uuid = uuid_of(organisation, "Organisation") if organisation else None
        user = await users.create_user(
            SYSTEM,
            email=email,
            name=name or f"{role.value.title()} {self.count}",
            password=PASSWORD,
            role=role,
            organisation_id=org_uuid,
            coach_kind=coach_kind,
        )
        login = await self._login(email)
        actor = Actor(
            token=login["token"], user_id=login["user"]["id"], email=email, role=role, organisation_id=organisation
        )
        if role is Role.COACH:
            coach = await models.Coach.get(user_id=user.id)
            actor.coach_id = encode("Coach", coach.id)
        if role is Role.CLIENT:
            client = await models.Client.get(user_id=user.id)
            actor.client_id = encode("Client", client.id)
        return actor

    async def admin(self) -> Actor:
        return await self.user(Role.ADMIN)

    async def organisation(self, name: str = "Acme") -> str:
        from domain import organisations
        from schema.node import encode

        org = await organisations.create_organisation(SYSTEM, name, None)
        return encode("Organisation", org.id)

    async def client_of(self, coach: Actor, name: str = "Casey Client", **fields) -> str:
        data = await self.api.ok(
            """mutation($input: CreateClientInput!) { createClient(input: $input) { client { id } userErrors { code field message } } }""",
            {"input": {"name": name, **fields}},
            coach.token,
        )
        assert not data["createClient"]["userErrors"], data
        return data["createClient"]["client"]["id"]
