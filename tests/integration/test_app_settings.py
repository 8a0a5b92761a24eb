"""The Settings page, driven by AppTest: a key typed in the app lives in the session only, a URL typed
there never gets the operator's key, and the session's backend and model override the configuration.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from pydantic import SecretStr
from streamlit.testing.v1 import AppTest

from briefing.app import state as sup
from tests.fake_llm import fake_llm
from tests.integration import app_helpers
from tests.integration.app_helpers import APP, TIMEOUT, app_env, ask, page_text
from tests.paths import PROJECT_ROOT

app, filled_store = app_helpers.app, app_helpers.filled_store  # fixtures, found by pytest in this module

SESSION_KEY = f"sk-app-test-{uuid.uuid4().hex}"  # made at run time, so no file holds it beforehand


def test_settings_key_lives_in_the_session_only(app: AppTest, filled_store: Path) -> None:
    assert "extractive" in app.sidebar.markdown[0].value
    app.switch_page("views/settings.py").run()
    app.radio[0].set_value("openai")
    app.text_input[0].set_value("gpt-4o-mini")
    app.text_input[2].set_value(SESSION_KEY)
    app.button[0].click().run()
    assert not app.exception
    assert isinstance(app.session_state[sup.KEY_API_KEY], SecretStr)
    assert "openai · gpt-4o-mini at api.openai.com · key from this session" in app.sidebar.markdown[
        0
    ].value.replace("\\", "")
    assert SESSION_KEY not in page_text(app) and app.text_input[2].value == ""
    assert "An API key is set for this session" in app.caption[0].value
    for root in (filled_store, PROJECT_ROOT):
        for path in root.rglob("*"):
            if (
                path.is_file()
                and ".venv" not in path.parts
                and ".git" not in path.parts
                and path.stat().st_size < 50_000_000
            ):
                assert SESSION_KEY.encode() not in path.read_bytes(), path
    app.button[1].click().run()  # forget the key
    assert sup.KEY_API_KEY not in app.session_state


def test_a_base_url_typed_in_the_app_never_gets_the_operators_key(
    monkeypatch: pytest.MonkeyPatch, filled_store: Path
) -> None:
    operator_key = "sk-operator-0123456789abcdef0123"
    app_env(monkeypatch, filled_store, OPENAI_API_KEY=operator_key, BRIEFING_LLM_MAX_RETRIES="0")
    seen: list[str] = []
    with fake_llm(lambda prompt: "The toll rises to 4 euros [1].", seen_auth=seen) as url:
        at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
        at.switch_page("views/settings.py").run()
        at.radio[0].set_value("openai")
        at.text_input[1].set_value(url)  # a visitor's own server, no key typed
        at.button[0].click().run()
        at.switch_page("views/chat.py").run()
        ask(at, "How much will the Kessel bridge toll rise to?")
        assert seen and all(operator_key not in h for h in seen), seen
        at.switch_page("views/settings.py").run()
        at.text_input[2].set_value("sk-visitor-0123456789abcdef0123")  # the visitor's own key goes there
        at.button[0].click().run()
        at.switch_page("views/chat.py").run()
        ask(at, "How much will the Kessel bridge toll rise to?")
        assert seen[-1] == "Bearer sk-visitor-0123456789abcdef0123"
    settings = sup.session_settings({})  # the operator's key still goes to the configured URL
    assert settings.openai_api_key is not None and settings.openai_api_key.get_secret_value() == operator_key


def test_settings_choose_backend_and_model(app: AppTest) -> None:
    app.switch_page("views/settings.py").run()
    app.radio[0].set_value("openai")
    app.text_input[1].set_value("http://127.0.0.1:8089/v1")
    app.button[0].click().run()
    assert "openai · gpt-4o-mini at 127.0.0.1:8089" in app.sidebar.markdown[0].value.replace("\\", "")
    app.radio[0].set_value("extractive")
    app.button[0].click().run()
    assert "extractive" in app.sidebar.markdown[0].value


def test_session_settings_override_the_configuration(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    app_env(monkeypatch, tmp_path)
    s = sup.session_settings({sup.KEY_BACKEND: "local", sup.KEY_MODEL: "/models/x.gguf"})
    assert s.llm == "local" and str(s.local_model_path) == "/models/x.gguf" and s.store_dir == tmp_path
    assert sup.session_settings({}).llm == "extractive"
