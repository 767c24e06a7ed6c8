"""Plain-function tests: parameter validation, scope parsing, consent URLs, error mapping."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import pytest

from jupyterlab_globus_kit.errors import GlobusKitError, from_globus_response
from jupyterlab_globus_kit.scopes import consent_url, parse_scopes, resource_server_of
from jupyterlab_globus_kit.validation import parse_name, parse_path, parse_uuid

ID = "a4969b8e-36fe-4d4b-9d5e-5f1a2b3c4d01"


class TestParsePath:
    @pytest.mark.parametrize("raw,want", [
        ("/", "/"), ("/a/b", "/a/b"), ("/a//b/./c/", "/a/b/c/"), ("/~/", "/~/"),
        ("/<img src=x onerror=alert(1)>.csv", "/<img src=x onerror=alert(1)>.csv"),
        ("/ spaced name /", "/ spaced name /"),
    ])
    def test_should_accept_and_normalise(self, raw, want):
        assert parse_path(raw) == want

    @pytest.mark.parametrize("raw", ["a/b", "/a/../b", "/..", "/a\x00b", "/a\nb", "", None])
    def test_should_refuse(self, raw):
        with pytest.raises(GlobusKitError) as err:
            parse_path(raw)
        assert err.value.status == 400

    def test_should_use_the_default_when_absent(self):
        assert parse_path(None, default="/~/") == "/~/"


class TestParseUuidAndName:
    def test_should_accept_a_uuid_and_lower_case_it(self):
        assert parse_uuid(ID.upper(), "id") == ID

    @pytest.mark.parametrize("raw", ["x", ID.replace("-", ""), "{" + ID + "}", f"urn:uuid:{ID}"])
    def test_should_refuse_other_forms(self, raw):
        with pytest.raises(GlobusKitError):
            parse_uuid(raw, "id")

    @pytest.mark.parametrize("raw", ["", ".", "..", "a/b", "a\x00"])
    def test_should_refuse_bad_names(self, raw):
        with pytest.raises(GlobusKitError):
            parse_name(raw)


class TestScopes:
    def test_should_parse_dependencies(self):
        (scope,) = parse_scopes(f"urn:x:all[*https://auth.globus.org/scopes/{ID}/data_access b]")
        assert scope.name == "urn:x:all"
        assert [d.format() for d in scope.dependencies] == [
            f"*https://auth.globus.org/scopes/{ID}/data_access", "b"]

    @pytest.mark.parametrize("raw", ["a[b", "a]b", "a[]x[", "*"])
    def test_should_refuse_malformed_strings(self, raw):
        with pytest.raises(GlobusKitError) as err:
            parse_scopes(raw)
        assert err.value.code == "BAD_SCOPE"

    def test_should_name_resource_servers(self):
        assert resource_server_of("urn:globus:auth:scope:transfer.api.globus.org:all") == (
            "transfer.api.globus.org")
        assert resource_server_of(f"https://auth.globus.org/scopes/{ID}/https") == ID

    def test_should_build_the_kernel_helpers_consent_url(self):
        url = consent_url(["s:all[*d]"], auth_base="http://127.0.0.1:1/", client_id="cid")
        # URLSearchParams in kernel-helpers gives exactly this for the same input.
        assert url == ("http://127.0.0.1:1/v2/oauth2/authorize?client_id=cid&redirect_uri="
                       "http%3A%2F%2F127.0.0.1%3A1%2Fv2%2Fweb%2Fauth-code&scope=s%3Aall%5B*d%5D"
                       "&response_type=code")
        assert parse_qs(urlsplit(url).query)["scope"] == ["s:all[*d]"]


class TestFromGlobusResponse:
    def make(self, status, body, expired=False, secrets=()):
        return from_globus_response(
            service="Transfer", operation="ls", status=status,
            text=body if isinstance(body, str) else json.dumps(body), resource="x",
            token_expired=expired, resource_server="transfer.api.globus.org",
            consent_url=lambda s: "URL:" + " ".join(s), secrets=secrets)

    @pytest.mark.parametrize("status,code,ours", [
        (401, "UNAUTHORIZED", 401), (403, "FORBIDDEN", 403), (404, "NOT_FOUND", 404),
        (409, "CONFLICT", 409), (429, "RATE_LIMITED", 429), (500, "API_ERROR", 502),
        (400, "API_ERROR", 400),
    ])
    def test_should_map_statuses(self, status, code, ours):
        err = self.make(status, {"code": "X", "message": "m", "request_id": "r"})
        assert (err.code, err.status) == (code, ours)
        assert err.facts["requestId"] == "r" and err.facts["globusCode"] == "X"

    def test_should_prefer_token_expired_for_an_expired_token(self):
        assert self.make(401, {"code": "AuthenticationFailed"}, expired=True).code == (
            "TOKEN_EXPIRED")

    @pytest.mark.parametrize("body", [
        {"code": "ConsentRequired", "required_scopes": ["a[b]"]},
        {"code": "AuthorizationRequired",
         "authorization_parameters": {"required_scopes": ["a[b]"]}},
        {"errors": [{"code": "X", "authorization_parameters": {"required_scopes": "a[b]"}}]},
        {"error": "dependent_consent_required", "unapproved_scopes": ["a[b]"]},
    ])
    def test_should_find_every_gare_shape(self, body):
        err = self.make(403, body)
        assert err.code == "CONSENT_REQUIRED"
        assert err.facts["consentUrl"] == "URL:a[b]"

    # The three session shapes Transfer sends (a legacy comma string of policies, an
    # HA/domain ls with lists, an MFA requirement), each without required_scopes.
    @pytest.mark.parametrize("body,want", [
        ({"code": "AuthPolicyFailed", "message": "Failing collection authentication policy",
          "authorization_parameters": {
              "session_message": "Failing collection authentication policy",
              "session_required_policies": "6a2f,9b1c"}},
         {"session_required_policies": ["6a2f", "9b1c"],
          "session_message": "Failing collection authentication policy"}),
        ({"code": "ExternalError.DirListingFailed.LoginFailed",
          "authorization_parameters": {
              "session_message": "Session reauthentication required (Globus Transfer)",
              "session_required_identities": [], "session_required_mfa": False,
              "session_required_single_domain": ["globus.org"]}},
         {"session_required_single_domain": ["globus.org"],
          "session_message": "Session reauthentication required (Globus Transfer)"}),
        ({"errors": [{"code": "AuthenticationFailed", "authorization_parameters": {
            "session_required_mfa": True, "session_required_identities": ["u@x.org"]}}]},
         {"session_required_identities": ["u@x.org"], "session_required_mfa": True}),
    ])
    def test_regression_17_a_session_requirement_is_not_an_empty_consent(self, body, want):
        # Before: CONSENT_REQUIRED with "missing scope " and a consent URL for no scope.
        err = self.make(403, body)
        assert (err.code, err.status) == ("SESSION_REQUIRED", 403)
        assert err.facts["authorizationParameters"] == want
        assert "consentUrl" not in err.facts and "requiredScopes" not in err.facts
        assert "Log in again" in str(err)

    def test_should_keep_consent_first_when_scopes_and_a_session_are_asked(self):
        err = self.make(403, {"code": "ConsentRequired", "authorization_parameters": {
            "required_scopes": ["a[b]"], "session_required_single_domain": ["x.org"]}})
        assert err.code == "CONSENT_REQUIRED"

    def test_should_scrub_secrets_from_the_message(self):
        err = self.make(502, "<html>proxy echoed Bearer AgSecret123</html>",
                        secrets=["AgSecret123"])
        assert "AgSecret123" not in str(err) and "[redacted]" in str(err)
