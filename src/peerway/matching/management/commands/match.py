"""``peerway match solve``: batch-assign requests to peers from a problem file (see docs/matching.md).

``peerway match solve --problem problem.json --out result.json [--emit-scores scores.json] [--weights FILE]``

Bad input (unreadable or invalid JSON, a problem that breaks the contract, a bad weights file, an output path
that cannot be written) exits with status 2 and a message naming the file, item and field; never a traceback.
"""

from __future__ import annotations

import json
import os
import tempfile
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from peerway.matching.contract import ProblemError, load_json, solve_problem
from peerway.matching.weights import WeightsError, load_weights

BAD_INPUT = 2


class Command(BaseCommand):
    help = "The matching engine. `match solve` assigns a batch of requests to peers from a problem file."
    # Pure computation over files: no database, so no system or migration checks.
    requires_system_checks: list[str] = []
    requires_migrations_checks = False

    def add_arguments(self, parser: ArgumentParser) -> None:
        actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
        solve = actions.add_parser(
            "solve",
            help="assign a batch of requests to peers: most matched first, then the highest total score",
            description="Assign a batch of requests to peers: most matched first, then the highest total score.",
        )
        solve.add_argument("--problem", required=True, type=Path, help="problem.json: {requests, peers}")
        solve.add_argument("--out", required=True, type=Path, help="where to write result.json")
        solve.add_argument("--emit-scores", type=Path, help="also write every request x peer score here")
        solve.add_argument("--weights", type=Path, help="weights file (default: the versioned weights.json)")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "solve":
            self._solve(options["problem"], options["out"], options["emit_scores"], options["weights"])

    def _solve(self, problem_path: Path, out: Path, scores_path: Path | None, weights_path: Path | None) -> None:
        try:
            weights = load_weights(weights_path)
        except WeightsError as exc:
            raise CommandError(str(exc), returncode=BAD_INPUT) from exc
        document = _read_problem(problem_path)
        try:
            result, scores = solve_problem(document, weights, emit_scores=scores_path is not None)
        except ProblemError as exc:
            raise CommandError(f"{problem_path}: {len(exc.errors)} problem(s)\n{exc}", returncode=BAD_INPUT) from exc
        _write_json(out, result)
        if scores_path is not None and scores is not None:
            _write_json(scores_path, scores)
        objective = result["objective"]
        self.stdout.write(
            f"Matched {objective['matched']} of {len(document['requests'])} requests "
            f"(total score {objective['total_score']:.3f}); wrote {out}"
            + (f" and {scores_path}" if scores_path is not None else "")
        )


def _read_problem(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise CommandError(f"{path}: cannot read: {exc.strerror or exc}", returncode=BAD_INPUT) from exc
    except UnicodeDecodeError as exc:
        raise CommandError(f"{path}: not UTF-8 text", returncode=BAD_INPUT) from exc
    try:
        return load_json(text)
    except json.JSONDecodeError as exc:
        raise CommandError(
            f"{path}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})", returncode=BAD_INPUT
        ) from exc
    except ValueError as exc:
        raise CommandError(f"{path}: not valid JSON ({exc})", returncode=BAD_INPUT) from exc
    except RecursionError as exc:
        raise CommandError(f"{path}: the JSON is nested too deeply to read", returncode=BAD_INPUT) from exc


def _write_json(path: Path, document: dict[str, Any]) -> None:
    """Write ``document`` to ``path`` whole or not at all (a temporary file renamed into place)."""
    try:
        handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise CommandError(f"{path}: cannot write: {exc.strerror or exc}", returncode=BAD_INPUT) from exc
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            json.dump(document, stream, ensure_ascii=False, allow_nan=False)
            stream.write("\n")
        os.replace(temporary, path)
    except OSError as exc:
        Path(temporary).unlink(missing_ok=True)
        raise CommandError(f"{path}: cannot write: {exc.strerror or exc}", returncode=BAD_INPUT) from exc
