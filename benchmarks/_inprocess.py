"""Run ``python -m MODULE ARGS`` in this very process, then write its peak memory.

Usage: python benchmarks/_inprocess.py RESULT_FILE MODULE [ARGS...]

RESULT_FILE receives "SELF_KB CHILDREN_KB": ru_maxrss of this process and the
largest child it reaped (listencheck's forked client-library worker). Start-up
is the same as ``python -m``: runpy is what -m uses.
"""

import os
import resource
import runpy
import sys
from pathlib import Path

sys.path[0] = str(Path(__file__).resolve().parent.parent)  # this checkout, as `python -m` from its root

result, module, *args = sys.argv[1:]
sys.argv = [module, *args]


def write_peaks() -> None:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    with open(result, "w") as out:
        out.write(f"{own} {children}\n")


# listencheck ends with os._exit (no interpreter finalization): write the peaks just before.
real_exit = os._exit


def exit_after_writing(code: int) -> None:
    write_peaks()
    real_exit(code)


os._exit = exit_after_writing  # type: ignore[assignment]
code: object = 0
try:
    runpy.run_module(module, run_name="__main__", alter_sys=True)
except SystemExit as exc:
    code = exc.code
write_peaks()
sys.exit(code)
