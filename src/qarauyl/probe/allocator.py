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
# glibc caps the mmap threshold at 32 MiB on 64-bit (larger values are refused): a 1080p RGB frame (6 MB)
# and every array derived from it stay on the heap; only outliers (a 4K frame's copies) are mmapped.
MMAP_THRESHOLD = 32 * 1024 * 1024
TRIM_THRESHOLD = 64 * 1024 * 1024  # give memory back only when this much is free at the heap's top


def keep_freed_memory() -> bool:
    """Tell glibc's malloc to reuse freed blocks rather than unmap them. True if it took the setting; False
    on a C library without mallopt (musl, macOS), where nothing changes."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    mmap_set = bool(mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD))
    return bool(mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD)) and mmap_set
