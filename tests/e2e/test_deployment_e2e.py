"""The README's deployment, run whole: a Chroma server, `briefing app` on 127.0.0.1 using it, and nginx in
front with TLS, configured by the nginx block read from the README itself, reached by Chromium over
HTTPS. While no sign-in is configured, the app refuses visitors the proxy forwards (it cannot see at
start that a proxy makes it public) and still serves its own machine; once the users file lists an
admin, the same visitor signs in over TLS (the cookie is Secure), uploads an article and gets a cited
answer through the proxy's WebSocket."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from briefing.users import Users
from tests.e2e.harness import WAIT_MS, ask_here, briefing_app, cookie, launch_chromium
from tests.paths import PROJECT_ROOT
from tests.store_fixtures import free_port, serving

PASSWORD = "admin password 1"
REFUSAL = "This app was reached through a reverse proxy but has no sign-in"
ARTICLE = """Kessel bridge toll to rise in April

The Ostrava city council said on Tuesday that the toll on the Kessel bridge will rise to 4 crowns in April to pay for repairs.
"""


def readme_nginx_block() -> str:
    """The README's nginx configuration, as a team would copy it."""
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```nginx\n(.*?)```", readme, flags=re.S)
    assert len(blocks) == 1, "the README's Deployment section has one nginx block"
    return blocks[0]


def nginx_conf(tmp: Path, app_port: int, https_port: int, http_port: int, health_port: int) -> Path:
    """The README's block with this test's ports and a self-signed certificate, inside the little an nginx
    of the test's own needs around it (its pid, logs and temporary files in `tmp`)."""
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
         "-keyout", str(tmp / "privkey.pem"), "-out", str(tmp / "fullchain.pem")],
        check=True, capture_output=True,
    )  # fmt: skip
    block = readme_nginx_block()
    for old, new in (
        ("listen 443 ssl;", f"listen 127.0.0.1:{https_port} ssl;"),
        ("listen 80;", f"listen 127.0.0.1:{http_port};"),
        ("/etc/ssl/briefing.example.org/", f"{tmp}/"),
        ("http://127.0.0.1:8501", f"http://127.0.0.1:{app_port}"),
    ):
        assert old in block, f"the README's nginx block no longer has {old!r}"
        block = block.replace(old, new)
    temp = "\n".join(
        f"{kind}_temp_path {tmp}/{kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    user = "user root;\n" if os.geteuid() == 0 else ""  # workers write uploads to tmp, which only we may
    conf = tmp / "nginx.conf"
    conf.write_text(
        f"{user}pid {tmp}/nginx.pid;\nerror_log {tmp}/error.log;\nevents {{}}\n"
        f"http {{\naccess_log {tmp}/access.log;\n{temp}\n{block}\n"
        f"server {{ listen 127.0.0.1:{health_port}; location = /healthz {{ return 200 ok; }} }}\n}}\n"
    )
    return conf


@pytest.fixture
def deployment(chroma_server: str, tmp_path: Path) -> Iterator[tuple[str, str, Path]]:
    """(the proxy's https URL, the app's own URL, the users file), every part running."""
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(nginx).exists():
        pytest.fail("nginx not found: apt-get install -y nginx (see the Makefile)")
    users = tmp_path / "users.json"
    (tmp_path / "briefing.toml").write_text(
        f'chroma_url = "{chroma_server}"\nstore_dir = "{tmp_path / "data"}"\nusers_file = "{users}"\n'
        f'collection = "deployment"\n'
    )
    env = {"BRIEFING_CONFIG": str(tmp_path / "briefing.toml"), "BRIEFING_USERS_FILE": str(users)}
    app_port, https_port, http_port, health_port = free_port(), free_port(), free_port(), free_port()
    conf = nginx_conf(tmp_path, app_port, https_port, http_port, health_port)
    proxy = [nginx, "-p", str(tmp_path), "-c", str(conf), "-g", "daemon off;"]
    with (
        briefing_app(tmp_path, app_port, env=env) as app_url,
        serving(proxy, health_port, "/healthz", tmp_path / "nginx.log"),
    ):
        yield f"https://127.0.0.1:{https_port}", app_url, users


def test_the_readme_deployment_behind_nginx_with_tls(deployment: tuple[str, str, Path]) -> None:
    from playwright.sync_api import sync_playwright

    proxy_url, app_url, users = deployment
    with sync_playwright() as p, tempfile.TemporaryDirectory() as folder:
        chromium = launch_chromium(p)
        browser = chromium.new_context(ignore_https_errors=True, viewport={"width": 1280, "height": 1000})
        page = browser.new_page()
        page.goto(proxy_url)
        expect(page.get_by_text(REFUSAL)).to_be_visible(timeout=WAIT_MS)
        expect(page.get_by_test_id("stChatInputTextArea")).to_have_count(0)
        expect(page.get_by_test_id("stSidebarNav")).to_have_count(0)
        own = chromium.new_context().new_page()  # the machine's own user, not through the proxy
        own.goto(app_url)
        expect(own.get_by_text("The library is empty")).to_be_visible(timeout=WAIT_MS)

        Users(users).add("ada", PASSWORD, "admin")  # read again on the next visit: no restart
        page.reload()
        expect(page.locator("h1")).to_have_text(["Sign in"], timeout=WAIT_MS)
        page.get_by_label("Name", exact=True).fill("ada")
        page.get_by_label("Password", exact=True).fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_text("Signed in as ada (admin)")).to_be_visible(timeout=WAIT_MS)
        signin = cookie(browser, "briefing_signin")
        assert signin and signin["secure"], signin  # set over HTTPS: never sent in the clear

        article = Path(folder) / "kessel-toll.txt"
        article.write_text(ARTICLE, encoding="utf-8")
        page.get_by_test_id("stSidebarNav").get_by_text("Library", exact=True).click()
        page.locator("input[type=file]").set_input_files(str(article))  # through the proxy, XSRF and all
        add = page.get_by_role("button", name="Add to library")
        expect(add).to_be_enabled(timeout=WAIT_MS)
        page.get_by_label("Outlet, for files that do not name one").fill("Ostrava Post")
        page.get_by_label("Outlet, for files that do not name one").press("Enter")
        add.click()
        page.get_by_text("kessel-toll.txt — added").wait_for(timeout=WAIT_MS)
        page.get_by_test_id("stSidebarNav").get_by_text("Chat", exact=True).click()
        ask_here(page, "How much will the Kessel bridge toll rise to?")
        expect(page.locator("div.source-card").first).to_contain_text("Ostrava Post")
        chromium.close()
