"""Turns at a model: one generation at a time per model, first come first served, in this process.

The local model is one llama.cpp context on a few cores: two generations at once are slower than one after
the other, and a context is not safe to share. Before this queue, six questions at once each started their
`llm_timeout` clock when they asked, so four timed out while waiting for the others (issue 24 item 8). Now
a request takes a ticket when it asks, waits its turn (at most `llm_queue_wait` seconds), and the model's
timeout starts when its turn does. A self-hosted OpenAI-compatible server queues the same way on its side,
where the client cannot see it, so the openai backend queues here too (`llm_parallel` turns at once).

An answer takes its ticket early and waits visibly (`wait_turn` yields `Waiting`, which the chat page shows
as the number of questions ahead); any model call in a thread that already holds the turn passes straight
through (`ModelQueue.turn`), and one that holds none (a brief's calls) waits in the same line, reported
to whoever set `reporting_waits` (a brief's progress shows "waiting for the model"). Waiting is never a
stall: the local backend's clocks start when its turn does.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from briefing.llm.errors import LLMError

POLL = 1.0  # seconds between reports to a waiting caller, so a page whose reader left can stop waiting


@dataclass(frozen=True)
class Waiting:
    """Yielded by `Answerer.stream` while the question waits for the model: `ahead` requests are before it
    (the ones being answered among them)."""

    ahead: int


_ON_WAIT: ContextVar[Callable[[Waiting], None] | None] = ContextVar("on_wait", default=None)


@contextmanager
def reporting_waits(report: Callable[[Waiting], None]) -> Iterator[None]:
    """Within the block, model calls made by this thread (or in contexts copied from it, as LangChain's
    are) report each `Waiting` to `report`: a brief shows that a section waits for the model rather than
    that it is slow."""
    token = _ON_WAIT.set(report)
    try:
        yield
    finally:
        _ON_WAIT.reset(token)


def report_wait(waiting: Waiting) -> None:
    """Tell the caller that set `reporting_waits`, if any, that its request is waiting."""
    if report := _ON_WAIT.get():
        report(waiting)


class Ticket:
    """One request's place in a `ModelQueue`. Leave it (or use it as a context manager) when done: a
    ticket never left blocks everyone behind it."""

    def __init__(self, queue: ModelQueue) -> None:
        self.queue = queue
        self.owner: int | None = None  # the thread that holds the turn with it

    def ahead(self) -> int:
        with self.queue.cond:
            return self.queue.ahead_of(self)

    def leave(self) -> None:
        with self.queue.cond:
            if self in self.queue.line:
                self.queue.line.remove(self)
                self.queue.cond.notify_all()

    def __enter__(self) -> Ticket:
        return self

    def __exit__(self, *exc: object) -> None:
        self.leave()


class ModelQueue:
    """The line of requests for one model; the first `slots` of it hold a turn."""

    def __init__(self, backend: str, name: str, slots: int = 1) -> None:
        self.backend = backend
        self.name = name
        self.slots = slots
        self.cond = threading.Condition()
        self.line: list[Ticket] = []

    def join(self) -> Ticket:
        """A ticket at the end of the line."""
        ticket = Ticket(self)
        with self.cond:
            self.line.append(ticket)
        return ticket

    def ahead_of(self, ticket: Ticket) -> int:
        """Requests before `ticket` that keep it waiting (0: its turn). Call holding `cond`."""
        return max(0, self.line.index(ticket) - self.slots + 1)

    def size(self) -> int:
        """Requests in the line, the ones being answered included."""
        with self.cond:
            return len(self.line)

    def held_here(self) -> bool:
        """Whether this thread holds a turn already (an answer that took it before calling the model)."""
        me = threading.get_ident()
        with self.cond:
            return any(t.owner == me for t in self.line[: self.slots])

    @contextmanager
    def turn(self, max_wait: float) -> Iterator[None]:
        """Hold a turn for the block, waiting at most `max_wait` seconds for it (reported to
        `reporting_waits`); a thread that holds one already passes through."""
        if self.held_here():
            yield
            return
        with self.join() as ticket:
            for waiting in wait_turn(ticket, max_wait):
                report_wait(waiting)
            yield


def wait_turn(ticket: Ticket, max_wait: float) -> Iterator[Waiting]:
    """Wait for `ticket`'s turn, yielding `Waiting` each time the number ahead changes and every POLL
    seconds; then the calling thread holds the turn. Raises LLMError (kind "busy") and leaves the line
    after `max_wait` seconds."""
    queue = ticket.queue
    give_up = time.monotonic() + max_wait
    with queue.cond:
        while (ahead := queue.ahead_of(ticket)) > 0:
            left = give_up - time.monotonic()
            if left <= 0:
                queue.line.remove(ticket)
                queue.cond.notify_all()
                raise LLMError(
                    f"{queue.name}: no turn at the model after waiting {max_wait:g}s "
                    f"({ahead} request{'s' if ahead != 1 else ''} still ahead); try again later",
                    backend=queue.backend,
                    kind="busy",
                )
            queue.cond.release()  # the caller may draw a page meanwhile: never hold the line's lock there
            try:
                yield Waiting(ahead)
            finally:
                queue.cond.acquire()
            queue.cond.wait_for(lambda a=ahead: queue.ahead_of(ticket) != a, timeout=min(POLL, left))
        ticket.owner = threading.get_ident()


_QUEUES: dict[str, ModelQueue] = {}
_QUEUES_LOCK = threading.Lock()


def queue_for(backend: str, name: str, slots: int = 1) -> ModelQueue:
    """The process-wide queue of the model called `name` ("local backend (x.gguf)": what errors say)."""
    with _QUEUES_LOCK:
        queue = _QUEUES.setdefault(name, ModelQueue(backend, name, slots))
        queue.slots = slots
        return queue
