"""The machine a benchmark ran on, as its report states it (CPU, cores, RAM, load)."""

from __future__ import annotations

import os
import platform
from pathlib import Path


def describe() -> str:
    """Return the machine in one line: architecture, cores, CPU, RAM, OS, load average now."""
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    return (f"{platform.machine()}, {len(os.sched_getaffinity(0))} cores ({cpu}), "
            f"{mem:.0f} GiB RAM, {platform.system()} {platform.release()}; load average at "
            f"the end of the run {load}")
