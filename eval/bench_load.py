"""Load and soak benchmark for `POST /v1/score` against a server on this machine (loopback only).

    # start a server itself (one worker, as `postwacht serve`), 50 clients, at most 20,000 requests / 60 s
    python -m eval.bench_load --spawn --clients 50
    # the same with two server processes (`postwacht serve --workers 2`)
    python -m eval.bench_load --spawn --clients 50 --workers 2
    # an already running server; --pid lets the soak mode sample its resident memory
    python -m eval.bench_load --url http://127.0.0.1:8000 --pid 12345 --soak 600
    # open loop: the clients together aim at 300 requests/s instead of sending as fast as they can
    python -m eval.bench_load --spawn --clients 50 --rate 300

Drafts come from corpus/data (varied lengths and labels); they are sent, never printed.
Prints throughput, latency percentiles, status counts (5xx separately) and, with a pid, RSS growth.
Every run is bounded in requests and time and stops by itself.
"""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import json
import os
import random
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlparse

import httpx

REPO = Path(__file__).resolve().parents[1]
MAX_SOAK_SECONDS = 3600


def loopback_only(url: str) -> str:
    host = urlparse(url).hostname or ""
    ok = host == "localhost"
    if not ok:
        try:
            ok = ipaddress.ip_address(host).is_loopback
        except ValueError:
            ok = False
    if not ok:
        raise SystemExit(f"refusing {url}: this benchmark only targets loopback addresses (127.0.0.0/8, ::1)")
    return url.rstrip("/")


def load_drafts(limit: int = 2000, seed: int = 7) -> list[dict[str, str]]:
    from corpus.dataset import iter_examples

    rows = [{"text": ex["text"], "role": ex.get("role") or "onbekend"} for ex in iter_examples()
            if 0 < len(ex["text"]) <= 10_000]
    random.Random(seed).shuffle(rows)
    return rows[:limit]


def rss_kib(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a process (all its threads) from /proc/PID/stat."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def spawn_server(port: int, workers: int = 1) -> subprocess.Popen[bytes]:
    env = dict(os.environ)
    env.setdefault("POSTWACHT_VAR_DIR", str(REPO / "var" / "bench"))
    (REPO / "var").mkdir(exist_ok=True)
    log = open(REPO / "var" / "bench-server.log", "wb")  # noqa: SIM115 (lives as long as the server)
    cmd = [sys.executable, "-m", "postwacht.cli", "serve", "--host", "127.0.0.1", "--port", str(port),
           "--workers", str(workers)]
    return subprocess.Popen(cmd, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


async def wait_ready(client: httpx.AsyncClient, url: str, timeout: float = 300.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if (await client.get(f"{url}/readyz")).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        await asyncio.sleep(0.5)
    raise SystemExit(f"server at {url} not ready after {timeout:.0f} s")


def percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return float("nan")
    k = min(len(sorted_values) - 1, max(0, round(q / 100 * (len(sorted_values) - 1))))
    return sorted_values[k]


async def run_load(url: str, drafts: list[dict[str, str]], clients: int, max_requests: int, seconds: float,
                   rate: float | None, pid: int | None, sample_every: float = 1.0) -> dict[str, object]:
    latencies: list[float] = []
    statuses: Counter[str] = Counter()
    rss: list[tuple[float, int]] = []
    sent = 0
    cpu_start = cpu_seconds(pid) if pid else None
    own_cpu_start = time.process_time()
    start = time.perf_counter()
    deadline = start + seconds
    interval = clients / rate if rate else 0.0  # each client's gap between sends in open-loop mode

    # idle connections expire on our side before the server's keep-alive ends (no reuse race)
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients, keepalive_expiry=4.0)
    async with httpx.AsyncClient(limits=limits, timeout=30.0) as client:

        async def worker(n: int) -> None:
            nonlocal sent
            rng = random.Random(n)
            next_at = start + rng.random() * interval
            while sent < max_requests and time.perf_counter() < deadline:
                if interval:
                    delay = next_at - time.perf_counter()
                    if delay > 0:
                        await asyncio.sleep(delay)
                    next_at += interval
                sent += 1
                draft = drafts[rng.randrange(len(drafts))]
                t0 = time.perf_counter()
                try:
                    response = await client.post(f"{url}/v1/score", json=draft)
                    statuses[str(response.status_code)] += 1
                except httpx.HTTPError as exc:
                    statuses[type(exc).__name__] += 1
                    continue
                latencies.append(time.perf_counter() - t0)

        async def sampler() -> None:
            while time.perf_counter() < deadline and sent < max_requests:
                value = rss_kib(pid) if pid else None
                if value:
                    rss.append((time.perf_counter() - start, value))
                await asyncio.sleep(sample_every)

        tasks = [asyncio.create_task(worker(i)) for i in range(clients)]
        sampler_task = asyncio.create_task(sampler()) if pid else None
        await asyncio.gather(*tasks)
        if sampler_task:
            sampler_task.cancel()
    elapsed = time.perf_counter() - start
    cpu_end = cpu_seconds(pid) if pid else None
    latencies.sort()
    ok = sum(v for k, v in statuses.items() if k.isdigit() and int(k) < 400)
    out: dict[str, object] = {
        "clients": clients, "target_rate": rate, "seconds": round(elapsed, 1), "requests": sum(statuses.values()),
        "ok": ok, "req_per_s": round(len(latencies) / elapsed, 1),
        "p50_ms": round(percentile(latencies, 50) * 1000, 1), "p90_ms": round(percentile(latencies, 90) * 1000, 1),
        "p99_ms": round(percentile(latencies, 99) * 1000, 1), "max_ms": round(latencies[-1] * 1000, 1) if latencies else None,
        "status": dict(statuses), "5xx": sum(v for k, v in statuses.items() if k.startswith("5")),
    }
    out["client_cpu_pct"] = round(100 * (time.process_time() - own_cpu_start) / elapsed, 1)
    if cpu_start is not None and cpu_end is not None and latencies:
        out["server_cpu_pct"] = round(100 * (cpu_end - cpu_start) / elapsed, 1)
        out["server_cpu_ms_per_req"] = round(1000 * (cpu_end - cpu_start) / len(latencies), 2)
    if rss:
        first, last, peak = rss[0][1], rss[-1][1], max(v for _, v in rss)
        # Baseline after the first tenth of the run: start-up caches fill in the first seconds.
        settled = next((v for t, v in rss if t >= elapsed / 10), first)
        out.update({"rss_first_mib": round(first / 1024, 1), "rss_settled_mib": round(settled / 1024, 1),
                    "rss_last_mib": round(last / 1024, 1), "rss_peak_mib": round(peak / 1024, 1),
                    "rss_growth_pct": round(100 * (last - first) / first, 2),
                    "rss_growth_after_warmup_pct": round(100 * (last - settled) / settled, 2)})
    return out


async def main_async(args: argparse.Namespace) -> int:
    drafts = load_drafts()
    server = None
    url, pid = args.url, args.pid
    if args.spawn:
        port = free_port()
        server = spawn_server(port, args.workers)
        url, pid = f"http://127.0.0.1:{port}", server.pid
    url = loopback_only(url)
    try:
        async with httpx.AsyncClient(timeout=10.0) as client:
            await wait_ready(client, url)
        if args.warmup:
            await run_load(url, drafts, min(args.clients, 8), args.warmup, 60.0, None, None)
        if args.soak:
            seconds, max_requests = min(args.soak, MAX_SOAK_SECONDS), 10**9
        else:
            seconds, max_requests = args.duration, args.requests
        result = await run_load(url, drafts, args.clients, max_requests, seconds, args.rate, pid)
        result["mode"] = "soak" if args.soak else "load"
        print(json.dumps(result))
        print(f"{result['mode']}: {result['requests']} requests in {result['seconds']} s, "
              f"{result['req_per_s']} req/s, p50 {result['p50_ms']} ms, p99 {result['p99_ms']} ms, "
              f"5xx {result['5xx']}" + (f", RSS growth {result['rss_growth_after_warmup_pct']}% after warm-up "
                                        f"({result['rss_growth_pct']}% from first sample)" if "rss_growth_pct" in result else ""))
        return 0 if result["5xx"] == 0 else 1
    finally:
        if server is not None:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    where = p.add_mutually_exclusive_group(required=True)
    where.add_argument("--url", help="base URL of a running server (loopback only)")
    where.add_argument("--spawn", action="store_true", help="start `postwacht serve` on a free loopback port")
    p.add_argument("--workers", type=int, default=1, help="server processes with --spawn (postwacht serve --workers)")
    p.add_argument("--pid", type=int, help="server process id, to sample its RSS (with --url)")
    p.add_argument("--clients", type=int, default=50)
    p.add_argument("--requests", type=int, default=20_000, help="stop after this many requests (load mode)")
    p.add_argument("--duration", type=float, default=60.0, help="stop after this many seconds (load mode)")
    p.add_argument("--rate", type=float, default=None, help="open loop: total requests/s the clients aim at")
    p.add_argument("--warmup", type=int, default=500, help="requests sent first and not counted")
    p.add_argument("--soak", type=float, default=0.0, help=f"soak for SECONDS (max {MAX_SOAK_SECONDS})")
    args = p.parse_args(argv)
    return asyncio.run(main_async(args))


if __name__ == "__main__":
    sys.exit(main())
