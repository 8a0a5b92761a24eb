"""One short, checked rewrite of a sentence that does not read alone ("It added that it had hired ..."):
the model restates its subject from the claim's own passage (`prompts/restate.md`), and the rewrite stands
only when it reads alone (`standalone.py`), keeps every name and figure of the sentence, and its passage
supports it (the checker's own rule). Otherwise the sentence is not stated."""

from __future__ import annotations

from briefing.brief.claims import Claim
from briefing.brief.context import Context
from briefing.brief.standalone import breaks
from briefing.chunk import split_sentences
from briefing.extract import cite
from briefing.llm import LLMError
from briefing.markers import strip_markers
from briefing.prompts import load_prompt, source_tag
from briefing.repair import Repair, supporting_passage
from briefing.signals import left_out


def restate(ctx: Context, sentence: str, claim: Claim, own: int) -> tuple[str, Repair] | None:
    """The sentence rewritten to read alone and cited to its claim's passage `own`, with the repair that
    records it; None without a model, or when the rewrite fails a check."""
    if ctx.model is None:
        return None
    plain = strip_markers(sentence).strip()
    try:
        message = (load_prompt("restate").template() | ctx.model).invoke(
            {"source": source_tag(own, claim.text), "sentence": plain}
        )
    except LLMError:
        return None
    lines = [x.strip(' -•"') for x in str(message.content).splitlines() if x.strip()]
    line = strip_markers(lines[0]).strip() if lines else ""
    if len(split_sentences(line)) != 1 or breaks(line) or left_out(line, plain):
        return None
    if not supporting_passage(line, [claim.chunk], ctx.embedder, ctx.settings.checker):
        return None
    text = cite(line, [own])
    return text, Repair("restated", sentence, f"does not read alone ({breaks(plain)})", text)
