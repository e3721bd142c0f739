"""What people and programs read: text tables, JSON and CSV, charts, the HTML page.

Only names live here, so the command line can offer the formats without importing pandas.
"""

FORMATS = ("table", "json", "csv", "markdown")
TABLE_FORMATS = ("csv", "parquet", "xlsx")  # files of one table (`tariffsim lines`)
