"""What the recorded-response tests share: the server they were recorded against, a fake key, and a way
to put invented articles into a store (invented, so cassettes hold no third-party text)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any

from briefing.config import Settings

# Where the llama.cpp server listened when recording (README "Re-recording cassettes"); replay needs nothing.
LLM_URL = "http://127.0.0.1:8089/v1"
MODEL = "qwen2.5-coder-1.5b-instruct"
FAKE_KEY = "sk-test-0000000000000000"


def write_articles(folder: Path, articles: Mapping[str, tuple[str, date, str]]) -> Path:
    """Write {file: (outlet, published, text)} into `folder` with a manifest; returns the folder."""
    folder.mkdir(parents=True, exist_ok=True)
    rows = ["file,title,source,published"]
    for name, (outlet, published, text) in articles.items():
        (folder / name).write_text(text, encoding="utf-8")
        rows.append(f"{name},,{outlet},{published.isoformat()}")
    (folder / "manifest.csv").write_text("\n".join(rows) + "\n")
    return folder


def llm_settings(store_dir: Path, **overrides: Any) -> Settings:
    """Settings for the openai backend pointed at the recording server, with a key that is not real."""
    fields = {
        "store_dir": store_dir,
        "llm": "openai",
        "openai_base_url": LLM_URL,
        "openai_api_key": FAKE_KEY,
        "openai_model": MODEL,
    }
    return Settings(**{**fields, **overrides})
