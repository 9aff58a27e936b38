-- mart_passenger_360: one row per passenger with at least one live booking.
-- A temporary table aggregates bookings; a CTE ranks spend before the INSERT.

CREATE TABLE mart_passenger_360 (
    passenger_id INTEGER PRIMARY KEY,
    full_name varchar(150) NOT NULL,
    email varchar(254),
    phone varchar(32),
    country char(2),
    loyalty_tier varchar(10) NOT NULL,
    frequent_flyer_number varchar(12),
    bookings_count integer NOT NULL,
    flown_count integer NOT NULL,
    total_spent_eur numeric(14, 2) NOT NULL,
    first_booked_at timestamp,
    last_booked_at timestamp,
    spend_rank integer
);

CREATE TEMP TABLE tmp_passenger_bookings AS
SELECT
    b.passenger_id,
    COUNT(b.booking_id) AS bookings_count,
    SUM(CASE WHEN b.status = 'flown' THEN 1 ELSE 0 END) AS flown_count,
    SUM(b.price_eur) AS total_spent_eur,
    MIN(b.booked_at) AS first_booked_at,
    MAX(b.booked_at) AS last_booked_at
FROM stg_bookings AS b
WHERE b.status <> 'cancelled'
GROUP BY b.passenger_id;

WITH spend AS (
    SELECT
        t.*,
        RANK() OVER (ORDER BY t.total_spent_eur DESC) AS spend_rank
    FROM tmp_passenger_bookings AS t
)
INSERT INTO mart_passenger_360 (
    passenger_id, full_name, email, phone, country, loyalty_tier, frequent_flyer_number,
    bookings_count, flown_count, total_spent_eur, first_booked_at, last_booked_at, spend_rank
)
SELECT
    p.passenger_id,
    p.first_name || ' ' || p.last_name,
    p.email,
    p.phone,
    p.country,
    COALESCE(l.tier, 'none'),
    l.frequent_flyer_number,
    s.bookings_count,
    s.flown_count,
    s.total_spent_eur,
    s.first_booked_at,
    s.last_booked_at,
    s.spend_rank
FROM stg_passengers AS p
JOIN spend AS s ON s.passenger_id = p.passenger_id
LEFT JOIN raw_loyalty_accounts AS l ON l.passenger_id = p.passenger_id;

DROP TABLE tmp_passenger_bookings;
