"""The committed schema.graphql is exactly what `caseload schema` prints, so every API change
shows in review; and it keeps the contract's names."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_committed_schema_matches_the_code():
    printed = subprocess.run(
        [sys.executable, "-m", "app.cli", "schema"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    assert (ROOT / "schema.graphql").read_text() == printed, "run `make schema` and commit schema.graphql"
