"""Keep freed frame-sized memory in the process instead of handing it back to the kernel after every probe.

Image analysis allocates and frees arrays of 0.2-6 MB by the dozen per frame. glibc serves blocks of that
size with fresh mmap()s, or trims them off the top of its heap as soon as they are freed, so every new array
is paid for again in page faults: on this project's 2-core VM that was a quarter of the diagnosis time of a
360p frame (sharpness alone 1.6 ms instead of 0.9). A probe worker does the same work over and over, so it
keeps what it used: its resident memory stays at its peak instead of breathing (bounded all the same by
the worker's RLIMIT_AS).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys

# mallopt() parameters, from glibc's <malloc.h>.
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
_M_ARENA_MAX = -8
# glibc caps the mmap threshold at 32 MiB on 64-bit (larger values are refused): a 1080p RGB frame (6 MB)
# and every array derived from it stay on the heap; only outliers (a 4K frame's copies) are mmapped.
MMAP_THRESHOLD = 32 * 1024 * 1024
TRIM_THRESHOLD = 64 * 1024 * 1024  # give memory back only when this much is free at the heap's top
# A worker's probe threads (up to 18 slots at the monitor's concurrency) would each get an arena of their own,
# and with nothing trimmed each arena holds its own peak: two shared arenas took a 3,000-camera scale run's
# PSS from 776 to 702 MiB at no measurable CPU cost (the big arrays are few; contention for them is rare).
ARENA_MAX = 2


def keep_freed_memory() -> bool:
    """Tell glibc's malloc to reuse freed blocks rather than unmap them, in at most ARENA_MAX arenas (call it
    before starting threads). True if it took the settings; False on a C library without mallopt (musl,
    macOS), where nothing changes."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    settings = (
        (_M_ARENA_MAX, ARENA_MAX),
        (_M_MMAP_THRESHOLD, MMAP_THRESHOLD),
        (_M_TRIM_THRESHOLD, TRIM_THRESHOLD),
    )
    return all([bool(mallopt(parameter, value)) for parameter, value in settings])
