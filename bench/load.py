"""A small HTTP load generator for bench/run.py: concurrent clients on 127.0.0.1 only.

Uses wrk when it is installed (it costs the machine least); otherwise worker
processes, each with a few threads, each opening a connection per request (the
way sync gunicorn workers serve: they close after every answer). Prints nothing;
`measure()` returns requests per second, latency percentiles and errors.
"""

from __future__ import annotations

import http.client
import json
import multiprocessing
import os
import re
import shutil
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass


@dataclass
class Result:
    requests: int
    seconds: float
    errors: int
    p50_ms: float
    p95_ms: float

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


@dataclass
class Call:
    method: str
    path: str
    headers: dict
    body: str | None = None  # "{n}" is replaced by a request counter
    expect: int = 200


def measure(port: int, call: Call, *, seconds: float, connections: int) -> Result:
    """Load 127.0.0.1:`port` with `call` for `seconds` from `connections` clients."""
    if shutil.which("wrk"):
        return _wrk(port, call, seconds, connections)
    return _python(port, call, seconds, connections)


# --- wrk ---------------------------------------------------------------------------------------

_LUA = r"""
local method, path, body = os.getenv("LOAD_METHOD"), os.getenv("LOAD_PATH"), os.getenv("LOAD_BODY")
local expect = tonumber(os.getenv("LOAD_EXPECT"))
local headers = {}
for name, value in string.gmatch(os.getenv("LOAD_HEADERS") or "", "([^\n:]+): ([^\n]*)") do
  headers[name] = value
end
local counter, unexpected = 0, 0
request = function()
  counter = counter + 1
  local text = nil
  if body and body ~= "" then text = body:gsub("{n}", tostring(counter)) end
  return wrk.format(method, path, headers, text)
end
response = function(status)
  if status ~= expect then unexpected = unexpected + 1 end
end
done = function(summary, latency)
  io.write(string.format("LOADRESULT %d %f %d %d %f %f\n", summary.requests,
    summary.duration / 1e6, summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.timeout + summary.errors.status, unexpected,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000))
end
"""


def _wrk(port: int, call: Call, seconds: float, connections: int) -> Result:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(_LUA)
    env = {
        **os.environ,
        "LOAD_METHOD": call.method,
        "LOAD_PATH": call.path,
        "LOAD_BODY": call.body or "",
        "LOAD_EXPECT": str(call.expect),
        "LOAD_HEADERS": "\n".join(f"{k}: {v}" for k, v in call.headers.items()),
    }
    try:
        out = subprocess.run(
            ["wrk", "-t1", f"-c{connections}", f"-d{int(seconds)}s", "--timeout", "30s",
             "-s", script.name, f"http://127.0.0.1:{port}{call.path}"],
            env=env, capture_output=True, text=True, timeout=seconds + 60, check=False)
    finally:
        os.unlink(script.name)
    match = re.search(r"LOADRESULT (\d+) ([\d.]+) (\d+) (\d+) ([\d.]+) ([\d.]+)", out.stdout)
    if not match:
        raise RuntimeError(f"wrk gave no result:\n{out.stdout}\n{out.stderr}")
    requests, duration, errors, unexpected, p50, p95 = match.groups()
    # wrk counts non-2xx/3xx as errors.status; unexpected counts answers other than expected.
    return Result(int(requests), float(duration), max(int(errors), int(unexpected)),
                  float(p50), float(p95))


# --- Python clients ----------------------------------------------------------------------------


def _client(port: int, call: Call, deadline: float, threads: int, out) -> None:
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    counter = [0]

    def run() -> None:
        mine, failed = [], 0
        while time.monotonic() < deadline:
            with lock:
                counter[0] += 1
                n = counter[0]
            body = call.body.replace("{n}", str(n)).encode() if call.body else None
            start = time.perf_counter()
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                connection.request(call.method, call.path, body=body, headers=call.headers)
                answer = connection.getresponse()
                answer.read()
                connection.close()
                if answer.status != call.expect:
                    failed += 1
            except OSError:
                failed += 1
            mine.append((time.perf_counter() - start) * 1000)
        with lock:
            latencies.extend(mine)
            errors[0] += failed

    workers = [threading.Thread(target=run) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    out.put((latencies, errors[0]))


def _python(port: int, call: Call, seconds: float, connections: int) -> Result:
    processes = min(2, connections)
    deadline = time.monotonic() + seconds
    queue = multiprocessing.Queue()
    started = time.monotonic()
    clients = [
        multiprocessing.Process(target=_client, args=(port, call, deadline,
                                                      connections // processes, queue))
        for _ in range(processes)
    ]
    for client in clients:
        client.start()
    latencies, errors = [], 0
    for _ in clients:
        mine, failed = queue.get()
        latencies.extend(mine)
        errors += failed
    for client in clients:
        client.join()
    elapsed = time.monotonic() - started
    latencies.sort()
    if not latencies:
        return Result(0, elapsed, errors, 0.0, 0.0)
    return Result(len(latencies), elapsed, errors, latencies[len(latencies) // 2],
                  latencies[int(len(latencies) * 0.95) - 1])


if __name__ == "__main__":  # a quick manual check: python bench/load.py PORT PATH
    import sys

    print(json.dumps(measure(int(sys.argv[1]), Call("GET", sys.argv[2], {}), seconds=3,
                             connections=4).__dict__))
