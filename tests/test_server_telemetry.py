"""The server records nothing for OpenTelemetry, even where a tracer is configured.

FastAPI (0.16x) instruments every request and connection with OpenTelemetry when
a tracer or meter provider is configured in the process, or exports to OTLP
when ``FASTAPI_OTEL_AUTO_CONFIGURE=true`` is set; its records carry request
bodies, validation errors and exception messages: here, the human's words. A
home's server sends nothing anywhere, so it turns all of that off itself
rather than trusting the environment. The check runs in a child process, so
the global tracer provider it installs never reaches other tests.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from truehearth.home import Home
from truehearth.keys import ensure_token
from truehearth.mouths import registry

CHILD = r"""
import sys
from pathlib import Path

import httpx
from opentelemetry import trace

from tests.loopback import serving
from truehearth.server.app import create_app
from truehearth.server.settings import ServerSettings

started = []


class Tracer(trace.NoOpTracer):
    def start_span(self, name, *args, **kwargs):
        started.append(name)
        return super().start_span(name, *args, **kwargs)

    def start_as_current_span(self, name, *args, **kwargs):
        started.append(name)
        return super().start_as_current_span(name, *args, **kwargs)


class Provider(trace.TracerProvider):
    def get_tracer(self, *args, **kwargs):
        return Tracer()


trace.set_tracer_provider(Provider())
home, token = Path(sys.argv[1]), sys.argv[2]
with serving(create_app(ServerSettings(home=home, token=token))) as url:
    auth = {"Authorization": f"Bearer {token}"}
    body = {"model": "echo", "messages": [{"role": "user", "content": "my secret garden"}]}
    chat = url + "/v1/chat/completions"
    assert httpx.get(url + "/healthz").status_code == 200
    assert httpx.post(chat, json=body, headers=auth, timeout=30).status_code == 200
    assert httpx.post(chat, json={"bad": 1}, headers=auth).status_code == 400
print(len(started))
"""


def test_no_request_is_traced_even_with_a_tracer_configured(home: Home) -> None:
    registry.add(home, "echo", "echo")
    token = ensure_token(home.path)
    root = Path(__file__).resolve().parent.parent
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(root / "src"), str(root)]),
        "FASTAPI_OTEL_AUTO_CONFIGURE": "true",
    }
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(home.path), token],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == "0"
