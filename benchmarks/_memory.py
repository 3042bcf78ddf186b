"""Memory figures shared by the benchmark scripts (imported as ``_memory``: the scripts
run as ``python benchmarks/NAME.py``, which puts this folder on ``sys.path``)."""

from __future__ import annotations


def peak_rss_mb() -> float:
    """This process's peak resident memory in MB.

    ``VmHWM`` from ``/proc/self/status`` belongs to the address space, which
    ``exec`` replaces: a worker started by ``subprocess`` reports its own peak.
    ``ru_maxrss`` would not: it keeps the peak of the forked copy of the parent.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
