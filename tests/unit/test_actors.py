"""The actor check (`actors.py`): who did or said it must be who the passage says did, on the seed articles
(read at test time from ../shared). Misattributions seen from the local model fail; the passages' own
sentences and faithful paraphrases pass."""

from __future__ import annotations

from pathlib import Path

import pytest

from briefing.actors import Sentence, actor_mismatch, claim_actor, passage_sentences
from briefing.chunk import split_sentences

ST = "002_de3c650d3d227cfa.txt"  # The Straits Times: China exports the technology; Lu Kang; Batke
FMT = "000_aa3f24ceda542d04.txt"  # Free Malaysia Today: the lawmakers' letter; Beijing on Xinjiang
FT = "003_26db3f3385e37aff.txt"  # Nikkei/FT: Prosper, Megvii, iFlytek, DJI
AJ = "004_7429f206eed36188.txt"  # Al Jazeera: the spokesperson, Engel, Marro


def _sentences(text: str) -> list[Sentence]:
    return passage_sentences([text[s.start : s.end] for s in split_sentences(text)])


@pytest.fixture(scope="module")
def seeds(seeds_dir: Path) -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in seeds_dir.glob("*.txt")}


@pytest.mark.parametrize(
    ("seed", "claim", "actor", "passage_actor"),
    [
        (  # seen from the local model: the passage says China, and names Hikvision in the sentence before
            ST,
            "The Chinese surveillance equipment maker Hikvision has begun exporting surveillance technology to "
            "Ecuador, Zimbabwe, Uzbekistan, Pakistan, and the United Arab Emirates.",
            "Hikvision",
            "China",
        ),
        (
            ST,
            "The Chinese surveillance technology firm Hikvision has begun exporting surveillance technology to "
            "Ecuador, Zimbabwe, Uzbekistan, Pakistan, and the United Arab Emirates.",
            "Hikvision",
            "China",
        ),
        (ST, "Dahua has begun exporting surveillance technology to Ecuador and Zimbabwe.", "Dahua", "China"),
        (
            FMT,
            "China said its actions in Xinjiang may constitute crimes against humanity.",
            "China",
            "lawmakers",
        ),
        (
            FMT,
            "Beijing said China's actions in Xinjiang may constitute crimes against humanity.",
            "Beijing",
            "lawmakers",
        ),  # fmt: skip
        (
            FMT,
            "The lawmakers said China's measures in Xinjiang are aimed at stemming the threat of Islamist militancy.",
            "lawmakers",
            "Beijing",
        ),
        (
            ST,
            "Pompeo said taking this step would be a tangible signal that the US government is willing to act.",
            "Pompeo",
            "Batke",
        ),
        (FT, "iFlytek said it was not aware of being on any US government list.", "iFlytek", "Megvii"),
        (FT, "Megvii said it had made alternative plans against extreme situations.", "Megvii", "iFlytek"),
    ],
)
def test_a_claim_naming_another_actor_fails(
    seeds: dict[str, str], seed: str, claim: str, actor: str, passage_actor: str
) -> None:
    reason = actor_mismatch(claim, _sentences(seeds[seed]))
    assert reason.startswith(f"actor {actor}") or f"actor The {actor}" in reason, reason
    assert reason.split(": ", 1)[1].endswith(passage_actor) or passage_actor in reason.split(": ", 1)[1]


def test_the_reason_names_both_actors(seeds: dict[str, str]) -> None:
    claim = "The Chinese surveillance equipment maker Hikvision has begun exporting surveillance technology."
    assert actor_mismatch(claim, _sentences(seeds[ST])) == "actor Hikvision not the passage's: China"


def test_every_sentence_of_the_seeds_passes_against_its_article(seeds: dict[str, str]) -> None:
    """What the extractive backend writes: the passages' own sentences, which must always pass."""
    for text in seeds.values():
        sentences = _sentences(text)
        for s in sentences:
            assert actor_mismatch(s.text, sentences) == "", s.text


@pytest.mark.parametrize(
    ("seed", "claim"),
    [
        (ST, "China has begun exporting surveillance technology to Ecuador, Zimbabwe and Pakistan."),
        (ST, "China's Foreign Ministry said China opposes the US smearing Chinese companies."),
        (ST, "The Foreign Ministry said China opposes the US smearing Chinese companies."),
        (ST, "Lu Kang said China urges the US to provide a fair and non-discriminatory environment."),
        (ST, "Kang said China urges the US to provide a fair and non-discriminatory environment."),
        (ST, "Beijing said China opposes the US smearing Chinese companies."),  # the country's capital
        (ST, "China opposes the US smearing Chinese companies, the Foreign Ministry said."),
        (ST, "Hikvision says its products enable clients to track people by their facial features."),
        (ST, "The company says it has more than 34,000 global employees."),
        (ST, "Hikvision has more than 34,000 global employees, the company says."),
        (ST, "Hikvision's shares fell as much as 9.6 per cent before recovering."),
        (ST, "Jessica Batke said taking this step would be a tangible signal to US and foreign companies."),
        (
            ST,
            "Batke said the ongoing trade war perhaps undercuts the perception of purely human rights concerns.",
        ),
        (ST, "Adam Schiff said the House Intelligence Committee could scrutinise US companies."),
        (
            ST,
            "Mike Pompeo said the Chinese are working to put their systems in networks all across the world.",
        ),
        (ST, "The US Commerce Department would place Hikvision on an entity list."),
        (ST, "The company supplies large parts of China's extensive surveillance system."),
        (ST, "Hikvision supplies large parts of China's extensive surveillance system."),
        (ST, "Hikvision's products include traffic cameras, thermal cameras and unmanned aerial vehicles."),
        (
            ST,
            "Lawmakers from both parties have called on the administration to impose sanctions on Hikvision.",
        ),
        (FMT, "Shares of Hikvision opened 10% lower."),
        (FMT, "Hikvision shares opened 10% lower after the report."),
        (FMT, "Huawei was blocked from buying US goods by the US Commerce Department."),
        (FMT, "The lawmakers said China's actions in Xinjiang may constitute crimes against humanity."),
        (
            FMT,
            "Beijing has said its measures in Xinjiang are aimed at stemming the threat of Islamist militancy.",
        ),
        (FMT, "China said its measures in Xinjiang are aimed at stemming the threat of Islamist militancy."),
        (FMT, "The executive said the chips Hikvision uses are very commercial."),
        (FMT, "Hikvision said the chips it uses are very commercial and most suppliers are in China."),
        (FMT, "An executive told Reuters the company had not been informed of the possible US blacklisting."),
        (FMT, "Hikvision told Reuters it had not been informed of the possible US blacklisting."),
        (AJ, "Hikvision said it takes these concerns very seriously."),
        (AJ, "A Hikvision spokesperson said the company takes these concerns very seriously."),
        (
            AJ,
            "Hikvision has retained former US Ambassador Pierre-Richard Prosper to advise it on compliance.",
        ),
        (AJ, "Eliot Engel said US companies may be contributing to Beijing's persecution of Uyghurs."),
        (AJ, "Nick Marro said technology issues lie at the heart of the bilateral economic friction."),
        (AJ, "Marro said the EIU still thinks both sides will step back from further escalation."),
        (AJ, "Human Rights Watch has said companies like Hikvision supply equipment to Chinese programmes."),
        (AJ, "Analysts say the US is using rights issues as cover to pressure China to open its markets."),
        (
            FT,
            "Hikvision said it had hired Pierre-Richard Prosper to advise on compliance related to human rights.",
        ),
        (FT, "The company hired Prosper, a former US ambassador-at-large for war crimes."),
        (FT, "Megvii said it was not aware of being on any US government list."),
        (FT, "iFlytek said it had made alternative plans against extreme situations."),
        (FT, "A DJI spokesman said the company does not comment on speculation."),
        (FT, "DJI said it does not comment on speculation and is monitoring the situation."),
        (FT, "The US department of homeland security issued a warning about the use of Chinese drones."),
        (FT, "Mr Trump banned US companies from selling products to Huawei without a licence."),
        (FT, "Donald Trump banned US companies from selling products to Huawei without a licence."),
    ],
)
def test_a_faithful_paraphrase_passes(seeds: dict[str, str], seed: str, claim: str) -> None:
    assert actor_mismatch(claim, _sentences(seeds[seed])) == ""


@pytest.mark.parametrize(
    ("claim", "actor", "speaks"),
    [
        (
            "The Chinese surveillance equipment maker Hikvision has begun exporting cameras.",
            "Hikvision",
            False,
        ),
        ("US representative Adam Schiff said the committee could act.", "Adam Schiff", True),
        ("China opposes the smearing, the Foreign Ministry said.", "Foreign Ministry", True),
        ("According to The New York Times, the department may act.", "New York Times", True),
        ("Hikvision, the Chinese camera maker, is bracing for a ban.", "Hikvision", False),
        ("Hikvision shares opened 10% lower.", "Hikvision shares", False),
        ("On Tuesday, Hikvision said it takes the concerns seriously.", "Hikvision", True),
    ],
)
def test_the_actor_is_the_head_of_the_subject_or_the_speaker(claim: str, actor: str, speaks: bool) -> None:
    found = claim_actor(claim)
    assert found is not None and (found.phrase, found.speaks) == (actor, speaks)
