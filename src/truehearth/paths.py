"""Where homes live by default, following each platform's conventions."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "truehearth"
HOME_ENV = "TRUEHEARTH_HOME"


def default_home() -> Path:
    """``$TRUEHEARTH_HOME``, else the platform's user data dir (``.../truehearth/home``)."""
    env = os.environ.get(HOME_ENV)
    if env:
        return Path(env).expanduser()
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)) / "home"
