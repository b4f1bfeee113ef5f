"""Sources: discover, fetch and parse public defence bulletins.

Everything under this package except `http` is pure: bytes in, observations out.
Nothing here imports Prefect or Great Expectations, so `bulletins parse` starts fast.
"""
