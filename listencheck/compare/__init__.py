"""`listencheck compare`: check reports from several vantage points, side by side.

reports.py reads the files, matrix.py compares (pure), render.py prints.
"""

from __future__ import annotations

from listencheck.compare.matrix import Comparison, Diagnosis, Row, RowStatus, compare
from listencheck.compare.reports import ReportError, VantageReport, load_report, load_reports

__all__ = ["Comparison", "Diagnosis", "ReportError", "Row", "RowStatus", "VantageReport", "compare",
           "load_report", "load_reports"]
