"""Run `make serve` (gunicorn, production settings) from a test, and talk to it like a browser."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlencode

import psycopg

from .production import BASE_DIR, manage


def port_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.3):
            return True
    except OSError:
        return False


def make_serve_command(port: int) -> list[str]:
    # `-o` keeps make from reinstalling requirements (the stamp file may be missing in a test run).
    return ["make", "--no-print-directory", "-o", ".venv/.requirements", "serve", f"PORT={port}"]


def prepare_database(name: str, env: dict[str, str]) -> str:
    """A PostgreSQL database ``name``, migrated and holding the shipped content; its URL.

    Kept between runs, like a real deployment's, so only the first run loads content.
    """
    url = f"postgres://postgres@127.0.0.1:5432/{name}"
    subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", name], capture_output=True, check=False)
    env = {**env, "DATABASE_URL": url}
    migrated = manage("migrate", "--noinput", "-v0", env=env)
    assert migrated.returncode == 0, migrated.stderr
    with psycopg.connect(url) as db:
        has_cases = db.execute("select count(*) from cases_case").fetchone()[0] > 0
    if not has_cases:
        loaded = manage("load_taxonomy", "-v0", env=env)
        assert loaded.returncode == 0, loaded.stderr
        labelled = manage("load_case_labels", "-v0", env=env)
        assert labelled.returncode == 0, labelled.stderr
        loader = manage("create_content_loader", "-v0", env=env)
        assert loader.returncode == 0, loader.stderr
        imported = manage("import_cases", "--publish-as", "content-loader", "fixtures/cases/", env=env)
        assert imported.returncode == 0, imported.stderr
    return url


@contextmanager
def make_serve(port: int, env: dict[str, str]) -> Iterator[str]:
    """`make serve` on ``port`` until the block ends; yields the base URL."""
    assert not port_open(port), f"port {port} is already in use"
    # The output goes to a file, not a pipe: nobody reads a pipe while the server runs,
    # and once its 64 KB filled up, gunicorn would block writing its access log.
    with tempfile.TemporaryFile() as output:
        server = subprocess.Popen(
            make_serve_command(port), cwd=BASE_DIR, env=env, stdout=output, stderr=output, start_new_session=True
        )
        try:
            deadline = time.monotonic() + 90
            while not port_open(port):
                if server.poll() is not None:
                    output.seek(0)
                    raise AssertionError(output.read().decode())
                assert time.monotonic() < deadline, "make serve did not start within 90 s"
                time.sleep(0.3)
            yield f"http://127.0.0.1:{port}"
        finally:
            os.killpg(server.pid, signal.SIGINT)  # gunicorn's quick shutdown
            # A gthread worker now and then outlives it until the master kills it after the
            # 30 s graceful timeout (seen after Redis had gone away): wait past that.
            server.wait(timeout=45)
    assert not port_open(port)


class Browser:
    """Just enough of a browser: keeps cookies (Secure ones too: browsers send those to
    http://localhost, which they count as a secure context) and does not follow redirects."""

    def __init__(self):
        self.cookies: dict[str, str] = {}
        self.opener = urllib.request.build_opener(_NoRedirect)

    def fetch(self, url: str, data: dict | None = None, timeout: float = 10):
        body = urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(url, data=body)  # noqa: S310 - loopback http:// only
        if self.cookies:
            request.add_header("Cookie", "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
        try:
            response = self.opener.open(request, timeout=timeout)
        except urllib.error.HTTPError as error:
            response = error
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        return response


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None
