-- The plain-DuckDB floor (crosscheck/floor.py): the 14 rules of docs/RULEBOOK.md in
-- one script over the landing files as of D ({as_of}). Tables t_<source> hold
-- the delivered text (latest snapshot of hukou, vehicles, assistance and
-- payroll; every sscards snapshot; every delivery of deaths, cremations and
-- the ledger), with extract_date. Statements end with ";" + newline.

-- Working days: the statutory calendar, Monday–Friday outside it; n = index.
CREATE TABLE cal AS
SELECT
    d::DATE AS day,
    coalesce(c.is_working_day = 'true', isodow(d) <= 5) AS working,
    sum(CASE WHEN coalesce(c.is_working_day = 'true', isodow(d) <= 5) THEN 1 ELSE 0 END)
        OVER (ORDER BY d) AS n
FROM range(DATE '2000-01-01', DATE '2036-01-01', INTERVAL 1 DAY) AS r(d)
LEFT JOIN statutory_calendar AS c ON c.day::DATE = d::DATE;

CREATE TABLE catalog AS
SELECT program_code, cycle, person_level = 'true' AS person_level,
       means_tested = 'true' AS means_tested, ceiling::DECIMAL(18, 2) AS ceiling,
       due_anchor, due_month_offset::INTEGER AS due_month_offset, due_day::INTEGER AS due_day,
       due_working_days_after_approval::INTEGER AS due_wd
FROM program_catalog;

CREATE MACRO nows(s) AS regexp_replace(
    s, '[\s\x{00A0}\x{1680}\x{2000}-\x{200D}\x{2028}\x{2029}\x{202F}\x{205F}\x{2060}\x{3000}\x{FEFF}]',
    '', 'g');

-- Register as of D: one row per person (lowest status code wins).
CREATE TABLE hukou AS
SELECT cc_id_norm(id_number) AS person, nows(name) AS name_key, household_no, reg_status,
       CAST(strptime(nullif(dereg_date, ''), '%Y%m%d') AS DATE) AS dereg_date
FROM t_hukou
QUALIFY row_number() OVER (PARTITION BY cc_id_norm(id_number) ORDER BY reg_status) = 1;

-- Payment versions up to D, and the state: the latest by updated_at, then extract date.
CREATE TABLE versions AS
SELECT payment_id, status, CAST(status_date AS DATE) AS status_date,
       CAST(strptime(updated_at, '%Y-%m-%d %H:%M:%S') AS TIMESTAMP) AS updated_at, extract_date
FROM t_ledger;

CREATE TABLE payments AS
SELECT l.payment_id, l.program_code, cc_id_norm(l.recipient_id) AS person,
       cc_id_valid(cc_id_norm(l.recipient_id)) AS id_valid, nows(l.recipient_name) AS name_key,
       l.account_no, CAST(l.amount AS DECIMAL(18, 2)) AS amount, l.period, l.division_code,
       CAST(l.approved_date AS DATE) AS approved_date, CAST(l.sent_date AS DATE) AS sent_date,
       l.status, CAST(l.status_date AS DATE) AS status_date, nullif(l.reissue_of, '') AS reissue_of,
       CASE
           WHEN regexp_full_match(l.period, '\d{6}') THEN CAST(strptime(l.period, '%Y%m') AS DATE)
           WHEN regexp_full_match(l.period, '\d{4}Q[1-4]')
               THEN make_date(CAST(l.period[1:4] AS INTEGER), 3 * CAST(l.period[6] AS INTEGER) - 2, 1)
           WHEN regexp_full_match(l.period, '\d{4}') THEN make_date(CAST(l.period AS INTEGER), 1, 1)
       END AS period_start,
       CASE
           WHEN regexp_full_match(l.period, '\d{6}') THEN 1
           WHEN regexp_full_match(l.period, '\d{4}Q[1-4]') THEN 3
           WHEN regexp_full_match(l.period, '\d{4}') THEN 12
       END AS n_months
FROM t_ledger AS l
QUALIFY row_number() OVER (
    PARTITION BY l.payment_id ORDER BY l.updated_at DESC, l.extract_date DESC
) = 1;

CREATE TABLE pay AS
SELECT p.*, c.cycle, c.person_level, c.means_tested, c.ceiling, c.due_anchor,
       c.due_month_offset, c.due_day, c.due_wd,
       CAST(p.period_start + to_months(p.n_months) - INTERVAL 1 DAY AS DATE) AS period_end,
       p.status IN ('PAID', 'PENDING') AS live,
       CASE WHEN p.status = 'PAID' THEN 'paid' ELSE 'pending' END AS pay_status
FROM payments AS p
LEFT JOIN catalog AS c USING (program_code);

CREATE TABLE pay_months AS
SELECT payment_id, person, program_code,
       CAST(period_start + to_months(CAST(k AS INTEGER)) AS DATE) AS month
FROM pay, range(0, 12) AS r(k)
WHERE period_start IS NOT NULL AND k < n_months;

-- Household: recipient plus status-0 persons of the same 户号.
CREATE TABLE household AS
SELECT DISTINCT p.person AS recipient, m.person AS member
FROM (SELECT DISTINCT person FROM pay WHERE live) AS p
JOIN hukou AS h ON h.person = p.person
JOIN hukou AS m ON m.household_no = h.household_no AND m.reg_status = '0'
UNION
SELECT DISTINCT person, person FROM pay WHERE live;

-- Death dates: certificates (latest version, with an ID), cremations, deregistration.
CREATE TABLE death_records AS
SELECT cc_id_norm(id_number) AS person, CAST(death_date AS DATE) AS death_date, 'deaths' AS src
FROM t_deaths
WHERE nullif(trim(id_number), '') IS NOT NULL
QUALIFY row_number() OVER (PARTITION BY certificate_no ORDER BY extract_date DESC) = 1
UNION ALL
SELECT cc_id_norm(id_number), CAST(death_date AS DATE), 'cremations'
FROM t_cremations
WHERE nullif(trim(id_number), '') IS NOT NULL
QUALIFY row_number() OVER (PARTITION BY record_no ORDER BY extract_date DESC) = 1;

CREATE TABLE death_dates AS
SELECT person, min(death_date) AS death_date
FROM (
    SELECT person, death_date FROM death_records
    UNION ALL SELECT person, dereg_date FROM hukou WHERE reg_status = '1' AND dereg_date IS NOT NULL
)
GROUP BY person;

CREATE TABLE findings (
    rule_code VARCHAR, subtype VARCHAR, person VARCHAR, payment_id VARCHAR,
    amount_at_risk DECIMAL(18, 2)
);

-- R01 deceased recipient (hold)
INSERT INTO findings
SELECT 'R01', NULL, p.person, p.payment_id, p.amount
FROM pay AS p JOIN death_dates AS d USING (person)
WHERE p.live AND p.person_level
  AND CASE WHEN p.cycle = 'one-off' THEN p.approved_date > d.death_date
           ELSE p.period_start > last_day(d.death_date) END;

-- R02 duplicate payment (hold)
INSERT INTO findings
SELECT 'R02', NULL, person, payment_id, amount
FROM (
    SELECT *, row_number() OVER (
        PARTITION BY person, program_code, period
        ORDER BY status = 'PAID' DESC, CASE WHEN status = 'PAID' THEN status_date END, payment_id
    ) AS k, count(*) OVER (PARTITION BY person, program_code, period) AS n
    FROM pay WHERE live AND person_level
)
WHERE n > 1 AND k > 1;

-- R03 incompatible subsidies (hold)
INSERT INTO findings
SELECT 'R03', NULL, s.person, s.payment_id,
       round(any_value(p.amount) * count(DISTINCT s.month) / any_value(p.n_months), 2)
FROM pay_months AS s
JOIN pay AS p ON p.payment_id = s.payment_id AND p.live
JOIN incompatible_pairs AS ip ON ip.stopped_program_code = s.program_code
JOIN pay_months AS k ON k.person = s.person AND k.program_code = ip.kept_program_code
    AND k.month = s.month
JOIN pay AS kp ON kp.payment_id = k.payment_id AND kp.live
GROUP BY s.person, s.payment_id;

-- R04 late by the bank
INSERT INTO findings
SELECT 'R04', NULL, p.person, p.payment_id, 0
FROM pay AS p
JOIN cal AS a ON a.day = p.sent_date
JOIN cal AS b ON b.day = p.status_date
WHERE p.status = 'PAID' AND b.n - a.n > 2;

-- R05 late for the cycle
INSERT INTO findings
WITH due AS (
    SELECT p.*,
        CASE p.due_anchor
            WHEN 'month' THEN make_date(year(p.period_start), month(p.period_start), p.due_day)
            WHEN 'quarter' THEN CAST(p.period_start + to_months(p.due_month_offset)
                                     + to_days(p.due_day - 1) AS DATE)
            WHEN 'year' THEN CAST(p.period_start + to_months(p.due_month_offset)
                                  + to_days(p.due_day - 1) AS DATE)
        END AS nominal
    FROM pay AS p
    WHERE p.status = 'PAID' AND p.reissue_of IS NULL
),
dated AS (
    SELECT d.*,
        CASE WHEN d.due_anchor = 'approval'
             THEN (SELECT min(c2.day) FROM cal AS c1 JOIN cal AS c2 ON c2.n = c1.n + d.due_wd
                   AND c2.working WHERE c1.day = d.approved_date)
             ELSE (SELECT min(c.day) FROM cal AS c WHERE c.day >= d.nominal AND c.working)
        END AS due_date
    FROM due AS d
)
SELECT 'R05', NULL, person, payment_id, 0 FROM dated WHERE status_date > due_date;

-- R06 stranded funds: chains of reissues from a failed original.
INSERT INTO findings
WITH RECURSIVE
failed AS (
    SELECT payment_id,
           coalesce(min(status_date) FILTER (WHERE status = 'FAILED'),
                    min(status_date) FILTER (WHERE status = 'RETURNED')) AS failure_date,
           min(updated_at) AS created
    FROM versions GROUP BY payment_id
),
roots AS (
    SELECT p.payment_id AS root
    FROM pay AS p JOIN failed AS f USING (payment_id)
    WHERE f.failure_date IS NOT NULL
      AND (p.reissue_of IS NULL OR p.reissue_of NOT IN (SELECT payment_id FROM pay))
),
chain(root, payment_id) AS (
    SELECT root, root FROM roots
    UNION ALL
    SELECT c.root, p.payment_id FROM chain AS c JOIN pay AS p ON p.reissue_of = c.payment_id
),
members AS (
    SELECT c.root, p.*, f.created, f.failure_date
    FROM chain AS c JOIN pay AS p USING (payment_id) JOIN failed AS f USING (payment_id)
),
chains AS (
    SELECT root,
           bool_or(status = 'PAID') AS any_paid,
           arg_max(status, (created, payment_id)) AS latest_status
    FROM members GROUP BY root
)
SELECT 'R06',
       CASE ch.latest_status WHEN 'FAILED' THEN 'AT_BANK' WHEN 'RETURNED' THEN 'RETURNED_UNPAID'
            WHEN 'PENDING' THEN 'REISSUE_PENDING' END,
       r.person, r.payment_id, r.amount
FROM chains AS ch
JOIN members AS r ON r.root = ch.root AND r.payment_id = ch.root
WHERE NOT ch.any_paid AND ch.latest_status <> 'CANCELLED'
  AND DATE '{as_of}' > CASE r.cycle
      WHEN 'monthly' THEN CAST(date_trunc('month', r.failure_date) + INTERVAL 1 MONTH
                               + INTERVAL 27 DAY AS DATE)
      WHEN 'quarterly' THEN last_day(CAST(date_trunc('quarter', r.failure_date)
                                         + INTERVAL 3 MONTH AS DATE))
      ELSE last_day(CAST(date_trunc('month', r.failure_date) + INTERVAL 1 MONTH AS DATE))
  END;

-- R07 vehicle in a means-tested household (hold)
INSERT INTO findings
SELECT DISTINCT 'R07', NULL, p.person, p.payment_id, p.amount
FROM pay AS p
JOIN household AS h ON h.recipient = p.person
JOIN (
    SELECT cc_id_norm(owner_id) AS owner, CAST(strptime(first_registered, '%Y%m%d') AS DATE) AS reg,
           vehicle_status, CAST(strptime(nullif(status_date, ''), '%Y%m%d') AS DATE) AS status_day
    FROM t_vehicles
    WHERE plate_class IN ('01', '02') AND use_code <> 'Z'
) AS v ON v.owner = h.member
WHERE p.live AND p.means_tested AND v.reg <= p.period_end
  AND NOT (v.vehicle_status <> 'A' AND v.status_day < p.period_start);

-- R08 public payroll in a means-tested household (hold)
INSERT INTO findings
SELECT DISTINCT 'R08', NULL, p.person, p.payment_id, p.amount
FROM pay AS p
JOIN household AS h ON h.recipient = p.person
JOIN pay_months AS m ON m.payment_id = p.payment_id
JOIN t_payroll AS r ON cc_id_norm(r.id_number) = h.member
    AND r.pay_month = strftime(m.month, '%Y%m') AND r.employer_type IN ('机关', '事业单位')
WHERE p.live AND p.means_tested;

-- R09 identity mismatch (hold)
INSERT INTO findings
SELECT 'R09',
       CASE WHEN NOT p.id_valid THEN 'INVALID_ID' WHEN h.person IS NULL THEN 'UNKNOWN_PERSON'
            ELSE 'NAME_MISMATCH' END,
       p.person, p.payment_id, p.amount
FROM pay AS p LEFT JOIN hukou AS h ON h.person = p.person AND p.id_valid
WHERE p.live AND (NOT p.id_valid OR h.person IS NULL OR h.name_key <> p.name_key);

-- R10 not paid to the recipient's own card (hold): cards as at payment time.
INSERT INTO findings
WITH snaps AS (SELECT DISTINCT extract_date FROM t_sscards),
cards AS (
    SELECT cc_id_norm(id_number) AS owner, account_no, card_status = '正常'
           AND financial_status = '已激活' AS usable, extract_date
    FROM t_sscards
),
pick AS (
    SELECT p.payment_id,
           coalesce(
               (SELECT max(s.extract_date) FROM snaps AS s WHERE s.extract_date
                <= CASE WHEN p.status = 'PAID' THEN p.status_date ELSE DATE '{as_of}' END),
               (SELECT min(extract_date) FROM snaps)) AS snap
    FROM pay AS p JOIN hukou AS h ON h.person = p.person
    WHERE p.live AND p.id_valid
),
judged AS (
    SELECT p.payment_id, p.person, p.amount,
           bool_or(c.owner = p.person) AS own_account,
           bool_or(c.owner = p.person AND c.usable) AS own_usable,
           bool_or(c.owner <> p.person) AS other_account
    FROM pick AS k JOIN pay AS p USING (payment_id)
    LEFT JOIN cards AS c ON c.extract_date = k.snap AND c.account_no = p.account_no
    GROUP BY p.payment_id, p.person, p.amount
)
SELECT 'R10',
       CASE WHEN own_account THEN 'CARD_NOT_USABLE' WHEN other_account THEN 'OTHER_PERSONS_CARD'
            ELSE 'NOT_A_CARD' END,
       person, payment_id, amount
FROM judged
WHERE NOT coalesce(own_usable, false);

-- R11 one account, many recipients
INSERT INTO findings
SELECT 'R11', strftime(p.status_date, '%Y%m'), p.account_no, NULL, sum(p.amount)
FROM pay AS p LEFT JOIN hukou AS h ON h.person = p.person
WHERE p.status = 'PAID'
GROUP BY p.account_no, strftime(p.status_date, '%Y%m')
HAVING count(DISTINCT p.person) >= 3
   AND count(DISTINCT coalesce('h' || h.household_no, 'p' || p.person)) >= 2;

-- R12 above the program ceiling (hold)
INSERT INTO findings
SELECT 'R12', NULL, person, payment_id, amount - ceiling
FROM pay WHERE live AND amount > ceiling;

-- R13 death not deregistered
INSERT INTO findings
SELECT 'R13', NULL, d.person, NULL, 0
FROM death_records AS d JOIN hukou AS h ON h.person = d.person AND h.reg_status = '0'
WHERE DATE '{as_of}' - d.death_date > 30
GROUP BY d.person;

-- R14 paid outside the entitlement (hold)
INSERT INTO findings
WITH spells AS (
    SELECT cc_id_norm(id_number) AS person, program_code,
           CAST(strptime(start_month, '%Y%m') AS DATE) AS m0,
           CAST(strptime(nullif(end_month, ''), '%Y%m') AS DATE) AS m1
    FROM t_assistance
),
outside AS (
    SELECT m.payment_id, count(*) AS n_out,
           bool_or(EXISTS (SELECT 1 FROM spells AS s WHERE s.person = m.person
                           AND s.program_code = m.program_code)) AS has_spell
    FROM pay_months AS m
    WHERE m.program_code IN ('10', '11', '13', '14', '15', '16')
      AND NOT EXISTS (
          SELECT 1 FROM spells AS s
          WHERE s.person = m.person AND s.program_code = m.program_code
            AND s.m0 <= m.month AND (s.m1 IS NULL OR m.month <= s.m1)
      )
    GROUP BY m.payment_id
)
SELECT 'R14', CASE WHEN o.has_spell THEN 'OUTSIDE_SPELL' ELSE 'NO_SPELL' END,
       p.person, p.payment_id, round(p.amount * o.n_out / p.n_months, 2)
FROM outside AS o JOIN pay AS p USING (payment_id)
WHERE p.live;
