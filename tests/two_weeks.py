"""Invented articles over two ISO weeks, shared by the story tests of both tiers: a freight strike running
in both (a sentence of the first week repeated in the second, and a new fact), a harbour story only in the
first, a museum fire only in the second, and a roundup page touching several."""

from __future__ import annotations

from datetime import date

WEEK1 = (date(2031, 3, 3), date(2031, 3, 9))  # 2031-W10
WEEK2 = (date(2031, 3, 10), date(2031, 3, 16))  # 2031-W11
REPEATED = "The Northern Rail Union said the freight strike shuts every freight line north of Brno."
STATED = "Cargo trains north of Brno stood idle as the freight strike began."
NEW_FACT = "Freight strike talks with the Northern Rail Union collapsed on Thursday after nine hours in Brno."
GRAIN = "Grain exporters in Ostrava said forty wagons of wheat are stranded at the Polish border by the freight strike."
ROUNDUP_TITLE = "5 things to know for March 5: Freight strike, Harbour cranes, Budget, Weather"

RAIL = "Freight strike by the Northern Rail Union halts cargo trains north of Brno"
ARTICLES = {
    "rail-1.txt": (
        "Ostrava Post",
        date(2031, 3, 4),
        f"{RAIL}\n\n{REPEATED} Freight strike pickets stood at the Brno cargo yard at dawn, the Northern Rail "
        f"Union said. {STATED}",
    ),
    "rail-2.txt": (
        "Silesian Wire",
        date(2031, 3, 5),
        f"Freight strike enters second day as Northern Rail Union cargo trains stay idle\n\n{REPEATED} Cargo "
        "trains north of Brno stayed idle for a second day of the freight strike, rail union officials said.",
    ),
    "harbour.txt": (
        "Baltic Herald",
        date(2031, 3, 6),
        "Gdansk harbour cranes toppled by winter gale\n\nTwo container cranes at the Gdansk harbour toppled in "
        "a winter gale on Wednesday, the port authority reported. Container ships were sent to Gdynia while "
        "engineers inspect the toppled harbour cranes.",
    ),
    "roundup.txt": (
        "Morning Digest",
        date(2031, 3, 5),
        f"{ROUNDUP_TITLE}\n\nThe freight strike by the Northern Rail Union halted cargo trains north of Brno. "
        "Two container cranes toppled at the Gdansk harbour. Lawmakers passed the budget. Snow is forecast.",
    ),
    "rail-3.txt": (
        "Ostrava Post",
        date(2031, 3, 12),
        f"Freight strike talks collapse as Northern Rail Union cargo trains stay idle north of Brno\n\n"
        f"{NEW_FACT} {REPEATED} Cargo trains north of Brno stay idle in the freight strike.",
    ),
    "rail-4.txt": (
        "Silesian Wire",
        date(2031, 3, 13),
        "Freight strike: Northern Rail Union cargo trains idle north of Brno in second week\n\nThe freight "
        "strike kept cargo trains north of Brno idle for a second week, the Northern Rail Union said. "
        f"{REPEATED} {STATED} {GRAIN} The transport ministry said it would propose an arbitration panel to end "
        "the freight strike.",
    ),
    "museum.txt": (
        "Prague Daily",
        date(2031, 3, 14),
        "Fire damages the National Museum roof in Prague\n\nA fire damaged the roof of the National Museum in "
        "Prague overnight, firefighters reported. Curators moved paintings from the museum attic to a vault.",
    ),
}
