"""Ticket tools over MCP (streamable HTTP), served on loopback behind the nginx example."""

from mcp.server.fastmcp import FastMCP

# Loopback only: nginx (examples/nginx) terminates TLS and proxies /mcp here.
mcp = FastMCP("tickets", host="127.0.0.1", port=8000)


@mcp.tool()
def open_ticket(title: str) -> str:
    """Open a ticket and return its id."""
    return f"T-{abs(hash(title)) % 10000}"


if __name__ == "__main__":
    mcp.run(transport="streamable-http")
