"""What people and programs read: text tables, JSON and CSV, charts, the HTML page."""
