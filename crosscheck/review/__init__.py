"""The people's side: findings go out to townships as workbooks, decisions come back.

`export.export_findings` writes one workbook per township from the serving
copy; `feedback.load_feedback` loads the returned workbooks into the
append-only review.* tables of the live warehouse.
"""
