"""The admin is private: login, signed sessions, bearer token, CSRF, security headers."""

from __future__ import annotations

import pytest
from pydantic import SecretStr
from tests.test_web_support import PASSWORD, csrf_from, login, make_client

from inboxmine.web import auth


@pytest.fixture
def client(settings, engine):
    with make_client(settings, engine) as c:
        yield c


@pytest.mark.parametrize(
    "path",
    ["/admin/", "/admin/pipeline", "/admin/pipeline-runs/list", "/docs", "/admin/gem-explorer"],
)
def test_every_page_asks_for_a_login(client, path):
    response = client.get(path, follow_redirects=False)
    assert response.status_code == 302
    assert response.headers["location"].startswith("/admin/login?next=")


@pytest.mark.parametrize(
    "method, path",
    [
        ("get", "/api/pipeline/runs"),
        ("get", "/api/stats"),
        ("get", "/openapi.json"),
        ("post", "/api/pipeline/run/all"),
        ("get", "/api/pipeline/stream"),
    ],
)
def test_every_endpoint_answers_401_without_login(client, method, path):
    response = getattr(client, method)(path)
    assert response.status_code == 401
    assert response.json()["detail"] == "login required"


def test_wrong_password_is_refused(client):
    page = client.get("/admin/login")
    response = client.post(
        "/admin/login", data={"password": "guess", "csrf_token": csrf_from(page.text)}
    )
    assert response.status_code == 400
    assert "Wrong password" in response.text
    assert client.get("/api/stats").status_code == 401


def test_login_opens_pages_and_api_and_returns_to_next(client):
    page = client.get("/admin/login?next=/admin/pipeline")
    response = client.post(
        "/admin/login?next=/admin/pipeline",
        data={"password": PASSWORD, "csrf_token": csrf_from(page.text)},
        follow_redirects=False,
    )
    assert response.headers["location"] == "/admin/pipeline"
    assert client.get("/api/stats").status_code == 200
    assert client.get("/admin/pipeline").status_code == 200


def test_login_never_redirects_to_another_site():
    assert auth.safe_next("https://evil.example/") == "/admin/"
    assert auth.safe_next("//evil.example/x") == "/admin/"
    assert auth.safe_next("/admin/gem-explorer?type=x") == "/admin/gem-explorer?type=x"


def test_login_form_needs_its_csrf_token(client):
    client.get("/admin/login")
    response = client.post("/admin/login", data={"password": PASSWORD})
    assert response.status_code == 403


def test_state_changes_need_the_csrf_token(client):
    token = login(client)
    assert client.post("/api/pipeline/run/all").status_code == 403
    wrong = client.post("/api/pipeline/run/all", headers={"X-CSRF-Token": "nope"})
    assert wrong.status_code == 403
    assert "CSRF" in wrong.json()["detail"]
    # With the token the request reaches the endpoint (422: no such stage).
    ok = client.post("/api/pipeline/run/nosuchstage", headers={"X-CSRF-Token": token})
    assert ok.status_code == 422


def test_cross_site_posts_are_refused_even_with_a_token(client):
    token = login(client)
    response = client.post(
        "/api/pipeline/run/nosuchstage",
        headers={"X-CSRF-Token": token, "Origin": "https://evil.example"},
    )
    assert response.status_code == 403


def test_a_tampered_session_cookie_is_not_a_login(client):
    login(client)
    cookie = client.cookies.get(auth.SESSION_COOKIE)
    tampered = cookie[:-4] + ("AAAA" if not cookie.endswith("AAAA") else "BBBB")
    client.cookies.clear()
    client.cookies.set(auth.SESSION_COOKIE, tampered)
    assert client.get("/api/stats").status_code == 401


def test_bearer_token_opens_the_api_without_csrf(settings, engine):
    settings = settings.model_copy(update={"api_token": SecretStr("s3cret-token")})
    with make_client(settings, engine) as c:
        headers = {"Authorization": "Bearer s3cret-token"}
        assert c.get("/api/stats", headers=headers).status_code == 200
        assert c.post("/api/pipeline/run/nosuchstage", headers=headers).status_code == 422
        bad = c.get("/api/stats", headers={"Authorization": "Bearer wrong"})
        assert bad.status_code == 401


def test_no_bearer_token_configured_means_bearer_never_works(client):
    assert client.get("/api/stats", headers={"Authorization": "Bearer "}).status_code == 401


def test_pages_carry_a_strict_content_security_policy(client):
    login(client)
    response = client.get("/admin/")
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-eval" not in csp
    assert "img-src 'self' data:" in csp
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "<script>" not in response.text  # no inline scripts anywhere


def test_generated_password_when_none_is_configured(settings, engine):
    from inboxmine.web.app import create_app

    app = create_app(settings, engine, queue_mode="immediate")
    assert app.state.generated_password and len(app.state.generated_password) >= 12


def test_the_session_key_is_kept_next_to_the_database(settings, tmp_path):
    first = auth.session_secret(settings)
    assert auth.session_secret(settings) == first
    if settings.database_url.startswith("sqlite"):
        secret_file = tmp_path / "inboxmine-web.secret"
        assert secret_file.read_text() == first
        assert secret_file.stat().st_mode & 0o077 == 0
