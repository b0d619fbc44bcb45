"""Assembly tasks (build the report: HTML, PDF per department in parallel, CSV, ZIP)."""
