"""The sandbox's public face for the rest of the grader (the command lines,
grading, the cluster workers), kept so that they need not know how the
supervisor is split by job:

- ``environment.py``  what the child is started with (interpreter, paths, user id);
- ``bwrap.py``        the bubblewrap command line and mount tree;
- ``cgroups.py``      cgroup v1/v2: process, memory and CPU limits per child;
- ``seccomp.py``      the system-call filter;
- ``processes.py``    /proc utilities and the grader as a subreaper;
- ``reaper.py``       the reduced-mode supervisor program (run, never imported);
- ``sandboxes.py``    ``Isolation`` and ``Sandbox``: starting and stopping one child;
- ``detect.py``       which isolation this machine gives, decided once.
"""

from autograder.sandbox.supervisor.detect import MODES, IsolationUnavailable, detect_isolation
from autograder.sandbox.supervisor.sandboxes import Isolation, Sandbox

__all__ = ["MODES", "IsolationUnavailable", "detect_isolation", "Isolation", "Sandbox"]
