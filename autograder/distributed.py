"""Grading on an existing Dask distributed cluster (``--dask-scheduler ADDRESS``).

The workers need not share a file system with the grader: each task carries
the submission's bytes and the names that decide the student, the worker
writes them into a private temporary folder laid out like nbgrader's
``submitted/<student>/<assignment>/``, grades them in its own sandbox (it
detects its own isolation, and the result records it) and returns the result
record. Only the grader process writes result files.
"""

from __future__ import annotations

import dataclasses
import tempfile
from pathlib import Path
from typing import Iterator

from autograder import cache, checks, grading, submission


class ClusterError(RuntimeError):
    """The cluster cannot grade (unreachable, or its workers run another grader)."""


def _payload(assignment: str, path: Path) -> dict | None:
    """What a worker needs to grade ``path`` without seeing our disk, or None if it cannot be read."""
    try:
        file = submission.locate(Path(path), assignment)
        data = submission.read_bounded(file, links_within=file.parent)   # stat first, no link out of its folder
    except (submission.SubmissionError, OSError):
        return None
    return {"student": submission.student_of(file, assignment), "filename": file.name, "data": data,
            "submission": str(file)}


def grade_remote(assignment: str, payload: dict, timeout: float, memory_mb: int, isolation_mode: str,
                 fingerprint: str, budgets: bool = True) -> tuple[str, dict]:
    """Runs on a Dask worker: grade one submission from its bytes (the worker calibrates
    the time budgets once, on its own machine)."""
    from autograder.sandbox.supervisor import isolation

    if cache.grader_fingerprint() != fingerprint:
        raise ClusterError(f"this worker runs autograder {cache.grader_fingerprint()}, the grader "
                           f"{fingerprint}; install the same version on every worker")
    options = grading.Options(timeout=timeout, memory_mb=memory_mb, budgets=budgets,
                              isolation=isolation.detect_isolation(isolation_mode))
    with tempfile.TemporaryDirectory(prefix="autograder-remote-") as tmp:
        folder = Path(tmp) / "submitted" / payload["student"] / assignment
        folder.mkdir(parents=True)
        file = folder / Path(payload["filename"]).name
        file.write_bytes(payload["data"])
        name, result = grading.grade(assignment, file, options)
    result["submission"] = payload["submission"]
    return name, result


def grade_on_cluster(scheduler: str, assignment: str, todo: list[tuple[Path, object]], options: grading.Options,
                     isolation_mode: str = "auto") -> Iterator[tuple[tuple[Path, object], tuple[str, dict]]]:
    """Yield ((path, anything), (name, result)) for each (path, anything) in ``todo``,
    as the cluster finishes each submission."""
    from distributed import Client, as_completed

    try:
        client = Client(scheduler, timeout=15)
    except (OSError, ValueError, TimeoutError) as exc:
        raise ClusterError(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from None
    try:
        fingerprint = cache.grader_fingerprint()
        futures = {}
        for item in todo:
            path, _ = item
            payload = _payload(assignment, path)
            if payload is None:
                # Unreadable here: grade locally, which only produces the error record.
                yield item, grading.grade(assignment, path, dataclasses.replace(options))
                continue
            future = client.submit(grade_remote, assignment, payload, options.timeout, options.memory_mb,
                                   isolation_mode, fingerprint, options.budgets, pure=False)
            futures[future] = item
        for future in as_completed(futures):
            item = futures[future]
            try:
                graded = future.result()
            except ClusterError:
                raise
            except Exception as exc:  # noqa: BLE001 - a worker's failure costs only this submission
                path, _ = item
                reason = f"the cluster could not grade this submission ({type(exc).__name__}: {exc})"
                name = submission.student_of(Path(path), assignment)
                graded = name, grading.unreadable(assignment, name, path, checks.suite(assignment), reason).to_json()
            yield item, graded
    finally:
        client.close()
