"""Prefect flows and the `bulletins` command line.

This package's __init__ imports nothing heavy: `bulletins parse` must not pay for Prefect. It caps
the length of every log line of the process (flows/log_lines.py), so a huge field of a bad
document never floods the log, whichever command or worker runs.
"""

from flows.log_lines import cap_log_lines

cap_log_lines()
