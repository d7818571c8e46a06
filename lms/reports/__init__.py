"""Monitoring and evaluation: program figures, charts and exports (top floor, read-only).

Figures are computed in SQL by ``figures``, laid out as ``tables.Table`` and
``tables.Chart`` values, and rendered by ``charts`` (SVG for the page, reportlab
drawings for the PDF pack) and ``exports`` (CSV, XLSX).
"""
