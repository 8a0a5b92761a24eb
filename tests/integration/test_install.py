"""briefing as a user installs it: the wheel built from this checkout, installed into a fresh virtual
environment outside the checkout, run from another folder. Its prompts, brief templates and app come from
the installed package, and its store is ./vectorstore of the folder it runs in.

The fresh environment gets its dependencies from the test run's own environment (a path entry, no
download), so what is checked is the wheel's own content, not pip's resolver."""

from __future__ import annotations

import os
import shutil
import site
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

from tests.paths import PROJECT_ROOT, SHARED

SEEDS = SHARED / "corpus" / "seeds"
UNSHIPPED = (".git", ".venv", "vectorstore", "models", "bench", "tests", "build", "*.egg-info", "__pycache__")


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bin folder of a fresh venv holding only the wheel."""
    tmp = tmp_path_factory.mktemp("install")
    source = tmp / "source"  # a copy: building in the checkout would leave build/ there, stale files and all
    shutil.copytree(PROJECT_ROOT, source, ignore=shutil.ignore_patterns(*UNSHIPPED))
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp / "dist"), str(source)],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert build.returncode == 0, build.stderr
    (wheel,) = (tmp / "dist").glob("briefing-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    for shipped in ("briefing/prompt_files/answer.md", "briefing/prompt_files/templates/standard.toml",
                    "briefing/app/main.py", "briefing/app/views/chat.py", "briefing/brief/build.py"):  # fmt: skip
        assert shipped in names, shipped
    env_dir = tmp / "venv"
    venv.create(env_dir, with_pip=True)
    py = env_dir / "bin" / "python"
    pip = subprocess.run([str(py), "-m", "pip", "install", "-q", "--no-deps", "--no-index", str(wheel)],
                         capture_output=True, text=True, timeout=600)  # fmt: skip
    assert pip.returncode == 0, pip.stderr
    here = subprocess.run([str(py), "-c", "import site; print(site.getsitepackages()[0])"],
                          capture_output=True, text=True, check=True).stdout.strip()  # fmt: skip
    # The dependencies, and nothing of the checkout: .pth files (the editable install's) are not read
    # from a folder named in a .pth file.
    Path(here, "deps.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    return env_dir / "bin"


def _run(bin_dir: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BRIEFING_", "OPENAI_", "PYTHON"))}
    return subprocess.run([str(bin_dir / "briefing"), *args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=900)  # fmt: skip


def test_the_installed_wheel_ingests_answers_and_briefs_from_another_folder(
    installed: Path, tmp_path: Path
) -> None:
    where = subprocess.run([str(installed / "python"), "-c", "import briefing.prompts as p; print(p.__file__)"],
                           cwd=tmp_path, capture_output=True, text=True, check=True).stdout  # fmt: skip
    assert str(installed.parent) in where and str(PROJECT_ROOT) not in where

    ingest = _run(installed, tmp_path, "ingest", str(SEEDS), "--manifest", str(SEEDS / "manifest.csv"))
    assert ingest.returncode == 0, ingest.stderr
    assert (tmp_path / "vectorstore").is_dir()

    ask = _run(installed, tmp_path, "ask", "How did Hikvision respond to the human rights concerns?",
               "--llm", "extractive")  # fmt: skip
    assert ask.returncode == 0, ask.stderr
    assert "[1]" in ask.stdout and "Al Jazeera" in ask.stdout

    brief = _run(installed, tmp_path, "brief", "US export restrictions on Hikvision", "--llm", "extractive",
                 "-o", str(tmp_path / "brief.md"))  # fmt: skip
    assert brief.returncode == 0, brief.stderr
    text = (tmp_path / "brief.md").read_text(encoding="utf-8")
    assert "## Sources" in text and "[1]" in text
