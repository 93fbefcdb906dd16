#!/usr/bin/env python3
"""Drives Sourcier's MCP server with the official Python SDK (PyPI `mcp` 2.x): a client
nobody here wrote, over either transport.

    python3 tests/mcp_client.py http http://127.0.0.1:8080/mcp
    python3 tests/mcp_client.py stdio target/release/sourcier mcp --index index --corpus corpus

It lists the tools, searches "taux de féminisation" (the first result must open page 19 of
the contract), fetches that passage, asks a question, traces 13600, lists the documents, gets
a context within a budget, then sends an unknown id and an empty query (tool errors) and
checks that the next search is still answered. Exits 1 on the first failed check.
"""

import asyncio
import json
import sys

from mcp import Client, StdioServerParameters


def check(condition, what):
    if not condition:
        raise SystemExit(f"FAILED: {what}")


def payload(result):
    """The JSON of a successful call: its one text item, equal to the structured content."""
    check(not result.is_error, f"a successful call, got {result.content}")
    check(len(result.content) == 1, "one content item")
    value = json.loads(result.content[0].text)
    check(result.structured_content == value, "structured content equals the text")
    return value


def error_text(result):
    check(result.is_error, f"a tool error, got {result.content}")
    return result.content[0].text


async def conversation(client):
    tools = await client.list_tools()
    names = sorted(t.name for t in tools.tools)
    check(names == ["ask", "context", "fetch", "list_documents", "search", "trace_figure"], names)

    found = payload(await client.call_tool("search", {"query": "taux de féminisation"}))
    first = found["results"][0]
    check(first["url"].endswith("/api/documents/cop-imt-2023-2027/file#page=19"), first)
    check(first["title"].endswith(" · p. 19"), first)

    passage = payload(await client.call_tool("fetch", {"id": first["id"]}))
    check("taux de féminisation" in passage["text"], passage["text"][:80])
    check(passage["metadata"]["page_start"] == 19, passage["metadata"])
    check(passage["metadata"]["next_id"], "a next passage")

    answer = payload(await client.call_tool("ask", {"question": "Combien d'étudiants compte l'IMT ?"}))
    check(answer["answered"] and answer["answers"][0]["text"].startswith("13 600 étudiants"), answer)

    figure = payload(await client.call_tool("trace_figure", {"value": "13600"}))
    check(figure["total"] >= 1 and figure["places"][0]["figure"] == "13 600", figure)

    documents = payload(await client.call_tool("list_documents", {"limit": 2}))
    check(len(documents["documents"]) == 2 and documents["next_cursor"] == "2", documents)

    context = payload(await client.call_tool("context", {"query": "taux de féminisation", "max_tokens": 400}))
    check(0 < context["tokens"] <= 400 and context["context"].startswith("[1] "), context)

    check("not found" in error_text(await client.call_tool("fetch", {"id": "nope"})), "unknown id")
    check("empty" in error_text(await client.call_tool("search", {"query": " "})), "empty query")
    again = payload(await client.call_tool("search", {"query": "taux de féminisation"}))
    check(again["results"][0]["id"] == first["id"], "the server still answers after errors")
    print(f"ok: {len(names)} tools; search → {first['title']} {first['url']}")


async def main(argv):
    if len(argv) >= 2 and argv[0] == "http":
        server = argv[1]
    elif len(argv) >= 2 and argv[0] == "stdio":
        server = StdioServerParameters(command=argv[1], args=argv[2:])
    else:
        raise SystemExit(__doc__)
    async with Client(server) as client:
        await conversation(client)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1:]))
