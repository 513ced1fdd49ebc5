"""The local server: an OpenAI-compatible proxy, an MCP server and a web UI for the home.

A thin layer over the library API: every request opens the home, calls the
same functions the CLI calls, and closes it. No SQL and no rules live here.
"""

from truehearth.server.app import create_app
from truehearth.server.settings import ServerSettings

__all__ = ["ServerSettings", "create_app"]
