"""`truehearth mcp`: the home's MCP server over stdio, for MCP clients that launch it."""

from __future__ import annotations

from truehearth.cli._app import HomeOpt, app, opened
from truehearth.extras import needed_for
from truehearth.home import Home


@app.command()
def mcp(home: HomeOpt = None) -> None:
    """Serve the home to an MCP client over stdin/stdout (search, read core, reflect, propose)."""
    with needed_for("`truehearth mcp`"):
        from truehearth.server import mcp as mcp_server

    with opened(home) as h:  # fail now, clearly, if the home cannot be opened
        path, key = h.path, h.key
    mcp_server.build(lambda: Home.open(path, key=key)).run("stdio")
