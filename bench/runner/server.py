"""The app served by gunicorn on a free loopback port, with production settings and the bench URLconf."""

from __future__ import annotations

import http.client
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
BENCH_VAR = ROOT / "var" / "bench"
LOOPBACK = "127.0.0.1"


def bench_environment(database_url: str, *, redis_url: str) -> dict[str, str]:
    """What both the runner and gunicorn run with: production settings (DEBUG off) on the bench database.

    The secret key is made up for the run; requests arrive as if from a TLS proxy (X-Forwarded-Proto), as
    they do in production, so nothing in the security settings needs turning off.
    """
    return {
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DATABASE_URL": database_url,
        "DEBUG": "0",
        "SECRET_KEY": "bench-" + secrets.token_urlsafe(48),
        "ALLOWED_HOSTS": LOOPBACK,
        "REDIS_URL": redis_url,
        "RJCASE_VAR_DIR": str(BENCH_VAR),
        "LOG_LEVEL": "WARNING",
    }


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        return sock.getsockname()[1]


def collect_static(env: dict[str, str]) -> None:
    """WhiteNoise's manifest storage needs collected files: collected once, again when a static file changes."""
    manifest = BENCH_VAR / "staticfiles" / "staticfiles.json"
    newest = max((p.stat().st_mtime for p in (ROOT / "static").rglob("*") if p.is_file()), default=0)
    if manifest.exists() and manifest.stat().st_mtime >= newest:
        return
    subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "collectstatic", "--noinput", "--verbosity", "0"],
        env={**os.environ, **env},
        check=True,
        cwd=ROOT,
    )


@dataclass
class Server:
    process: subprocess.Popen
    port: int
    log: Path

    @property
    def base(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    def worker_pids(self) -> list[int]:
        """The gunicorn workers (children of the master this runner started)."""
        pids = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parent = int(stat.rsplit(")", 1)[1].split()[1])
            if parent == self.process.pid:
                pids.append(int(entry.name))
        return sorted(pids)

    def worker_peak_rss_mb(self) -> dict[int, float]:
        """Each worker's peak resident memory so far (VmHWM), in MB."""
        peaks = {}
        for pid in self.worker_pids():
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmHWM:"):
                        peaks[pid] = int(line.split()[1]) / 1024
            except OSError:
                continue
        return peaks

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start(env: dict[str, str], *, workers: int = 2, threads: int = 4, timeout: float = 60.0) -> Server:
    """gunicorn (gthread: keep-alive like behind a proxy) on a free port; waits until /healthz answers."""
    BENCH_VAR.mkdir(parents=True, exist_ok=True)
    port = free_port()
    log = BENCH_VAR / "gunicorn.log"
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "rjcase.wsgi:application",
        "--bind",
        f"{LOOPBACK}:{port}",
        "--workers",
        str(workers),
        "--worker-class",
        "gthread",
        "--threads",
        str(threads),
        "--timeout",
        "600",
        "--chdir",
        str(ROOT),
    ]
    with log.open("wb") as handle:
        process = subprocess.Popen(
            command, env={**os.environ, **env}, stdout=handle, stderr=subprocess.STDOUT, cwd=ROOT
        )
    server = Server(process=process, port=port, log=log)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn stopped at start (exit {process.returncode}); see {log}")
        try:
            conn = http.client.HTTPConnection(LOOPBACK, port, timeout=5)
            conn.request("GET", "/healthz", headers={"Host": LOOPBACK, "X-Forwarded-Proto": "https"})
            status = conn.getresponse().status
            conn.close()
            if status == 200 and len(server.worker_pids()) >= workers:
                return server
        except OSError:
            pass
        time.sleep(0.2)
    server.stop()
    raise RuntimeError(f"gunicorn did not answer /healthz within {timeout:.0f} s; see {log}")
