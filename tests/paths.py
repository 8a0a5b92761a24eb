"""Where the tests find the checkout and the shared data beside it (../shared: read there, never copied)."""

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SHARED = PROJECT_ROOT.parent / "shared"
