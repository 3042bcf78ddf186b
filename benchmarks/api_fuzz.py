"""Property-based API tests: schemathesis against a real ``nlp-ip serve`` process.

Usage::

    python benchmarks/api_fuzz.py --model DIR [--max-examples 100] [--backend auto]

Starts the server on 127.0.0.1 and a free port with a throw-away key, runs
``schemathesis run`` on the server's own ``/openapi.json`` with every check
(no 5xx, responses match the schema, status codes and headers as documented,
invalid input rejected, valid input accepted; settings in
``benchmarks/schemathesis.toml``), prints its report, stops the server with
SIGTERM and exits with schemathesis's exit code (0 = no failures).
"""

from __future__ import annotations

import argparse
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from load_test import ROOT, free_port, start_server, wait_ready


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", required=True)
    parser.add_argument("--backend", default="auto")
    parser.add_argument("--max-examples", type=int, default=100)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--ready-timeout", type=float, default=180.0)
    args = parser.parse_args(argv)

    from nlp_ip.serve.keys import add_key

    tmp = Path(tempfile.mkdtemp(prefix="nlp-ip-fuzz-"))
    key = add_key(tmp / "keys.json", "fuzz", ["classify", "metrics"])
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    proc = start_server(args.model, args.backend, tmp / "keys.json", port, [])
    try:
        wait_ready(base, proc, args.ready_timeout)
        st = shutil.which("schemathesis", path=str(Path(sys.executable).parent)) or \
            shutil.which("schemathesis")
        if st is None:
            print('schemathesis is not installed: pip install "nlp-ip[dev]"', file=sys.stderr)
            return 2
        cmd = [st, "--no-color", "--config-file", str(ROOT / "benchmarks" / "schemathesis.toml"),
               "run", f"{base}/openapi.json", "--header", f"Authorization: Bearer {key}",
               "--checks", "all", "--max-examples", str(args.max_examples), "--workers", "1",
               "--seed", str(args.seed), "--request-timeout", "30"]
        shown = [c if not c.startswith("Authorization") else "Authorization: Bearer ***"
                 for c in cmd]
        print("$", " ".join(shown), flush=True)
        result = subprocess.run(cmd, timeout=1800)
        code = result.returncode
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            server_code = proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            server_code = -9
        log = (tmp / "server.log").read_text(errors="replace")
        print(f"server exit code {server_code}; server log lines with 'Traceback' or 'ERROR': "
              f"{sum(1 for line in log.splitlines() if 'Traceback' in line or 'ERROR' in line)}")
        shutil.rmtree(tmp, ignore_errors=True)
    return code


if __name__ == "__main__":
    sys.exit(main())
