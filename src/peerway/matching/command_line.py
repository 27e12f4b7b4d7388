"""``peerway match solve`` without Django: batch-assign requests to peers from files (see docs/matching.md).

``peerway match solve --problem problem.json --out result.json [--emit-scores scores.json] [--weights FILE]``

Matching is pure computation over files, so ``peerway match`` runs without settings, secrets or a database
(``peerway.cli`` hands it here before Django starts). Bad input (unreadable or invalid JSON, a problem that breaks
the contract, a bad weights file, an output path that cannot be written) exits with status 2 and a message naming
the file, item and field; never a traceback. The Django command ``match`` (management/commands/match.py) runs the
same ``solve_files``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from peerway.matching.contract import ProblemError, solve_problem
from peerway.matching.json_text import load_json
from peerway.matching.weights import WeightsError, load_weights

BAD_INPUT = 2


class BadInput(Exception):
    """Input the command cannot use; the message names the file (and the item and field)."""


def parser_configure(actions: Any) -> None:
    """Add the ``solve`` action to ``actions`` (an argparse subparsers object)."""
    solve = actions.add_parser(
        "solve",
        help="assign a batch of requests to peers: most matched first, then the highest total score",
        description="Assign a batch of requests to peers: most matched first, then the highest total score.",
    )
    solve.add_argument("--problem", required=True, type=Path, help="problem.json: {requests, peers}")
    solve.add_argument("--out", required=True, type=Path, help="where to write result.json")
    solve.add_argument("--emit-scores", type=Path, help="also write every request x peer score here")
    solve.add_argument("--weights", type=Path, help="weights file (default: the versioned weights.json)")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="peerway match", description="The matching engine. `match solve` assigns a batch of requests to peers."
    )
    parser_configure(parser.add_subparsers(dest="action", metavar="ACTION", required=True))
    options = parser.parse_args(argv)
    try:
        summary = solve_files(options.problem, options.out, options.emit_scores, options.weights)
    except BadInput as exc:
        sys.stderr.write(f"{exc}\n")
        return BAD_INPUT
    sys.stdout.write(f"{summary}\n")
    return 0


def solve_files(problem_path: Path, out: Path, scores_path: Path | None, weights_path: Path | None) -> str:
    """Solve the problem in ``problem_path``, write the result (and the scores); returns a one-line summary."""
    _distinct_paths(problem_path, out, scores_path)
    try:
        weights = load_weights(weights_path)
    except WeightsError as exc:
        raise BadInput(str(exc)) from exc
    document = _read_problem(problem_path)
    try:
        result, scores = solve_problem(document, weights, emit_scores=scores_path is not None)
    except ProblemError as exc:
        raise BadInput(f"{problem_path}: {len(exc.errors)} problem(s)\n{exc}") from exc
    # Both files are written in full beside their targets before either is put in place, so a scores path that
    # cannot be written leaves no new result.json behind either.
    _write_json([(out, result)] + ([(scores_path, scores)] if scores_path is not None and scores is not None else []))
    objective = result["objective"]
    return (
        f"Matched {objective['matched']} of {len(document['requests'])} requests "
        f"(total score {objective['total_score']:.3f}); wrote {out}"
        + (f" and {scores_path}" if scores_path is not None else "")
    )


def _distinct_paths(problem_path: Path, out: Path, scores_path: Path | None) -> None:
    """Refuse a result and scores written to one file (the scores would replace the result), or over the problem,
    however the paths are spelled; and a directory as an output."""
    named = {os.path.realpath(problem_path): "--problem"}
    for option, path in (("--out", out), ("--emit-scores", scores_path)):
        if path is None:
            continue
        if path.is_dir():
            raise BadInput(f"{path}: cannot write: Is a directory")
        other = named.setdefault(os.path.realpath(path), option)
        if other != option:
            raise BadInput(f"{path}: {option} names the same file as {other}; give each its own file")


def _read_problem(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise BadInput(f"{path}: cannot read: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise BadInput(f"{path}: not UTF-8 text") from exc
    try:
        return load_json(text)
    except json.JSONDecodeError as exc:
        raise BadInput(f"{path}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") from exc
    except ValueError as exc:
        raise BadInput(f"{path}: not valid JSON ({exc})") from exc
    except RecursionError as exc:
        raise BadInput(f"{path}: the JSON is nested too deeply to read") from exc


def _write_json(documents: list[tuple[Path, dict[str, Any]]]) -> None:
    """Write each document to its path, each whole or not at all, and none if any cannot be written.

    Each is written to a temporary file beside its target first, and only then renamed into place, with the mode the
    file had (a new one the mode the umask gives). A symbolic link is written through: the file it names is replaced,
    the link stays. Anything else that is not a regular file (``/dev/stdout``, a pipe) is written straight into,
    once every temporary file is ready and before any is put in place, as it cannot be renamed over: a failure there
    leaves no new file behind.
    """
    contents = []
    for path, document in documents:
        try:
            contents.append((path, (json.dumps(document, ensure_ascii=False, allow_nan=False) + "\n").encode("utf-8")))
        except (UnicodeEncodeError, ValueError) as exc:
            raise BadInput(f"{path}: cannot write: the result is not JSON text ({exc})") from exc
    staged: list[tuple[Path, Path, str]] = []  # (as named, where it goes, the temporary file)
    try:
        for path, content in contents:
            if path.exists() and not path.is_file() and not path.is_dir():
                continue
            target = Path(os.path.realpath(path)) if path.is_symlink() else path
            try:
                handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
            except OSError as exc:
                raise BadInput(f"{path}: cannot write: {exc.strerror or exc}") from exc
            staged.append((path, target, temporary))
            try:
                os.chmod(temporary, target.stat().st_mode & 0o7777 if target.exists() else 0o666 & ~_umask())
                with os.fdopen(handle, "wb") as stream:
                    stream.write(content)
            except OSError as exc:
                raise BadInput(f"{path}: cannot write: {exc.strerror or exc}") from exc
        staged_paths = {path for path, _, _ in staged}
        for path, content in contents:
            if path in staged_paths:
                continue
            try:
                with path.open("wb") as stream:
                    stream.write(content)
            except OSError as exc:
                raise BadInput(f"{path}: cannot write: {exc.strerror or exc}") from exc
        for path, target, temporary in staged:
            try:
                os.replace(temporary, target)
            except OSError as exc:
                raise BadInput(f"{path}: cannot write: {exc.strerror or exc}") from exc
    finally:
        for _, _, temporary in staged:
            Path(temporary).unlink(missing_ok=True)


def _umask() -> int:
    """The process's umask (reading it means setting it; the command runs in one thread)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask
