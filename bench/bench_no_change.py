"""Benchmark: the daily run when nothing changed, beside a trivial Prefect flow in the same mode.

Both are timed as a scheduler runs them: a fresh process that imports what it needs and runs one
flow against the same Prefect server (started here, once). The no-change run is `bulletins ingest
--source isw` on the sample archive served on 127.0.0.1 after a first backfill stored it all, so
discovery finds nothing new: it must neither import Great Expectations nor rebuild Data Docs
(issue 13 §5, target <= 1.1x a trivial flow in a process that imported the stack without GX;
the bare trivial flow is printed too).

    .venv/bin/python bench/bench_no_change.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

BARE_FLOW = """
import sys
from prefect import flow

@flow(name="trivial")
def trivial() -> int:
    return 1

trivial()
print("IMPORTED", "great_expectations" in sys.modules, "pandas" in sys.modules, file=sys.stderr)
"""

# The floor of issue 13 §5: import the stack without Great Expectations (Prefect, DuckDB with the
# pandas it imports to bind any query parameter, the HTTP library), then run one trivial flow.
STACK_FLOW = "import duckdb, pandas, requests\n" + BARE_FLOW

NO_CHANGE_RUN = """
import sys
from flows.cli import main
code = main(["-q", "ingest", "--source", "isw"])
print("IMPORTED", "great_expectations" in sys.modules, "pandas" in sys.modules, file=sys.stderr)
sys.exit(code)
"""


def timed(code: str, env: dict[str, str]) -> tuple[float, str]:
    """Wall time of one fresh process running `code`, and what it imported."""
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=600)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"benchmark run failed ({done.returncode}): {done.stderr.strip()[-500:]}")
    [marker] = [line.split() for line in done.stderr.splitlines() if line.startswith("IMPORTED ")]
    gx, pandas = marker[1:]
    if done.stdout.strip():
        print(f"  {done.stdout.strip()}", flush=True)
    return seconds, f"Great Expectations {'imported' if gx == 'True' else 'not imported'}, " \
                    f"pandas {'imported' if pandas == 'True' else 'not imported'}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs of each, alternating (default 5)")
    args = parser.parse_args()

    from prefect.server.api.server import SubprocessASGIServer

    from flows.archive_server import serve_archive

    with tempfile.TemporaryDirectory(prefix="bulletins-bench-") as tmp:
        home = Path(tmp) / "home"
        env = {**os.environ, "BULLETINS_HOME": str(home), "PREFECT_HOME": str(Path(tmp) / "prefect"),
               "DO_NOT_TRACK": "1", "GX_ANALYTICS_ENABLED": "False", "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
        env.pop("PREFECT_API_URL", None)
        # The bench's Prefect server stays on loopback: no telemetry.
        os.environ.update({k: env[k] for k in ("PREFECT_HOME", "DO_NOT_TRACK", "PREFECT_SERVER_ANALYTICS_ENABLED")})
        server = SubprocessASGIServer()
        server.start(timeout=120)
        try:
            env["PREFECT_API_URL"] = server.api_url
            with serve_archive(REPO / "samples" / "isw" / "site") as isw_url:
                env["BULLETINS_ISW_BASE_URL"] = isw_url
                first = subprocess.run(
                    [sys.executable, "-c", "import sys; from flows.cli import main; sys.exit(main(sys.argv[1:]))",
                     "-q", "backfill", "--source", "isw", "--from", str(date(2024, 1, 1)), "--to", str(date.today())],
                    cwd=REPO, env=env, capture_output=True, text=True, timeout=600,
                )
                if first.returncode != 0:
                    raise SystemExit(f"the first backfill failed: {first.stderr.strip()[-500:]}")
                timed(NO_CHANGE_RUN, env)  # the first incremental run sets the watermark
                bare: list[float] = []
                stack: list[float] = []
                no_change: list[float] = []
                imported: set[str] = set()
                for _ in range(args.repeat):  # alternating, so a busy moment of the machine hits each alike
                    bare.append(timed(BARE_FLOW, env)[0])
                    stack.append(timed(STACK_FLOW, env)[0])
                    seconds, what = timed(NO_CHANGE_RUN, env)
                    no_change.append(seconds)
                    imported.add(what)
        finally:
            server.stop()

    def line(label: str, runs: list[float]) -> str:
        return f"{label:58} median {statistics.median(runs):.2f} s ({', '.join(f'{s:.2f}' for s in runs)})"

    print(line("trivial Prefect flow, fresh process:", bare))
    print(line("trivial flow after importing the stack without GX:", stack))
    print(line("no-change daily run, isw, fresh process:", no_change) + f"; {'; '.join(sorted(imported))}")
    measured = statistics.median(no_change)
    print(f"ratio: {measured / statistics.median(stack):.2f}x the trivial flow with the stack (target <= 1.1x); "
          f"{measured / statistics.median(bare):.2f}x the bare trivial flow")


if __name__ == "__main__":
    main()
