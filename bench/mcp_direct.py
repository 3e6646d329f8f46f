"""The baseline of `ar-bench mcp`: N sequential `echo` calls on an MCP server,
made directly with the official Python `mcp` client (no engine in between).

    python mcp_direct.py URL CALLS

Prints one JSON line: {"calls", "total_s", "per_call_ms"}. The connection (and the
handshake) is made before the clock starts, as the engine's pool also keeps it open.
"""

import asyncio
import json
import sys
import time

from mcp import Client


async def main(url: str, calls: int) -> None:
    async with Client(url) as client:
        # One untimed call, so the timed ones all find a warm connection.
        await client.call_tool("echo", {"message": "warm-up"})
        started = time.perf_counter()
        for i in range(calls):
            result = await client.call_tool("echo", {"message": str(i)})
            if result.is_error:
                sys.exit(f"echo {i} failed: {result}")
        total = time.perf_counter() - started
    print(json.dumps({"calls": calls, "total_s": total, "per_call_ms": total * 1000 / calls}))


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: mcp_direct.py URL CALLS")
    asyncio.run(main(sys.argv[1], int(sys.argv[2])))
