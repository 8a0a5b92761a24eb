"""Questions at once on one model (issue 24 item 8): they take turns in the order asked, each hears how
many are ahead, and the model's timeout counts its own generation, not the wait for its turn. The model is
tests/fake_llm.py's server with one slot, as llama.cpp's server has by default and the local backend has
always; the answers run in threads, as the app's sessions do."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest

from briefing.answer import Answer, Answerer
from briefing.config import Settings
from briefing.llm import LLMError
from briefing.llm.queue import Waiting
from briefing.store import Store
from tests.fake_llm import fake_llm

QUESTION = "Whom did Hikvision hire to advise on human rights compliance?"
REPLY = "Hikvision retained former US Ambassador Pierre-Richard Prosper [1]."  # 8 words: ~1 s at 0.12 s each


def _answerer(seeded: tuple[Settings, Store], url: str, **overrides: object) -> Answerer:
    settings, store = seeded
    return Answerer(
        settings.with_overrides(llm="openai", openai_base_url=url, openai_api_key="sk-test",
                                openai_model="one-slot", llm_max_retries=0, **overrides),
        store,
    )  # fmt: skip


def _in_threads(work: Callable[[int], None], n: int, started: Callable[[int], None] = lambda i: None) -> None:
    threads = []
    for i in range(n):
        threads.append(threading.Thread(target=work, args=(i,), daemon=True))
        threads[-1].start()
        started(i)
    for t in threads:
        t.join(120)


def test_the_timeout_does_not_count_the_wait_for_a_turn(seeded: tuple[Settings, Store]) -> None:
    """Five at once, each generation ~1 s, timeout 3 s: the last waits ~4 s for its turn and must still
    be answered (before the queue, the server queued them unseen and the last two timed out)."""
    outcomes: dict[int, Answer | Exception] = {}
    with fake_llm(lambda prompt: REPLY, delay=0.12, one_at_a_time=True) as url:
        answerer = _answerer(seeded, url, llm_timeout=3)

        def ask(i: int) -> None:
            try:
                outcomes[i] = answerer.ask(QUESTION)
            except Exception as exc:
                outcomes[i] = exc

        _in_threads(ask, 5)
    failed = {i: str(o) for i, o in outcomes.items() if not isinstance(o, Answer)}
    assert len(outcomes) == 5 and not failed
    assert all("Prosper" in o.text and not o.unsupported for o in outcomes.values())  # type: ignore[union-attr]


def test_askers_take_turns_in_order_and_hear_their_place(seeded: tuple[Settings, Store]) -> None:
    gate = threading.Event()  # holds the first generation until every asker is in line
    with fake_llm(lambda prompt: gate.wait(60) and REPLY, delay=0.02) as url:
        answerer = _answerer(seeded, url)
        queue = answerer.model.queue  # type: ignore[union-attr]
        heard: dict[int, list[int]] = {}
        finished: list[int] = []

        def ask(i: int) -> None:
            heard[i] = []
            for part in answerer.stream(QUESTION):
                if isinstance(part, Waiting):
                    heard[i].append(part.ahead)
                elif isinstance(part, Answer) and "Prosper" in part.text:
                    finished.append(i)

        def in_line(i: int) -> None:  # the next asker starts only once this one has joined the line
            while queue.size() < i + 1:
                time.sleep(0.01)
            if i == 3:
                gate.set()

        _in_threads(ask, 4, in_line)
    assert finished == [0, 1, 2, 3]
    assert heard[0] == [] and all(
        heard[i][0] == i and heard[i] == sorted(heard[i], reverse=True) for i in (1, 2, 3)
    )
    assert queue.size() == 0  # every ticket left the line


def test_a_wait_past_llm_queue_wait_fails_as_busy_and_leaves_the_line(seeded: tuple[Settings, Store]) -> None:
    gate = threading.Event()
    with fake_llm(lambda prompt: gate.wait(60) and REPLY) as url:
        answerer = _answerer(seeded, url, llm_queue_wait=0.5)
        queue = answerer.model.queue  # type: ignore[union-attr]
        first: list[Answer] = []
        holder = threading.Thread(target=lambda: first.append(answerer.ask(QUESTION)), daemon=True)
        holder.start()
        while queue.size() < 1:
            time.sleep(0.01)
        with pytest.raises(
            LLMError, match="no turn at the model after waiting 0.5s \\(1 request still ahead\\)"
        ) as err:
            answerer.ask(QUESTION)
        assert err.value.kind == "busy" and queue.size() == 1
        gate.set()
        holder.join(60)
    assert first and "Prosper" in first[0].text and queue.size() == 0
