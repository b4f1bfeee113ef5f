"""`bulletins report`: charts of the warehouse views as one offline HTML page and PNG files."""

from __future__ import annotations

from report.build import NoFiguresError, ReportFiles, build_report

__all__ = ["NoFiguresError", "ReportFiles", "build_report"]
