"""The Sharing routes of the file manager (issue #16) against the emulator, through a real
jupyter_server: access rules of a guest collection (list with principal names, add for an
identity, a group, all authenticated users and anyone, revoke), identity look-up in Auth,
the caller's groups, validation (ids, paths, principals, permissions, messages), emulator
errors mapped to typed errors, a missing Auth or Groups token as a typed error with its
remedy, XSRF, and no token in any response or log."""

from __future__ import annotations

import time
from typing import Iterator

import pytest
import requests

from .processes import Emulator, JupyterServer, secrets_of, serve_with_globus_data

PUBLIC = "a4969b8e-36fe-4d4b-9d5e-5f1a2b3c4d01"
MAPPED = "e56c36e4-1063-4a6e-a747-22000bf2d559"
GUEST = "9d6d994a-6d04-4b8c-8fb8-1d1fd9d5a3c2"
MISSING = "00000000-0000-4000-8000-000000000000"
DEMO = "3b1d9f6e-4c2a-4f8e-b7d1-2e9a6c5f0a11"
COLLEAGUE = "1f4e8c2d-6b3a-4d9e-8a7f-0c1b2d3e4f33"
COLLEAGUE_USERNAME = "grace.colleague@globusid.org"
TUTORIAL_GROUP = "50b6a29c-63ac-11e4-8062-22000ab68755"


def access(collection: str = GUEST) -> str:
    return f"/globus-kit/collections/{collection}/access"


def add(server: JupyterServer, **body: object) -> requests.Response:
    return server.post(access(), body)


def rules_of(server: JupyterServer, path: str) -> list:
    r = server.get(access(), params={"path": path})
    assert r.status_code == 200, r.text
    return r.json()["rules"]


class TestAccessRules:
    def test_should_add_list_by_name_and_revoke_an_identity_rule(self, server):
        assert server.post(f"/globus-kit/collections/{GUEST}/mkdir",
                           {"path": "/shared-a/"}).status_code == 200
        r = add(server, principalType="identity", principal=COLLEAGUE, path="/shared-a",
                permissions="r", notifyEmail="grace.colleague@example.org",
                notifyMessage="Results are in.\nEnjoy.")
        assert r.status_code == 200, r.text
        made = r.json()
        assert made["code"] == "Created" and len(made["accessId"]) == 36
        rules = rules_of(server, "/shared-a/")
        assert [(x["id"], x["principal_type"], x["principal"], x["principalName"], x["path"],
                 x["permissions"]) for x in rules] == [
            (made["accessId"], "identity", COLLEAGUE, COLLEAGUE_USERNAME, "/shared-a/", "r")]
        r = server.request("DELETE", f"{access()}/{made['accessId']}")
        assert (r.status_code, r.json()["code"], r.json()["id"]) == (
            200, "Deleted", made["accessId"])
        assert rules_of(server, "/shared-a/") == []

    def test_should_name_a_group_rule_by_the_group_name(self, server):
        r = add(server, principalType="group", principal=TUTORIAL_GROUP, path="/grp/",
                permissions="rw")
        assert r.status_code == 200, r.text
        [rule] = rules_of(server, "/grp/")
        assert (rule["principal_type"], rule["principalName"], rule["permissions"]) == (
            "group", "Tutorial Users", "rw")
        server.request("DELETE", f"{access()}/{rule['id']}")

    def test_should_add_all_authenticated_users_and_anyone_without_a_principal(self, server):
        for kind in ("all_authenticated_users", "anonymous"):
            r = add(server, principalType=kind, path="/open/", permissions="r")
            assert r.status_code == 200, r.text
        rules = rules_of(server, "/open/")
        assert sorted((x["principal_type"], x["principal"]) for x in rules) == [
            ("all_authenticated_users", ""), ("anonymous", "")]
        for rule in rules:
            assert rule["principalName"] is None
            server.request("DELETE", f"{access()}/{rule['id']}")

    def test_should_list_every_rule_without_a_path(self, server):
        r = server.get(access())
        assert r.status_code == 200
        body = r.json()
        assert body["path"] is None and body["collection"] == GUEST
        # the owner's seeded rule on /, named by the identity's username
        assert any(x["principal"] == DEMO and x["path"] == "/" and x["principalName"] ==
                   "demo.researcher@globusid.org" for x in body["rules"])
        assert all(set(x) <= {"id", "principal_type", "principal", "path", "permissions",
                              "role_id", "role_type", "create_time", "expiration_date",
                              "principalName"} for x in body["rules"])

    def test_should_map_a_duplicate_rule_to_conflict(self, server):
        first = add(server, principalType="identity", principal=COLLEAGUE, path="/dup/",
                    permissions="r")
        assert first.status_code == 200
        r = add(server, principalType="identity", principal=COLLEAGUE, path="/dup/",
                permissions="rw")
        assert (r.status_code, r.json()["code"]) == (409, "CONFLICT")
        server.request("DELETE", f"{access()}/{first.json()['accessId']}")

    def test_should_map_an_unknown_identity_to_a_typed_400(self, server):
        r = add(server, principalType="identity", principal=MISSING, path="/x/",
                permissions="r")
        body = r.json()
        assert (r.status_code, body["code"], body["globusCode"]) == (
            400, "API_ERROR", "InvalidPrincipal")

    def test_should_map_a_collection_not_managed_to_forbidden(self, server):
        found = server.get("/globus-kit/collections",
                           params={"q": "Colleague Shared Results"}).json()["collections"]
        other = next(c["id"] for c in found if c["display_name"] == "Colleague Shared Results")
        r = server.get(access(other))
        body = r.json()
        assert (r.status_code, body["code"], body["globusCode"]) == (
            403, "FORBIDDEN", "PermissionDenied")
        assert "access_manager" in body["message"]

    def test_should_map_a_mapped_collection_to_a_typed_400(self, server):
        r = server.get(access(MAPPED))
        assert (r.status_code, r.json()["code"], r.json()["globusCode"]) == (
            400, "API_ERROR", "NotSupported")
        r = server.get(access(PUBLIC))  # a public guest collection someone else manages
        assert (r.status_code, r.json()["code"]) == (403, "FORBIDDEN")

    def test_should_map_unknown_collection_and_rule_to_not_found(self, server):
        assert server.get(access(MISSING)).json()["code"] == "NOT_FOUND"
        r = server.request("DELETE", f"{access()}/{MISSING}")
        assert (r.status_code, r.json()["code"], r.json()["globusCode"]) == (
            404, "NOT_FOUND", "AccessRuleNotFound")

    @pytest.mark.parametrize("body,code", [
        ({}, "BAD_PRINCIPAL"),
        ({"principalType": "everyone", "path": "/", "permissions": "r"}, "BAD_PRINCIPAL"),
        ({"principalType": "identity", "path": "/", "permissions": "r"}, "BAD_INPUT"),
        ({"principalType": "identity", "principal": "grace", "path": "/",
          "permissions": "r"}, "BAD_INPUT"),
        ({"principalType": "group", "principal": 7, "path": "/", "permissions": "r"},
         "BAD_INPUT"),
        ({"principalType": "anonymous", "principal": COLLEAGUE, "path": "/",
          "permissions": "r"}, "BAD_PRINCIPAL"),
        ({"principalType": "anonymous", "path": "/", "permissions": "rw"}, "BAD_PERMISSIONS"),
        ({"principalType": "all_authenticated_users", "path": "/", "permissions": "w"},
         "BAD_PERMISSIONS"),
        ({"principalType": "all_authenticated_users", "permissions": "r"}, "BAD_INPUT"),
        ({"principalType": "all_authenticated_users", "path": "/a/../../etc/",
          "permissions": "r"}, "BAD_PATH"),
        ({"principalType": "all_authenticated_users", "path": "..", "permissions": "r"},
         "BAD_PATH"),
        ({"principalType": "all_authenticated_users", "path": "/a\u0000/",
          "permissions": "r"}, "BAD_PATH"),
        ({"principalType": "all_authenticated_users", "path": "/", "permissions": "r",
          "notifyMessage": "hello"}, "BAD_INPUT"),
        ({"principalType": "all_authenticated_users", "path": "/", "permissions": "r",
          "notifyEmail": "not an address"}, "BAD_INPUT"),
        ({"principalType": "all_authenticated_users", "path": "/", "permissions": "r",
          "notifyEmail": "a@b.org", "notifyMessage": "x" * 2001}, "BAD_INPUT"),
        ({"principalType": "all_authenticated_users", "path": "/", "permissions": "r",
          "notifyEmail": "a@b.org", "notifyMessage": "bell\u0007"}, "BAD_INPUT"),
    ])
    def test_should_refuse_bad_input(self, server, body, code):
        r = add(server, **body)
        assert (r.status_code, r.json()["code"]) == (400, code), r.text

    @pytest.mark.parametrize("path", ["not-a-uuid", "..", "%2e%2e"])
    def test_should_refuse_a_malformed_collection_id(self, server, path):
        r = server.get(f"/globus-kit/collections/{path}/access")
        assert r.status_code in (400, 404)
        if r.status_code == 400:
            assert r.json()["code"] == "BAD_INPUT"

    @pytest.mark.parametrize("rule", ["a.b", "x" * 65, "%2e%2e", "a_b"])
    def test_should_refuse_a_malformed_rule_id(self, server, rule):
        r = server.request("DELETE", f"{access()}/{rule}")
        assert (r.status_code, r.json()["code"]) == (400, "BAD_INPUT")

    def test_should_refuse_a_path_query_with_dotdot(self, server):
        r = server.get(access(), params={"path": "/a/../.."})
        assert (r.status_code, r.json()["code"]) == (400, "BAD_PATH")

    def test_should_keep_a_hostile_folder_name_as_sent(self, server):
        hostile = "/<img src=x onerror=alert(1)> \u202ecsv.exe/"
        r = add(server, principalType="all_authenticated_users", path=hostile,
                permissions="r")
        assert r.status_code == 200, r.text
        [rule] = rules_of(server, hostile)
        assert rule["path"] == hostile
        server.request("DELETE", f"{access()}/{rule['id']}")

    def test_should_map_a_slow_transfer_to_timeout_in_bounded_time(self, server,
                                                                   clean_faults):
        clean_faults.add_fault({"service": "transfer", "kind": "latency", "ms": 6000,
                                "path": "/v0.10/endpoint/*/access_list", "count": 2})
        started = time.monotonic()
        r = server.get(access())
        assert (r.status_code, r.json()["code"]) == (504, "TIMEOUT")
        assert time.monotonic() - started < 5.5


class TestIdentities:
    @pytest.mark.parametrize("q", [COLLEAGUE_USERNAME, "GRACE.colleague@globusid.org",
                                   "grace.colleague", COLLEAGUE])
    def test_should_find_an_identity_by_username_bare_name_or_id(self, server, q):
        r = server.get("/globus-kit/identities", params={"q": q})
        assert r.status_code == 200, r.text
        [found] = r.json()["identities"]
        assert (found["id"], found["username"], found["name"]) == (
            COLLEAGUE, COLLEAGUE_USERNAME, "Grace Colleague")
        assert set(found) <= {"id", "username", "name", "email", "organization", "status"}

    def test_should_find_an_institutional_login_by_its_email_address(self, server):
        r = server.get("/globus-kit/identities", params={"q": "dresearcher@example.edu"})
        assert [i["username"] for i in r.json()["identities"]] == ["dresearcher@example.edu"]

    def test_should_answer_no_identity_for_an_unknown_name(self, server):
        r = server.get("/globus-kit/identities", params={"q": "nobody@example.org"})
        assert (r.status_code, r.json()["identities"]) == (200, [])

    @pytest.mark.parametrize("q", [None, "", "   ", "a,b", "a b", "x" * 255, "a\u0000"])
    def test_should_refuse_a_bad_lookup(self, server, q):
        r = server.get("/globus-kit/identities", params={} if q is None else {"q": q})
        assert (r.status_code, r.json()["code"]) == (400, "BAD_INPUT")

    def test_should_map_an_auth_failure_to_a_typed_error(self, server, clean_faults):
        clean_faults.add_fault({"service": "auth", "path": "/v2/api/identities",
                                "kind": "status", "status": 500, "count": 2})
        r = server.get("/globus-kit/identities", params={"q": COLLEAGUE_USERNAME})
        assert (r.status_code, r.json()["code"]) == (502, "API_ERROR")
        assert r.json()["message"].startswith("Auth identities failed")


class TestGroups:
    def test_should_list_my_groups_by_name_with_my_role(self, server):
        r = server.get("/globus-kit/groups")
        assert r.status_code == 200, r.text
        assert r.json()["groups"] == [{"id": TUTORIAL_GROUP, "name": "Tutorial Users",
                                       "description": "Everyone working through the "
                                       "Globus tutorial.", "roles": ["member"]}]

    def test_should_map_a_rejected_groups_token_to_unauthorized(self, server, clean_faults):
        clean_faults.add_fault({"service": "groups", "kind": "status", "status": 401,
                                "count": 1})
        r = server.get("/globus-kit/groups")
        body = r.json()
        assert (r.status_code, body["code"], body["resourceServer"]) == (
            401, "UNAUTHORIZED", "groups.api.globus.org")


@pytest.fixture(scope="module")
def bare_server() -> Iterator[JupyterServer]:
    """A server whose GLOBUS_DATA holds no Auth and no Groups token."""
    emu = Emulator("--shape", "0.12-15", "--exclude-tokens",
                   "auth.globus.org,groups.api.globus.org")
    try:
        yield from serve_with_globus_data(emu)
    finally:
        emu.stop()


class TestMissingTokens:
    """A hub that leaves the Auth and Groups tokens out (oauthenticator's exclude_tokens):
    the look-up and the groups answer a typed 401 naming the scope and the remedy, and the
    rule list still answers (without names)."""

    @pytest.mark.parametrize("route,scope", [
        ("/globus-kit/groups",
         "urn:globus:auth:scope:groups.api.globus.org:view_my_groups_and_memberships"),
        ("/globus-kit/identities?q=grace.colleague",
         "urn:globus:auth:scope:auth.globus.org:view_identities"),
    ])
    def test_should_answer_no_credentials_with_the_scope_and_remedy(self, bare_server, route,
                                                                      scope):
        r = bare_server.get(route)
        body = r.json()
        assert (r.status_code, body["code"], body["requiredScopes"]) == (
            401, "NO_CREDENTIALS", [scope])
        assert "log out and back in" in body["message"] and scope in body["message"]
        assert "/v2/oauth2/authorize?" in body["consentUrl"]

    def test_should_still_list_rules_without_names(self, bare_server):
        r = bare_server.get(access())
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["rules"] and all(x["principalName"] is None for x in body["rules"])
        assert body["notes"] == ["identity names unavailable (NO_CREDENTIALS)"]


class TestAuthAndTokens:
    @pytest.mark.parametrize("method,path", [
        ("GET", f"/globus-kit/collections/{GUEST}/access"),
        ("POST", f"/globus-kit/collections/{GUEST}/access"),
        ("DELETE", f"/globus-kit/collections/{GUEST}/access/{MISSING}"),
        ("GET", "/globus-kit/identities?q=grace.colleague"),
        ("GET", "/globus-kit/groups"),
    ])
    def test_should_refuse_an_unauthenticated_request(self, server, method, path):
        r = server.request(method, path, token=None, json={})
        assert r.status_code in (401, 403)
        assert "rules" not in r.text and "identities" not in r.text and "Tutorial" not in r.text

    def test_should_refuse_a_cookie_add_or_revoke_without_xsrf(self, server):
        s = server.cookie_session()
        before = len(rules_of(server, "/xsrf/"))
        r = s.post(f"{server.url}{access()}", json={
            "principalType": "all_authenticated_users", "path": "/xsrf/", "permissions": "r"},
            timeout=10)
        assert r.status_code == 403 and "_xsrf" in r.text
        r = s.delete(f"{server.url}{access()}/{MISSING}", timeout=10)
        assert r.status_code == 403 and "_xsrf" in r.text
        assert len(rules_of(server, "/xsrf/")) == before == 0
        # with the XSRF header the same cookie session may read
        assert s.get(f"{server.url}/globus-kit/groups", timeout=10).status_code == 200

    def test_responses_and_log_should_not_contain_any_token(self, server, emulator):
        secrets = list(secrets_of(emulator.env["GLOBUS_DATA"].strip()).values())
        secrets += emulator.issued_secrets()
        assert len(server.responses) > 20 and len(secrets) >= 3
        server.assert_no_secret(secrets)
