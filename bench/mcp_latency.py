#!/usr/bin/env python3
"""Latency of each MCP tool call over streamable HTTP, beside `GET /api/search` and
`GET /api/context` for the same query, against a running server (it starts nothing):

    python3 bench/mcp_latency.py http://127.0.0.1:8080 [CALLS]

Needs the official Python MCP SDK (`pip install mcp==2.3.0`, as .ci/run does). One client
connection; each call is made CALLS times (default 100) after 10 warm-up calls, and the
median and 95th percentile of the wall time per call are printed in milliseconds. An MCP call
is one HTTP POST (the server keeps no session); the REST calls reuse one keep-alive
connection, as the MCP client does.
"""

import asyncio
import http.client
import statistics
import sys
import time
import urllib.parse

from mcp import Client

QUERY = "taux de féminisation"
WARM_UP = 10


def summary(name, times):
    ms = sorted(t * 1000 for t in times)
    p95 = ms[min(len(ms) - 1, int(len(ms) * 0.95))]
    print(f"{name:<32} median {statistics.median(ms):7.2f} ms   p95 {p95:7.2f} ms")


def rest(base, path, params, calls):
    url = urllib.parse.urlsplit(base)
    connection = http.client.HTTPConnection(url.hostname, url.port or 80)
    target = f"{url.path.rstrip('/')}{path}?{urllib.parse.urlencode(params)}"
    times = []
    for i in range(WARM_UP + calls):
        started = time.perf_counter()
        connection.request("GET", target)
        response = connection.getresponse()
        response.read()
        if response.status != 200:
            raise SystemExit(f"{path}: HTTP {response.status}")
        if i >= WARM_UP:
            times.append(time.perf_counter() - started)
    connection.close()
    return times


async def tool(client, name, arguments, calls):
    times = []
    for i in range(WARM_UP + calls):
        started = time.perf_counter()
        result = await client.call_tool(name, arguments)
        if result.is_error:
            raise SystemExit(f"{name}: {result.content}")
        if i >= WARM_UP:
            times.append(time.perf_counter() - started)
    return times


async def main(base, calls):
    async with Client(f"{base.rstrip('/')}/mcp") as client:
        found = await client.call_tool("search", {"query": QUERY})
        passage = found.structured_content["results"][0]["id"]
        cases = [
            ("search", {"query": QUERY}),
            ("fetch", {"id": passage}),
            ("ask", {"question": "Combien d'étudiants compte l'IMT ?"}),
            ("trace_figure", {"value": "13600"}),
            ("list_documents", {}),
            ("context", {"query": QUERY}),
        ]
        print(f"{calls} calls each after {WARM_UP} warm-up calls; query {QUERY!r}")
        for name, arguments in cases:
            summary(f"MCP {name}", await tool(client, name, arguments, calls))
    summary("GET /api/search", rest(base, "/api/search", {"q": QUERY}, calls))
    summary("GET /api/context", rest(base, "/api/context", {"q": QUERY}, calls))


if __name__ == "__main__":
    if len(sys.argv) < 2:
        raise SystemExit(__doc__)
    asyncio.run(main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 100))
