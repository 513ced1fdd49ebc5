"""The local server: an OpenAI-compatible proxy, an MCP server and a web UI for the home.

A thin layer over the library API: every request opens the home, calls the
same functions the CLI calls, and closes it. No SQL and no rules live here.

The application is built by :func:`truehearth.server.app.create_app`; this
package imports nothing heavy itself, so the CLI starts fast.
"""
