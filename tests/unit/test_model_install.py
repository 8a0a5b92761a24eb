"""Assembling the local model from its part packages: checked against its sha256 and its GGUF name, idempotent,
and every failure names the part or file (a tiny fake model in fake part packages)."""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path

import pytest

from briefing import model_install
from tests.gguf import fake_gguf


def _fake_parts(root: Path, prefix: str, payload: bytes, n: int) -> list[bytes]:
    """Part packages shaped like the real ones (get_part_path(), dist-info) on a temp sys.path entry."""
    size = -(-len(payload) // n)
    chunks = [payload[i : i + size] for i in range(0, len(payload), size)]
    for i, chunk in enumerate(chunks, 1):
        mod = root / f"{prefix.replace('-', '_')}{i}"
        (mod / "data").mkdir(parents=True)
        (mod / "data" / f"part{i:02d}.bin").write_bytes(chunk)
        (mod / "__init__.py").write_text(
            "import os\ndef get_part_path():\n"
            "    here = os.path.dirname(os.path.abspath(__file__))\n"
            f"    return os.path.join(here, 'data', 'part{i:02d}.bin')\n"
        )
        dist = root / f"{prefix.replace('-', '_')}{i}-1.0.dist-info"
        dist.mkdir()
        (dist / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {prefix}{i}\nVersion: 1.0\n")
        digest = base64.urlsafe_b64encode(hashlib.sha256(chunk).digest()).rstrip(b"=").decode()
        (dist / "RECORD").write_text(f"{mod.name}/data/part{i:02d}.bin,sha256={digest},{len(chunk)}\n")
    return chunks


@pytest.fixture
def fake_spec(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> model_install.ModelSpec:
    payload = fake_gguf(
        tmp_path / "src.gguf", name="Tiny Test Model", extra=bytes(range(256)) * 400
    ).read_bytes()
    prefix = f"briefing-testpart-{tmp_path.name.replace('_', '-').lower()}-p"
    chunks = _fake_parts(tmp_path / "site", prefix, payload, 3)
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    spec = model_install.ModelSpec(
        key="tiny", filename="tiny.gguf", general_name="Tiny Test Model", package_prefix=prefix,
        parts=len(chunks), version="1.0", size=len(payload), sha256=hashlib.sha256(payload).hexdigest(),
    )  # fmt: skip
    monkeypatch.setitem(model_install.MODELS, "tiny", spec)
    return spec


def test_install_assembles_verifies_and_is_idempotent(
    fake_spec: model_install.ModelSpec, tmp_path: Path
) -> None:
    dest = tmp_path / "models"
    logs: list[str] = []
    path = model_install.install("tiny", dest, log=logs.append)
    assert path.read_bytes()[:4] == b"GGUF" and path.stat().st_size == fake_spec.size
    assert model_install.is_installed(fake_spec, path)
    assert not list(dest.glob("*.partial"))
    assert model_install.read_gguf_metadata(path)["general.name"] == "Tiny Test Model"

    mtime = path.stat().st_mtime_ns
    model_install.install("tiny", dest, log=logs.append)
    assert path.stat().st_mtime_ns == mtime and "already installed" in logs[-1]

    with open(path, "r+b") as f:  # corrupt a byte in place: --verify notices and re-assembles
        f.seek(fake_spec.size - 10)
        f.write(b"\xff")
    model_install.install("tiny", dest, reverify=True, log=logs.append)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == fake_spec.sha256


def test_install_refuses_wrong_checksum_and_leaves_nothing(
    fake_spec: model_install.ModelSpec, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(
        model_install.MODELS, "tiny", fake_spec.__class__(**{**fake_spec.__dict__, "sha256": "0" * 64})
    )
    dest = tmp_path / "models"
    with pytest.raises(model_install.ModelInstallError, match="sha256 of assembled tiny.gguf"):
        model_install.install("tiny", dest, log=lambda m: None)
    assert not (dest / "tiny.gguf").exists() and not list(dest.glob("*.partial"))


def test_corrupt_part_is_named(fake_spec: model_install.ModelSpec, tmp_path: Path) -> None:
    part = model_install.part_path(fake_spec, 2)
    part.write_bytes(b"\0" * part.stat().st_size)  # same size, different bytes
    with pytest.raises(model_install.ModelInstallError) as ei:
        model_install.install("tiny", tmp_path / "models", log=lambda m: None)
    assert f"do not match their package RECORD: {fake_spec.distribution(2)} (" in str(ei.value)
    assert fake_spec.distribution(1) + " (" not in str(ei.value)


def test_install_refuses_wrong_model_name(
    fake_spec: model_install.ModelSpec, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(
        model_install.MODELS, "tiny", fake_spec.__class__(**{**fake_spec.__dict__, "general_name": "X"})
    )
    with pytest.raises(
        model_install.ModelInstallError, match="general.name is 'Tiny Test Model', expected 'X'"
    ):
        model_install.install("tiny", tmp_path / "models", log=lambda m: None)


def test_missing_part_file_is_named(fake_spec: model_install.ModelSpec) -> None:
    model_install.part_path(fake_spec, 2).unlink()
    with pytest.raises(
        model_install.ModelInstallError, match=rf"package {fake_spec.distribution(2)}: part file"
    ):
        model_install.part_path(fake_spec, 2)
