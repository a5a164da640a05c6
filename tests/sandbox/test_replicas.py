"""A case's second part (``Case.replica``) runs in a sandbox of its own, through the real bwrap
sandbox: another process in another pid namespace, loaded afresh, with its own empty /tmp; all
the second parts of a submission share ONE extra child; a crash or a hang in a second part costs
that case only; and a submission whose first part fails costs no extra child at all."""

from __future__ import annotations

import textwrap

import numpy as np
import pytest

import sandbox_corpus as corpus
from autograder import grading, replicas
from autograder.sandbox.inside import compare
from autograder.sandbox.supervisor import launcher

EXAMPLES = corpus.REPO / "examples" / "submissions"

WHOAMI = textwrap.dedent('''
    import os
    import numpy as np

    LOADED = int.from_bytes(os.urandom(6), "little")   # drawn once per load of the submission

    def whoami():
        """[pid namespace inode, pid, load token, whether the marker file was already in /tmp]."""
        seen = os.path.exists("/tmp/replica-marker")
        with open("/tmp/replica-marker", "w") as marker:
            marker.write("written by the part that ran first")
        return np.array([os.stat("/proc/self/ns/pid").st_ino, os.getpid(), LOADED, seen], dtype=np.float64)
''')


class CountingIsolation:
    """The real isolation, counting the children it starts."""

    def __init__(self, real):
        self.real, self.started = real, 0

    def start(self, *args, **kwargs):
        self.started += 1
        return self.real.start(*args, **kwargs)

    def __getattr__(self, name):
        return getattr(self.real, name)


def _whoami_cases(n):
    return [launcher.PlannedCase(f"whoami{i}", "call", {"function": "whoami", "args": []}) for i in range(n)]


def test_the_two_parts_run_in_separate_processes_namespaces_and_file_systems():
    iso = CountingIsolation(corpus.full_isolation())
    source = launcher.SourceFile("python", "whoami.py", WHOAMI.encode())
    cases = _whoami_cases(2)
    session = replicas.run_cases(source, cases, ["call", "call"], launcher.Limits(timeout=20), iso)
    assert session.load_problem is None and [o.status for o in session.outcomes] == ["ok", "ok"]
    first = [o.outputs["return"].value for o in session.outcomes]
    second = [o.outputs[compare.REPLICA].value["return"].value for o in session.outcomes]
    # One child for the first parts, ONE more for all the second parts.
    assert iso.started == 2
    assert first[0][:3].tolist() == first[1][:3].tolist() and second[0][:3].tolist() == second[1][:3].tolist()
    ns_first, ns_second = first[0][0], second[0][0]
    grader_ns = __import__("os").stat("/proc/self/ns/pid").st_ino
    assert ns_first != ns_second and grader_ns not in (ns_first, ns_second)
    assert first[0][2] != second[0][2], "the second part must load the submission afresh"
    # The first part's second call sees the file the first call wrote; the second part never sees it.
    assert (first[0][3], first[1][3]) == (0.0, 1.0)
    assert (second[0][3], second[1][3]) == (0.0, 1.0)


def test_no_extra_child_when_no_case_has_a_second_part_or_the_first_part_failed():
    iso = CountingIsolation(corpus.full_isolation())
    source = launcher.SourceFile("python", "whoami.py", WHOAMI.encode())
    session = replicas.run_cases(source, _whoami_cases(1), [None], launcher.Limits(timeout=20), iso)
    assert iso.started == 1 and session.outcomes[0].status == "ok"
    broken = launcher.SourceFile("python", "broken.py", b"def whoami():\n    raise ValueError('no')\n")
    session = replicas.run_cases(broken, _whoami_cases(1), ["call"], launcher.Limits(timeout=20), iso)
    assert iso.started == 2 and session.outcomes[0].status == "error"


def test_a_stub_submission_costs_one_child_and_a_correct_one_two():
    iso = CountingIsolation(corpus.full_isolation())
    stub = grading.grade("initialization", EXAMPLES / "initialization" / "carol_stubs.py",
                         grading.Options(timeout=10, isolation=iso))[1]
    assert stub["score"] == 0 and iso.started == 1
    correct = grading.grade("initialization", EXAMPLES / "initialization" / "alice_correct.py",
                            grading.Options(timeout=10, isolation=iso))[1]
    assert correct["score"] == correct["max_score"] and iso.started == 3
    assert correct["isolation_detail"]["bwrap"] is True


# Each misbehaves only when its rng was made with seed 7: the determinism case's other seed, which
# only the second part uses (every first part draws with seed 2024).
CRASH_AND_HANG = textwrap.dedent('''
    import os
    import numpy as np

    def _seed(rng):
        return rng.bit_generator.seed_seq.entropy

    def xavier_normal(fan_in, fan_out, rng):
        if _seed(rng) == 7:
            os._exit(3)
        return rng.normal(0.0, np.sqrt(2.0 / (fan_in + fan_out)), size=(fan_in, fan_out))

    def xavier_uniform(fan_in, fan_out, rng):
        a = np.sqrt(6.0 / (fan_in + fan_out))
        return rng.uniform(-a, a, size=(fan_in, fan_out))

    def kaiming_normal(fan_in, fan_out, rng):
        return rng.normal(0.0, np.sqrt(2.0 / fan_in), size=(fan_in, fan_out))

    def kaiming_uniform(fan_in, fan_out, rng):
        while _seed(rng) == 7:
            pass
        a = np.sqrt(6.0 / fan_in)
        return rng.uniform(-a, a, size=(fan_in, fan_out))

    def orthogonal(fan_in, fan_out, rng):
        q, r = np.linalg.qr(rng.standard_normal((max(fan_in, fan_out), min(fan_in, fan_out))))
        q = q * np.sign(np.diag(r))
        return q if fan_in >= fan_out else q.T
''')


def test_a_crash_or_a_hang_in_a_second_part_costs_only_that_case(tmp_path):
    iso = CountingIsolation(corpus.full_isolation())
    path = tmp_path / "crash_and_hang.py"
    path.write_text(CRASH_AND_HANG)
    result = grading.grade("initialization", path, grading.Options(timeout=10, isolation=iso))[1]
    assert result["status"] == "graded", result["message"]
    failed = {t["name"]: t for t in result["tests"] if t["status"] != "passed"}
    assert sorted(failed) == ["kaiming_uniform: shape and determinism", "xavier_normal: shape and determinism"]
    crash, hang = failed["xavier_normal: shape and determinism"], failed["kaiming_uniform: shape and determinism"]
    assert crash["status"] == "error" and "in its second run, in a separate sandbox" in crash["message"]
    assert "exited with code 3" in crash["message"]
    assert hang["status"] == "timeout" and "in its second run, in a separate sandbox" in hang["message"]
    assert result["score"] == pytest.approx(result["max_score"] - crash["max_points"] - hang["max_points"])
    # First child; the second parts' child, restarted after the crash and after the hang.
    assert iso.started == 4


def test_a_forged_replica_key_from_the_first_part_is_replaced_by_the_second_parts_outputs():
    forged = compare.decode_outputs(*compare.encode_outputs({"first": np.ones(3), "replica": {"same_seed": np.ones(3)}}))
    real = compare.decode_outputs(*compare.encode_outputs({"same_seed": np.zeros(3)}))
    merged = compare.merge_parts(forged, real)
    assert np.array_equal(compare.pick(merged, "replica.same_seed").value, np.zeros(3))
    assert compare.pick(merged, "replica.absent") is None and compare.pick(merged, "first.0") is None


def test_the_global_seeds_are_drawn_per_submission_so_a_second_run_cannot_replay_the_first(monkeypatch, tmp_path):
    """The bank's `xavier_normal_replays_first_draw.py` knows the call order and answers the second call
    of a shape with NumPy's global generator seeded as the public default seeds the first draw:
    with those public seeds it would pass; with seeds drawn per submission it fails."""
    monkeypatch.syspath_prepend(str(corpus.REPO / "tests" / "engine"))
    from engine_support import WRONG, compose

    iso = corpus.full_isolation()
    path = tmp_path / "replay.py"
    path.write_text(compose(WRONG / "initialization" / "xavier_normal_replays_first_draw.py"))
    seeds = {replicas.hidden_global_seeds() for _ in range(50)}
    assert len(seeds) == 50 and all(first != second for first, second in seeds)
    hidden = grading.grade("initialization", path, grading.Options(timeout=10, isolation=iso))[1]
    assert [t["name"] for t in hidden["tests"] if t["status"] != "passed"] == ["xavier_normal: shape and determinism"]
    monkeypatch.setattr(replicas, "hidden_global_seeds", lambda: (1, 2))   # the probes' public defaults
    public = grading.grade("initialization", path, grading.Options(timeout=10, isolation=iso))[1]
    assert public["score"] == public["max_score"]
