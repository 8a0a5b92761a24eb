"""Settings: the tuned groups are read from nested environment variables and TOML tables, and a misspelt
variable, nested or not, is named with the one it most likely meant."""

from __future__ import annotations

from pathlib import Path

import pytest

from briefing.config import CheckerTuning, Settings, unknown_settings


def test_nested_variable_sets_one_field_of_its_group(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BRIEFING_CHECKER__SUPPORT_THRESHOLD", "0.5")
    monkeypatch.setenv("BRIEFING_RETRIEVAL__CANDIDATES", "40")
    s = Settings()
    assert s.checker.support_threshold == 0.5 and s.retrieval.candidates == 40
    assert s.checker.w_cosine == CheckerTuning().w_cosine  # the rest of the group keeps its defaults
    assert s.with_overrides(llm="extractive").checker.support_threshold == 0.5


def test_toml_table_sets_a_group_and_the_environment_wins(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    config = tmp_path / "briefing.toml"
    config.write_text(
        "top_k = 5\n\n[checker]\nsupport_threshold = 0.4\nw_names = 0.2\n\n[briefs]\nstory_threshold = 0.7\n"
    )
    monkeypatch.setenv("BRIEFING_CONFIG", str(config))
    monkeypatch.setenv("BRIEFING_CHECKER__W_NAMES", "0.3")
    s = Settings()
    assert (s.top_k, s.checker.support_threshold, s.checker.w_names, s.briefs.story_threshold) == (
        5,
        0.4,
        0.3,
        0.7,
    )


def test_invalid_tuned_value_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BRIEFING_CHECKER__SUPPORT_THRESHOLD", "1.5")
    with pytest.raises(ValueError, match="support_threshold"):
        Settings()


def test_unknown_settings_accept_nested_names_and_name_misspelt_ones(tmp_path: Path) -> None:
    environ = {
        "BRIEFING_CHECKER__SUPPORT_THRESHOLD": "0.5",
        "BRIEFING_EXTRACT__MIN_WORDS": "3",
        "BRIEFING_BRIEFS": '{"story_threshold": 0.7}',
        "BRIEFING_STORE_DIR": "x",
        "BRIEFING_CHECKER_SUPPORT_THRESHOLD": "0.5",
        "BRIEFING_CHECKER__SUPORT_THRESHOLD": "0.5",
        "BRIEFING_STORE": "x",
    }
    assert unknown_settings(environ, tmp_path / "none.toml") == [
        "BRIEFING_CHECKER_SUPPORT_THRESHOLD is not a briefing setting "
        "(did you mean BRIEFING_CHECKER__SUPPORT_THRESHOLD?)",
        "BRIEFING_CHECKER__SUPORT_THRESHOLD is not a briefing setting "
        "(did you mean BRIEFING_CHECKER__SUPPORT_THRESHOLD?)",
        "BRIEFING_STORE is not a briefing setting (did you mean BRIEFING_STORE_DIR?)",
    ]


def test_misspelt_keys_of_the_config_file_are_named_with_what_they_likely_meant(tmp_path: Path) -> None:
    config = tmp_path / "briefing.toml"
    config.write_text(
        'chroma_uri = "http://x"\ntop_k = 5\n[checker]\nsupport_threshold = 0.5\nsuport_threshold = 0.4\n'
    )
    assert unknown_settings({}, config) == [
        f"{config}: chroma_uri is not a briefing setting (did you mean chroma_url?)",
        f"{config}: [checker] suport_threshold is not a setting of checker (did you mean support_threshold?)",
    ]


def test_record_holds_the_named_settings_and_never_the_key() -> None:
    s = Settings(openai_api_key="sk-secret-0000", checker={"support_threshold": 0.5})
    record = s.record(["checker", "top_k"])
    assert record == {"top_k": 8, "checker": {**CheckerTuning().model_dump(), "support_threshold": 0.5}}
    assert "sk-secret" not in str(s.record(Settings.model_fields))
