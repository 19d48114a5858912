"""The console's cookie sessions: signed and checked as Flask signs them, the signer built once per key,
and nothing built or set for a request that carries no session."""

from __future__ import annotations

from flask import Flask, session

from bot.sessions import CookieSessions

KEY, OLD_KEY = "k" * 40, "o" * 40


def session_app(secret_key: str, *, fallbacks: tuple[str, ...] = ()) -> Flask:
    app = Flask(__name__)
    app.config.update(SECRET_KEY=secret_key, SECRET_KEY_FALLBACKS=list(fallbacks), SESSION_COOKIE_NAME="s")
    app.session_interface = CookieSessions()

    @app.post("/remember/<word>")
    def remember(word: str) -> str:
        session["word"] = word
        return "ok"

    @app.get("/recall")
    def recall() -> str:
        return str(session.get("word", "-"))

    return app


def test_a_request_without_the_cookie_gets_an_empty_session_and_no_cookie():
    client = session_app(KEY).test_client()
    response = client.get("/recall")
    assert response.get_data(as_text=True) == "-"
    assert "Set-Cookie" not in response.headers


def test_what_a_request_keeps_is_read_back_on_the_next():
    client = session_app(KEY).test_client()
    assert "Set-Cookie" in client.post("/remember/typhoon").headers
    assert client.get("/recall").get_data(as_text=True) == "typhoon"


def test_a_cookie_signed_with_another_key_is_not_believed():
    forger = session_app("f" * 40).test_client()
    forger.post("/remember/admin")
    cookie = forger.get_cookie("s")
    client = session_app(KEY).test_client()
    client.set_cookie("s", cookie.value)
    assert client.get("/recall").get_data(as_text=True) == "-"


def test_a_rotated_key_still_reads_a_session_signed_with_the_old_one():
    before = session_app(OLD_KEY).test_client()
    before.post("/remember/shelter")
    after = session_app(KEY, fallbacks=(OLD_KEY,)).test_client()
    after.set_cookie("s", before.get_cookie("s").value)
    assert after.get("/recall").get_data(as_text=True) == "shelter"


def test_the_signer_is_built_once_per_key():
    app = session_app(KEY)
    interface = app.session_interface
    assert isinstance(interface, CookieSessions)
    first = interface.get_signing_serializer(app)
    assert first is not None
    assert interface.get_signing_serializer(app) is first
    app.config["SECRET_KEY"] = "n" * 40
    assert interface.get_signing_serializer(app) is not first
