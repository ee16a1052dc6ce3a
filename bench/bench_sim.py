"""Benchmark: CPU and memory of the camera simulator serving 10,000 cameras while 200 clients stream.

    .venv/bin/python bench/bench_sim.py [--quick] [--cameras N] [--clients N] [--seconds S]

The simulator runs in its own process (through the test harness); the clients run in another process so
their cost is not counted. CPU is the simulator process's user+system time over the measured window,
as a percentage of one core; memory is its resident set size (the encoding worker is reported apart).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import struct
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from qarauyl.sim import run_simulator
from qarauyl.sim.auth import digest_authorization

PASSWORD = "bench"


def proc_cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def proc_rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


async def _request(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, lines: list[str]
) -> tuple[int, dict[str, str], bytes]:
    writer.write(("\r\n".join(lines) + "\r\n\r\n").encode())
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 30)
    status = int(head.split(b" ", 2)[1])
    headers = {}
    for line in head.decode().split("\r\n")[1:]:
        k, _, v = line.partition(":")
        headers[k.strip().lower()] = v.strip()
    body = await reader.readexactly(int(headers.get("content-length", "0")))
    return status, headers, body


async def one_client(host: str, port: int, cam: int, seconds: float) -> dict[str, Any]:
    url = f"rtsp://{host}:{port}/cam/{cam}"
    started = time.monotonic()
    reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), 30)
    try:
        status, headers, _ = await _request(reader, writer, [f"DESCRIBE {url} RTSP/1.0", "CSeq: 1"])
        challenge = headers["www-authenticate"]

        def auth(method: str, uri: str) -> str:
            return "Authorization: " + digest_authorization(challenge, method, uri, "admin", PASSWORD)

        status, _, _ = await _request(
            reader, writer, [f"DESCRIBE {url} RTSP/1.0", "CSeq: 2", auth("DESCRIBE", url)]
        )
        track = f"{url}/track1"
        status, headers, _ = await _request(
            reader,
            writer,
            [
                f"SETUP {track} RTSP/1.0",
                "CSeq: 3",
                auth("SETUP", track),
                "Transport: RTP/AVP/TCP;unicast;interleaved=0-1",
            ],
        )
        session = headers["session"].split(";")[0]
        status, _, _ = await _request(
            reader,
            writer,
            [f"PLAY {url}/ RTSP/1.0", "CSeq: 4", auth("PLAY", f"{url}/"), f"Session: {session}"],
        )
        setup_s = time.monotonic() - started
        packets = octets = gaps = frames = 0
        last_seq = None
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            try:
                head = await asyncio.wait_for(reader.readexactly(4), left)
            except TimeoutError:
                break
            channel, length = head[1], struct.unpack("!H", head[2:])[0]
            data = await reader.readexactly(length)
            if channel != 0:
                continue
            seq = struct.unpack_from("!H", data, 2)[0]
            if last_seq is not None and seq != (last_seq + 1) & 0xFFFF:
                gaps += 1
            last_seq = seq
            packets += 1
            octets += length
            frames += data[1] >> 7
        return {
            "ok": status == 200,
            "packets": packets,
            "octets": octets,
            "gaps": gaps,
            "frames": frames,
            "setup_s": setup_s,
        }
    except Exception as exc:
        return {"ok": False, "error": f"{exc.__class__.__name__}: {exc}"}
    finally:
        writer.close()


async def describe_all(host: str, port: int, cams: list[int]) -> float:
    gate = asyncio.Semaphore(100)

    async def one(cam: int) -> None:
        async with gate:
            reader, writer = await asyncio.open_connection(host, port)
            try:
                url = f"rtsp://{host}:{port}/cam/{cam}"
                status, _, _ = await _request(reader, writer, [f"DESCRIBE {url} RTSP/1.0", "CSeq: 1"])
                assert status == 401
            finally:
                writer.close()

    started = time.monotonic()
    await asyncio.gather(*(one(c) for c in cams))
    return time.monotonic() - started


def client_process(host: str, port: int, cams: list[int], seconds: float, out: Any) -> None:
    async def run() -> list[dict[str, Any]]:
        return await asyncio.gather(*(one_client(host, port, c, seconds) for c in cams))

    out.put(asyncio.run(run()))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="1,000 cameras, 20 clients, 3 s")
    parser.add_argument("--cameras", type=int, default=10_000)
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--cache-dir", type=Path, default=None)
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON line too")
    args = parser.parse_args()
    if args.quick:
        args.cameras, args.clients, args.seconds = 1000, 20, 3.0
    cache = args.cache_dir or Path(tempfile.gettempdir()) / "qarauyl-bench-sim-cache"
    started = time.monotonic()
    with run_simulator(args.cameras, cache_dir=cache, password=PASSWORD, variety=4, clip_seconds=4.0) as sim:
        ready_s = time.monotonic() - started
        pid = sim.info["pid"]
        idle_rss = proc_rss_mib(pid)
        cpu0, t0 = proc_cpu_seconds(pid), time.monotonic()
        time.sleep(2.0)
        idle_cpu = (proc_cpu_seconds(pid) - cpu0) / (time.monotonic() - t0) * 100
        step = max(1, args.cameras // 1000)
        describe_s = asyncio.run(describe_all(sim.host, sim.port, list(range(1, args.cameras + 1, step))))
        described = len(range(1, args.cameras + 1, step))
        # Clients spread over the fleet; they run in their own process.
        cams = [1 + (i * args.cameras) // args.clients for i in range(args.clients)]
        queue: Any = multiprocessing.get_context("spawn").Queue()
        proc = multiprocessing.get_context("spawn").Process(
            target=client_process, args=(sim.host, sim.port, cams, args.seconds + 2.0, queue)
        )
        proc.start()
        time.sleep(2.5)  # let every client get past its set-up
        playing = sim.health()["sessions_playing"]
        cpu0, t0 = proc_cpu_seconds(pid), time.monotonic()
        peak_rss = proc_rss_mib(pid)
        while time.monotonic() - t0 < args.seconds - 0.5:
            time.sleep(0.5)
            peak_rss = max(peak_rss, proc_rss_mib(pid))
        busy_cpu = (proc_cpu_seconds(pid) - cpu0) / (time.monotonic() - t0) * 100
        results = queue.get(timeout=120)
        proc.join(30)
        worker_rss = sum(proc_rss_mib(c) for c in children(pid))
    ok = [r for r in results if r.get("ok")]
    failures = [r.get("error") for r in results if not r.get("ok")]
    total_s = args.seconds + 2.0
    figures = {
        "cameras": args.cameras,
        "clients": args.clients,
        "ready_s": round(ready_s, 1),
        "idle_cpu_pct": round(idle_cpu, 1),
        "idle_rss_mib": round(idle_rss, 1),
        "describe_per_s": round(described / describe_s, 0),
        "sessions_playing": playing,
        "streaming_cpu_pct_of_one_core": round(busy_cpu, 1),
        "streaming_peak_rss_mib": round(peak_rss, 1),
        "encoder_worker_rss_mib": round(worker_rss, 1),
        "clients_ok": len(ok),
        "client_failures": failures[:3],
        "seq_gaps": sum(r["gaps"] for r in ok),
        "mean_fps_per_client": round(sum(r["frames"] for r in ok) / max(1, len(ok)) / total_s, 1),
        "aggregate_mbit_s": round(sum(r["octets"] for r in ok) * 8 / total_s / 1e6, 1),
        "max_setup_s": round(max((r["setup_s"] for r in ok), default=0.0), 2),
    }
    print(
        f"simulator: {args.cameras} cameras, {args.clients} clients streaming "
        f"for {args.seconds:g} s (RTP/TCP)"
    )
    print(
        f"  ready after            {figures['ready_s']} s (encoding 4 variants, or loading them from cache)"
    )
    print(f"  idle                   {figures['idle_cpu_pct']} % CPU, {figures['idle_rss_mib']} MiB RSS")
    print(f"  DESCRIBE (401 path)    {figures['describe_per_s']:.0f} requests/s over {described} cameras")
    print(
        f"  streaming              {figures['streaming_cpu_pct_of_one_core']} % of one core, "
        f"peak {figures['streaming_peak_rss_mib']} MiB RSS ({playing} sessions playing)"
    )
    worker = (
        f"{worker_rss:.1f} MiB RSS, idle after warm-up"
        if worker_rss
        else "not started: every variant was cached"
    )
    print(f"  encoder worker         {worker}")
    print(
        f"  clients                {len(ok)}/{args.clients} ok, {figures['seq_gaps']} sequence gaps, "
        f"{figures['mean_fps_per_client']} fps each, {figures['aggregate_mbit_s']} Mbit/s in total"
    )
    if failures:
        print(f"  failures               {failures[:3]}")
    if args.json:
        print(json.dumps(figures))
    if len(ok) != args.clients or figures["seq_gaps"]:
        sys.exit(1)


if __name__ == "__main__":
    main()
