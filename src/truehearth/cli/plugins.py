"""The plugins command: what mouths, embedders, importers, scorers and commands are installed."""

from __future__ import annotations

from rich.table import Table

from truehearth.cli._app import JsonOpt, app, console, print_json


@app.command("plugins")
def plugins_command(json: JsonOpt = False) -> None:
    """List the installed plugins (the built-ins first) and what each adds."""
    from truehearth import plugins

    found = plugins.installed()
    if json:
        print_json([p.to_json() for p in found])
        return
    table = Table()
    for column in ("plugin", "package", "adds"):
        table.add_column(column)
    for info in found:
        package = f"{info.package} {info.version}" if info.package else "truehearth (built in)"
        adds = ", ".join(h.removeprefix("register_") for h in info.hooks)
        table.add_row(info.name, package, adds)
    console.print(table)
