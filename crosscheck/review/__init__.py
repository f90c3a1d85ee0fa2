"""The people's side: findings go out to townships as workbooks, decisions come back.

`export.export_findings` writes one workbook per township from the serving
copy; `feedback.load_feedback` loads the returned workbooks into the
append-only review.* tables of the live warehouse. `holds.write_holds` writes
the payment desk's 暂停支付清单 and `lookup` answers `crosscheck person` and
`crosscheck finding`; all of them mask through `privacy.show` and lay out
their sheets with `forms` (protection, prompts, A4 print set-up).
"""
