"""Cases in two parts, each run in a sandbox of its own.

Some properties cannot be trusted to one process: "the same seed gives the same draw" is
easily faked by a submission that caches its draws, patches ``np.random.seed`` or replaces the
probe that compares them. So such a case (``Case.replica``) has a second part, another probe on
the same inputs, and the grader runs it in a separate child: its own bubblewrap namespaces,
cgroup, limits and empty ``/tmp``, started after the first child was killed, seeing only the
second parts and in their own order, with the global generators seeded differently (per
submission, at random, so the second run cannot recreate the first's global state). The two
parts' plain outputs are merged (``compare.merge_parts``) and judged together in the grader, so
neither part can coordinate with the other. (With reduced isolation the two children are still separate processes, but
may share the user's files.)

All the second parts of one submission run in ONE extra child, after the first child's
cases, and only for the cases whose first part succeeded: a stub or a broken function costs
no extra child. A crash or hang in a second part costs that case (and, as in any child, the
later cases of the same function in that child), never the others.
"""

from __future__ import annotations

import dataclasses
import secrets

from autograder.sandbox.inside import compare, probes
from autograder.sandbox.supervisor import launcher
from autograder.sandbox.supervisor.sandboxes import weakest_protections

# A second part calls the function more often than the first (e.g. two draws against one), so it
# may take up to this multiple of the case's budget (still capped by the limits' timeout).
REPLICA_BUDGET_FACTOR = 2.0


def run_cases(source, cases: list[launcher.PlannedCase], replicas: list[str | None], limits: launcher.Limits,
              isolation=None, module_name: str = "__main__", on_outcome=None) -> launcher.SessionResult:
    """``launcher.run_cases``, with the second part of every case whose ``replicas[i]`` names a
    probe run in one more child; such a case's outcome (to ``on_outcome`` and in the session)
    carries the merged outputs, or the second part's error or timeout."""
    if len(replicas) != len(cases):
        raise ValueError("one replica entry (a probe name or None) per case")
    first_seed, second_seed = hidden_global_seeds()
    cases = [_with_global_seed(case, first_seed) if replica is not None else case
             for case, replica in zip(cases, replicas, strict=True)]
    held: dict[int, dict] = {}

    def first_part(index, outcome):
        if replicas[index] is not None and outcome.status == "ok":
            held[index] = outcome.outputs   # judged once the second part is back
        elif on_outcome is not None:
            on_outcome(index, outcome)

    session = launcher.run_cases(source, cases, limits, isolation, module_name=module_name,
                                 on_outcome=first_part if on_outcome is not None else None)
    if on_outcome is None:
        held = {i: o.outputs for i, o in enumerate(session.outcomes) if replicas[i] is not None and o.status == "ok"}
    if not held:
        return session
    order = sorted(held)
    second = [dataclasses.replace(_with_global_seed(cases[i], second_seed), probe=replicas[i],
                                  budget_s=_replica_budget(cases[i], limits)) for i in order]

    def second_part(position, outcome):
        index = order[position]
        merged = _merge(held.pop(index), outcome)
        if on_outcome is not None:
            on_outcome(index, merged)
            merged.outputs = None
        session.outcomes[index] = merged

    replica_session = launcher.run_cases(source, second, limits, isolation, module_name=module_name,
                                         on_outcome=second_part)
    if session.isolation_detail is not None and replica_session.isolation_detail is not None:
        # A result may only claim the protections that held for every child, this one included.
        session.isolation_detail = weakest_protections(session.isolation_detail,
                                                           replica_session.isolation_detail)
    return session


def hidden_global_seeds() -> tuple[int, int]:
    """Two different seeds for the global generators, one per run, drawn afresh for each
    submission: the second run never learns the first's, so code that draws from the global
    generators cannot recreate the first run's draw there (the defaults in ``probes`` are public)."""
    first = secrets.randbelow(2**32)
    return first, (first + 1 + secrets.randbelow(2**32 - 1)) % 2**32


def _with_global_seed(case: launcher.PlannedCase, seed: int) -> launcher.PlannedCase:
    return dataclasses.replace(case, inputs={**case.inputs, probes.GLOBAL_SEED_INPUT: seed})


def _replica_budget(case: launcher.PlannedCase, limits: launcher.Limits) -> float | None:
    if case.budget_s is None:
        return None
    return min(case.budget_s * REPLICA_BUDGET_FACTOR, limits.timeout)


def _merge(first_outputs: dict, outcome: launcher.CaseOutcome) -> launcher.CaseOutcome:
    if outcome.status == "ok":
        return launcher.CaseOutcome("ok", outputs=compare.merge_parts(first_outputs, outcome.outputs))
    return launcher.CaseOutcome(outcome.status, message=f"in its second run, in a separate sandbox: {outcome.message}",
                                error=outcome.error)
