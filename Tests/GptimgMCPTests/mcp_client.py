"""A real MCP client (PyPI `mcp`, the SDK assistants' hosts build on) driving `gptimg mcp` over stdio.

Run by MCPServerTests with one JSON argument: {"scenario": ..., "command": [...], "env": {...}, ...}.
Each check that fails is printed to stderr; the exit code is 1 when any failed. What the server
did to the library and the API is checked by the Swift test afterwards (catalog, simulator ledger).
Prints one JSON object on stdout: values the Swift side checks.
"""
import asyncio
import base64
import json
import struct
import sys

from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client
try:  # mcp 2.x
    from mcp.shared.exceptions import MCPError as McpError
except ImportError:  # mcp 1.x
    from mcp.shared.exceptions import McpError

failures = []


def check(condition, what):
    if not condition:
        failures.append(what)
    return condition


def text_of(result):
    return "\n".join(c.text for c in result.content if getattr(c, "type", "") == "text")


async def expect_error(session, tool, arguments, contains, what):
    """A tool error (isError, one line naming the problem), never a crash or a JSON-RPC failure."""
    try:
        result = await session.call_tool(tool, arguments)
    except McpError as error:
        failures.append(f"{what}: a protocol error instead of a tool error: {error}")
        return None
    message = text_of(result)
    check(result.is_error, f"{what}: not an error: {message[:200]}")
    check(contains.lower() in message.lower(), f"{what}: message {message[:200]!r} lacks {contains!r}")
    check("\n" not in message.strip(), f"{what}: not one line: {message[:200]!r}")
    return message


async def ok(session, tool, arguments, what):
    result = await session.call_tool(tool, arguments)
    check(not result.is_error, f"{what}: error: {text_of(result)[:300]}")
    return result


def png_size(data):
    check(data[:8] == b"\x89PNG\r\n\x1a\n", "resource blob is not a PNG")
    width, height = struct.unpack(">II", data[16:24])
    return width, height


async def library_scenario(session, config, out):
    tools = await session.list_tools()
    names = sorted(t.name for t in tools.tools)
    out["tools"] = names
    check(names == sorted(config["expect_tools"]), f"tools: {names}")
    for tool in tools.tools:
        check(tool.input_schema.get("additionalProperties") is False, f"{tool.name}: schema allows unknown fields")

    night = config["night_ids"]
    found = await ok(session, "search", {"query": "tag:night"}, "search tag:night")
    ids = [image["id"] for image in found.structured_content["images"]]
    check(sorted(ids) == sorted(night), f"search tag:night found {ids}, expected {night}")
    check(all(image["resource"] == f"gptimg://image/{image['id']}" for image in found.structured_content["images"]),
          "search results name their resource")
    words = await ok(session, "search", {"query": "lighthouse", "limit": 5}, "search words")
    check(words.structured_content["sort"] == "relevance", "words sort by relevance")

    # Paging: every image once, one a page.
    seen, cursor = [], None
    for _ in range(10):
        arguments = {"query": "", "limit": 1}
        if cursor:
            arguments["cursor"] = cursor
        page = await ok(session, "search", arguments, "search page")
        seen += [image["id"] for image in page.structured_content["images"]]
        cursor = page.structured_content.get("next_cursor")
        if not cursor:
            break
    check(sorted(seen) == sorted(config["all_ids"]), f"paging saw {seen}, expected {config['all_ids']}")

    first = night[0]
    shown = await ok(session, "show", {"id": first}, "show")
    check(shown.structured_content["id"] == first and "night" in shown.structured_content["tags"], "show's fields")

    # An image resource: a real PNG thumbnail, at most 512 px, and its metadata.
    resource = await session.read_resource(f"gptimg://image/{first}")
    blobs = [c for c in resource.contents if getattr(c, "blob", None)]
    texts = [c for c in resource.contents if getattr(c, "text", None)]
    if check(len(blobs) == 1 and blobs[0].mime_type == "image/png", "image resource has one PNG"):
        png = base64.b64decode(blobs[0].blob)
        out["thumbnail_path"] = config["workspace"] + "/thumbnail.png"
        with open(out["thumbnail_path"], "wb") as handle:
            handle.write(png)
        width, height = png_size(png)
        out["thumbnail_size"] = [width, height]
        check(max(width, height) == 512, f"thumbnail is {width}x{height}")
    check(texts and json.loads(texts[0].text)["id"] == first, "image resource carries its metadata")
    templates = await session.list_resource_templates()
    check(sorted(t.uri_template for t in templates.resource_templates)
          == ["gptimg://collection/{name}", "gptimg://image/{id}"], "resource templates")
    try:
        await session.read_resource("gptimg://image/999999")
        failures.append("a missing image resource was read")
    except McpError as error:
        check("no image" in str(error).lower() or "999999" in str(error), f"missing resource error: {error}")

    # Curating: the catalog changes (checked again by the Swift test).
    await ok(session, "tag", {"ids": [first], "add": ["picked by mcp"]}, "tag")
    rated = await ok(session, "rate", {"ids": [first], "rating": 4}, "rate")
    check(rated.structured_content["images"][0]["rating"] == 4, "rate answers with the new rating")
    await ok(session, "favorite", {"ids": [str(first)]}, "favorite")
    await ok(session, "collection_add", {"collection": "MCP picks", "ids": night}, "collection_add")
    collections = await ok(session, "collections", {}, "collections")
    check({"name": "MCP picks", "count": len(night)}.items()
          <= next((c for c in collections.structured_content["collections"] if c["name"] == "MCP picks"), {}).items(),
          "collections lists the new one")
    collection = await session.read_resource("gptimg://collection/MCP%20picks")
    check(len(json.loads(collection.contents[0].text)["images"]) == len(night), "collection resource")
    removed = await ok(session, "collection_remove", {"collection": "MCP picks", "ids": [night[-1]]}, "remove")
    check(removed.structured_content["removed"] == 1, "collection_remove removed one")
    await ok(session, "credits", {}, "credits")
    await ok(session, "tasks", {"all": True}, "tasks")
    exported = await ok(session, "export", {"ids": night, "to": "picks.zip"}, "export")
    out["export_path"] = exported.structured_content.get("path")

    prompts = await session.list_prompts()
    check(sorted(p.name for p in prompts.prompts) == ["cull-collection", "make-variants"], "prompts")
    cull = await session.get_prompt("cull-collection", {"collection": "MCP picks"})
    check("gptimg://collection/MCP%20picks" in cull.messages[0].content.text, "cull prompt names the collection")

    # Hostile arguments: tool errors with one line, never a crash, never a write elsewhere.
    await expect_error(session, "search", {"query": 5}, "query must be a string", "query of the wrong type")
    await expect_error(session, "search", {"query": "x", "colour": "red"}, "does not take 'colour'", "unknown field")
    await expect_error(session, "search", {"query": "x", "limit": 100000}, "limit must be from 1 to 200", "huge limit")
    await expect_error(session, "search", {"query": "x", "limit": -1}, "limit", "negative limit")
    await expect_error(session, "search", {"query": "x", "limit": 2.5}, "whole number", "fractional limit")
    await expect_error(session, "search", {"query": "colour:red"}, "unknown filter", "unknown filter")
    await expect_error(session, "search", {"query": 'a "phrase not closed'}, "quote is not closed", "unclosed quote")
    await expect_error(session, "search", {"query": "rating:>=9"}, "rating", "invalid filter value")
    await expect_error(session, "search", {"query": "x" * 5000}, "too long", "huge query")
    await expect_error(session, "search", {"query": "", "cursor": "c'; DROP TABLE images;--~1"}, "cursor",
                       "forged cursor")
    await expect_error(session, "search", {"query": "x", "sort": "random"}, "sort must be", "unknown sort")
    await expect_error(session, "show", {"id": {"nested": [1, 2]}}, "image id", "id of the wrong type")
    await expect_error(session, "show", {"id": 999999}, "999999", "missing image")
    await expect_error(session, "show", {"id": "zz"}, "zz", "invalid image id")
    await expect_error(session, "show", {}, "needs 'id'", "missing argument")
    await expect_error(session, "rate", {"ids": [first], "rating": "5"}, "whole number", "rating as a string")
    await expect_error(session, "rate", {"ids": [first], "rating": 6}, "from 0 to 5", "rating out of range")
    await expect_error(session, "rate", {"ids": list(range(5000)), "rating": 1}, "at most 1000", "too many ids")
    await expect_error(session, "tag", {"ids": [], "add": ["x"]}, "empty", "no ids")
    await expect_error(session, "tag", {"ids": [first], "add": ["a\nb"]}, "line break", "a tag with a line break")
    await expect_error(session, "tag", {"ids": [first]}, "give tags", "tag without tags")
    await expect_error(session, "favorite", {"ids": [first], "favorite": "yes"}, "true or false", "flag as a string")
    await expect_error(session, "collection_remove", {"collection": "No such", "ids": [first]}, "no collection named",
                       "no collection")
    await expect_error(session, "export", {"ids": night, "to": "../outside.zip"}, "inside the allowed export folder",
                       "export with ..")
    await expect_error(session, "export", {"ids": night, "to": config["outside"] + "/abs.zip"},
                       "inside the allowed export folder", "export to an absolute path elsewhere")
    await expect_error(session, "export", {"ids": night, "to": "escape/through-link.zip"},
                       "inside the allowed export folder", "export through a symbolic link out")
    await expect_error(session, "export", {"ids": night, "to": config["library"] + "/in-library.zip"},
                       "inside the allowed export folder", "export into the library")
    await expect_error(session, "export", {"ids": night, "to": "picks.zip"}, "exists", "export over an existing file")
    await expect_error(session, "export", {"ids": night, "query": "x", "to": "two.zip"}, "not 2", "two selectors")
    await expect_error(session, "generate", {"prompt": "a cat", "confirm": True}, "--allow-generate",
                       "generate when off")
    await expect_error(session, "variant", {"id": first, "confirm": True}, "--allow-generate", "variant when off")
    await expect_error(session, "no_such_tool", {}, "no tool named", "unknown tool")

    # Still serving after all that.
    again = await ok(session, "search", {"query": "tag:night"}, "search after the hostile calls")
    check(len(again.structured_content["images"]) == len(night), "search after the hostile calls")
    out["first"] = first


async def generate_scenario(session, config, out):
    names = sorted(t.name for t in (await session.list_tools()).tools)
    check({"generate", "rerun", "variant"} <= set(names), f"generating tools listed: {names}")
    source = config["source_id"]

    quote = await ok(session, "generate", {"prompt": "a red kite over the dunes", "n": 1}, "generate without confirm")
    check(quote.structured_content["sent"] is False and quote.structured_content["cost"] == 2,
          f"quote: {quote.structured_content}")
    check("2 credits" in text_of(quote) and "confirm" in text_of(quote), f"quote text: {text_of(quote)}")
    declined = await ok(session, "generate", {"prompt": "a red kite", "confirm": False}, "confirm false")
    check(declined.structured_content["sent"] is False, "confirm: false sends nothing")
    await expect_error(session, "generate", {"prompt": "a red kite", "confirm": "yes"}, "true or false",
                       "confirm as a string")
    await expect_error(session, "generate", {"prompt": "a red kite", "confirm": True, "aspect": "7:5"}, "aspect",
                       "invalid aspect")
    await expect_error(session, "generate", {"prompt": "over the cap", "n": 4, "confirm": True}, "--max-credits",
                       "over the cap per call")
    out["sent_before_generate"] = True

    made = await ok(session, "generate", {"prompt": "a red kite over the dunes", "n": 1, "confirm": True,
                                          "tags": ["kite"]}, "generate with confirm")
    result = made.structured_content or {}
    check(result.get("sent") is True and result.get("status") == "completed", f"generate result: {result}")
    check(len(result.get("images", [])) == 1, f"generate landed images: {result}")
    out["generated_ids"] = [image["id"] for image in result.get("images", [])]

    variant_quote = await ok(session, "variant", {"id": source, "append": "in winter"}, "variant without confirm")
    check(variant_quote.structured_content["cost"] == 2, "variant quote")
    variant = await ok(session, "variant", {"id": source, "append": "in winter", "confirm": True}, "variant")
    check((variant.structured_content or {}).get("status") == "completed", f"variant: {variant.structured_content}")
    out["variant_ids"] = [image["id"] for image in (variant.structured_content or {}).get("images", [])]
    rerun = await ok(session, "rerun", {"id": source, "confirm": True}, "rerun")
    check((rerun.structured_content or {}).get("status") == "completed", f"rerun: {rerun.structured_content}")

    # The monthly budget is now used up: refused, nothing sent.
    await expect_error(session, "generate", {"prompt": "one more", "confirm": True}, "budget",
                       "over the monthly budget")
    credits = await ok(session, "credits", {}, "credits")
    out["limits"] = credits.structured_content["limits"]


async def main():
    config = json.loads(sys.argv[1])
    params = StdioServerParameters(command=config["command"][0], args=config["command"][1:], env=config["env"])
    out = {}
    with open(config["workspace"] + "/server-stderr.log", "w") as errlog:
        async with stdio_client(params, errlog=errlog) as (read, write):
            async with ClientSession(read, write) as session:
                init = await session.initialize()
                check(init.server_info.name == "gptimg", f"server name {init.server_info.name}")
                out["protocol"] = init.protocol_version
                if config["scenario"] == "library":
                    await library_scenario(session, config, out)
                else:
                    await generate_scenario(session, config, out)
    print(json.dumps(out))
    for failure in failures:
        print("FAILED: " + failure, file=sys.stderr)
    sys.exit(1 if failures else 0)


asyncio.run(main())
