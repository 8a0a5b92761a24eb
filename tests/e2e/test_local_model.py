"""The packaged local model for real: llama.cpp in process on the GGUF that `make model` assembles. Few
and slow on purpose; everything around the model is tested in the other tiers."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from langchain_core.messages import HumanMessage, SystemMessage

from briefing import llm, model_install
from briefing.answer import Answerer
from briefing.config import Settings
from briefing.llm import LLMInfo
from briefing.store import Store
from tests.paths import PROJECT_ROOT


def _real_gguf() -> Path | None:
    default = PROJECT_ROOT / model_install.default_model_path()
    if default.is_file():
        return default
    return next(iter(sorted((PROJECT_ROOT / "models").glob("*.gguf"))), None)


@pytest.mark.slow
def test_local_model_streams_a_grounded_answer() -> None:
    path = _real_gguf()
    if path is None:
        pytest.fail("no models/*.gguf: run `make model` to assemble the local model")
    if llm.llama_cpp_import_error():
        pytest.fail(f"llama_cpp not importable: {llm.llama_cpp_import_error()}")
    s = Settings(llm="local", local_model_path=path, llm_total_timeout=120)
    model, info = llm.get_chat_model(s)
    assert info == LLMInfo("local", path.stem)
    assert llm.load_llama(str(path))[0] is llm.load_llama(str(path))[0]
    msgs = [
        SystemMessage("Answer only from the context, in one short sentence, and cite the passage like [1]."),
        HumanMessage(
            "Context:\n[1] Reuters, 2019-05-22: The US Commerce Department is weighing adding "
            "Hikvision to its entity list over the surveillance of Uighurs in Xinjiang.\n\n"
            "Question: Why is the US considering blacklisting Hikvision?"
        ),
    ]
    chunks: Iterator = model.stream(msgs, max_tokens=32)
    pieces = [c.content for c in chunks]
    text = "".join(pieces)
    assert len([p for p in pieces if p]) > 3, "tokens should arrive one by one"
    assert text.strip()


@pytest.mark.slow
def test_local_model_answers_the_demo_question(seeded: tuple[Settings, Store]) -> None:
    """The default backend for real: llama.cpp in process on the packaged model (make model installs it),
    on the question `make demo` asks."""
    settings, store = seeded
    # A generous timeout: two shared cores under a CI run can be many times slower than a quiet machine.
    answerer = Answerer(settings.with_overrides(llm="local", llm_total_timeout=900), store)
    assert answerer.note is None, answerer.note
    answer = answerer.ask("How did Hikvision respond to the human rights concerns?")
    assert answer.backend == "local" and answer.model.startswith("qwen2.5-coder-1.5b")
    assert re.search(r"engaged|seriously|Prosper", answer.text), answer.text
    assert answer.citations and not answer.unsupported and not answer.not_in_sources
    assert {"Al Jazeera", "South China Morning Post", "Nikkei Asian Review (Financial Times)"} & {
        c.outlet for c in answer.citations
    }
    assert answer.usage["prompt_tokens"] < 1200 and answer.usage["completion_tokens"] > 0


# --- what a live model may do: ignore the sources, skip or invent markers -------------------------
