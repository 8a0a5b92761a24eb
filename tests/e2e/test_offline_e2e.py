"""Offline means offline: signing in and opening every page, the browser asks nothing of any host but the
app's own (Streamlit's script fetches some Material icons as SVG files from fonts.gstatic.com, e.g. a page
icon used as the tab's icon: in Streamlit 1.67 the favicon is the only such fetch; icons on buttons,
expanders and status boxes come from its bundled font)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from briefing.users import Users
from tests.e2e.harness import briefing_app, outside_requests_of_every_page

PASSWORD = "admin password 1"


@pytest.fixture(scope="module")
def app_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    tmp = tmp_path_factory.mktemp("offline")
    Users(tmp / "users.json").add("ada", PASSWORD, "admin")
    with briefing_app(tmp, env={"BRIEFING_USERS_FILE": str(tmp / "users.json")}) as url:
        yield url


def test_no_request_leaves_the_deployment(app_url: str) -> None:
    assert outside_requests_of_every_page(app_url, "ada", PASSWORD) == []
