"""`make bench` runs every benchmark in bench/, and only benchmarks (not the modules they load)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_make_bench_runs_every_benchmark_script_and_nothing_else() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    listed = re.search(r"^BENCHMARKS := (.+)$", makefile, re.MULTILINE)
    assert listed is not None, "the Makefile lists its benchmarks in BENCHMARKS"
    scripts = {
        f"bench/{path.name}"
        for path in (ROOT / "bench").glob("*.py")
        if 'if __name__ == "__main__":' in path.read_text(encoding="utf-8")
    }
    assert set(listed.group(1).split()) == scripts
