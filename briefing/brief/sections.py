"""Which claim goes where: every claim to at most one section, so no claim is stated twice in a brief.

Sections choose in PICK_ORDER (the bottom line first, then the kinds with a clear mark: a named actor, a
forward-looking or an impact word), each taking the free claims that fit it best: the cosine of the claim
with the section's queries plus its relevance to the topic, above a floor so an off-subject claim is left
out rather than forced in.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

import numpy as np

from briefing.brief.claims import Claim, group_of
from briefing.brief.templates import PICK_ORDER, SectionSpec
from briefing.config import BriefTuning
from briefing.embeddings import Embedder

FUTURE_CUE = re.compile(
    r"\b(will|would|expected|expects?|plans?|planned|next (?:week|month|year)|deadline|due to|scheduled|"
    r"coming weeks|could|may|might|likely|decision|decide|consider(?:s|ing)?|weigh(?:s|ing)?)\b",
    re.I,
)
EVENT_CUE = re.compile(  # something happened, or was reported to: a dated or past-tense action
    r"\b(on (?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)|last (?:week|month|year)|this week|"
    r"yesterday|earlier|in (?:january|february|march|april|may|june|july|august|september|october|november|"
    r"december)|announced|reported|blocked|added|placed|banned|voted|fell|rose|opened|closed|signed|hired|"
    r"retained|imposed|issued|raised|cut|moved|decided|approved|rejected|launched|filed|sued)\b",
    re.I,
)
NO_COMMENT = re.compile(  # not a position: taken for an actor only when nothing it said is left
    r"\b(?:did not|didn't|does not|declined to|could not be reached|was not available)\b[^.]{0,40}"
    r"\b(?:respond|comment|reply|reached)",
    re.I,
)
IMPACT_CUE = re.compile(
    r"\b(impact|effect|affect|consequences?|risks?|threat|threaten\w*|undercut\w*|inflame|escalat\w*|"
    r"cost|hit|damage|harm|pressure|tensions?|cripple|retaliat\w*|speed|switch|concern\w*)\b",
    re.I,
)


def assign(
    claims: Sequence[Claim],
    specs: Sequence[SectionSpec],
    embedder: Embedder,
    tuning: BriefTuning,
    outlets: dict[int, int] | None = None,
) -> list[list[Claim]]:
    """The claims of each section, in `specs` order. `outlets[i]` is how many independent outlets carry
    claim i (default 1). A claim too close to one already placed (`redundant`) is left out: two outlets'
    different wordings of one fact are still one fact."""
    if not claims:
        return [[] for _ in specs]
    vectors = np.stack([c.vector for c in claims])
    relevance = np.array([c.relevance for c in claims])
    placed: list[int] = []
    chosen: list[list[Claim]] = [[] for _ in specs]

    def fresh(i: int) -> bool:
        return not placed or float((vectors[placed] @ vectors[i]).max()) < tuning.redundant

    for kind in PICK_ORDER:
        for si, spec in enumerate(specs):
            if spec.select != kind:
                continue
            fit = (vectors @ embedder.embed_documents(list(spec.queries)).T).max(axis=1) + relevance
            order = _candidates(
                kind, claims, fit, set(range(len(claims))) - set(placed), outlets or {}, tuning
            )
            picked = _take(kind, claims, order, fresh, spec.items, tuning)
            placed += picked
            chosen[si] = [claims[i] for i in picked]
    return chosen


def _candidates(
    kind: str,
    claims: Sequence[Claim],
    fit: np.ndarray,
    free: set[int],
    outlets: dict[int, int],
    tuning: BriefTuning,
) -> list[int]:
    """The free claims a section of this kind may take, best first: for the bottom line, the most relevant
    (more so when several outlets carry it), else those fitting the section above `min_fit`."""
    if kind == "top":
        score = {i: claims[i].relevance + tuning.corroboration_bonus * (outlets.get(i, 1) - 1) for i in free}
        return sorted(score, key=lambda i: -score[i])
    cue = {"future": FUTURE_CUE, "impact": IMPACT_CUE, "events": EVENT_CUE}.get(kind)
    if kind == "actors":  # a named actor's statement belongs here however it is worded; silence goes last
        return sorted(
            (i for i in free if claims[i].actor),
            key=lambda i: (bool(NO_COMMENT.search(claims[i].text)), -fit[i]),
        )
    ok = [i for i in free if fit[i] >= tuning.min_fit and (cue is None or cue.search(claims[i].text))]
    return sorted(ok, key=lambda i: -fit[i])


def _take(
    kind: str,
    claims: Sequence[Claim],
    order: list[int],
    fresh: Callable[[int], bool],
    items: int,
    tuning: BriefTuning,
) -> list[int]:
    """The first `items` fresh candidates; for actors, up to `claims_per_actor` claims of each of the first
    `items` actors, an actor's claims together."""
    if kind != "actors":
        out: list[int] = []
        for i in order:
            if len(out) == items:
                break
            if fresh(i) and all(float(claims[i].vector @ claims[j].vector) < tuning.redundant for j in out):
                out.append(i)
        return out
    groups: dict[str, list[int]] = {}
    for i in order:
        key = group_of(claims[i].actor, groups)
        if key not in groups and len(groups) == items:
            continue
        members = groups.setdefault(key, [])
        if (
            len(members) < tuning.claims_per_actor
            and fresh(i)
            and all(float(claims[i].vector @ claims[j].vector) < tuning.redundant for j in members)
        ):
            members.append(i)
    return [i for members in groups.values() for i in members]
