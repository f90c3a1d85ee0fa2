-- Every program's due rule has the parameters its anchor needs
-- (periodic: month offset and day; one-off: working days after approval).
select program_code
from {{ ref('program_catalog') }}
where
    (due_anchor = 'approval' and due_working_days_after_approval is null)
    or (due_anchor <> 'approval' and (due_month_offset is null or due_day is null))
    or (cycle = 'one-off') <> (due_anchor = 'approval')
