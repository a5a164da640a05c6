# IPython kernel configuration for the book build (make book points IPYTHONDIR at a copy of it).
#
# jupyter-book starts one kernel per chapter over TCP on 127.0.0.1, and each kernel logs
# "Kernel is running over TCP without encryption ..." to the build's terminal. The kernels are
# local, short-lived and run only the book's own code, and the kernel manager that jupyter-book
# uses cannot be configured to use the IPC transport, so that one message (and only it) is
# dropped here; every other kernel log line still reaches the build log.
import logging


class _DropUnencryptedTcpNotice(logging.Filter):
    def filter(self, record):
        return not str(record.getMessage()).startswith("Kernel is running over TCP without encryption")


logging.getLogger("IPKernelApp").addFilter(_DropUnencryptedTcpNotice())
