-- Staging layer: cleaned views over raw data, plus one materialised flight table.
-- SQLite has no schemas: layers are table-name prefixes (raw_, stg_, mart_) in one file.

CREATE VIEW stg_passengers AS
SELECT
    p.passenger_id,
    TRIM(p.first_name) AS first_name,
    TRIM(p.last_name) AS last_name,
    LOWER(TRIM(p.email)) AS email,
    p.phone,
    p.date_of_birth,
    p.passport_number,
    p.nationality,
    p.country,
    p.city,
    p.marketing_opt_in,
    p.created_at
FROM raw_passengers AS p;

CREATE VIEW stg_bookings AS
SELECT
    b.booking_id,
    b.pnr,
    b.passenger_id,
    b.flight_id,
    b.booked_at,
    DATE(b.booked_at) AS booking_date,
    b.fare_class,
    CASE WHEN b.fare_class IN ('business', 'first') THEN 'premium' ELSE 'standard' END AS cabin_group,
    b.seat,
    b.price,
    b.currency,
    ROUND(b.price * CASE b.currency
        WHEN 'GBP' THEN 1.17 WHEN 'USD' THEN 0.92 WHEN 'BRL' THEN 0.17
        WHEN 'PLN' THEN 0.23 WHEN 'SEK' THEN 0.087 ELSE 1.0 END, 2) AS price_eur,
    b.status,
    b.channel,
    ROW_NUMBER() OVER (PARTITION BY b.passenger_id ORDER BY b.booked_at, b.booking_id) AS booking_sequence
FROM raw_bookings AS b
WHERE b.status <> 'test';

CREATE VIEW stg_payments AS
SELECT
    p.payment_id,
    p.booking_id,
    p.payment_method,
    SUBSTR(REPLACE(p.card_number, ' ', ''), -4) AS card_last4,
    p.card_holder,
    p.amount,
    p.currency,
    p.paid_at,
    CASE WHEN p.amount < 0 THEN 'refund' ELSE 'charge' END AS direction
FROM raw_payments AS p;

CREATE VIEW stg_crew_roster AS
SELECT
    ca.assignment_id,
    ca.flight_id,
    f.flight_number,
    f.scheduled_departure,
    c.crew_id,
    c.full_name,
    c.email AS crew_email,
    ca.duty
FROM raw_crew_assignments AS ca
JOIN raw_crew AS c ON c.crew_id = ca.crew_id
JOIN raw_flights AS f ON f.flight_id = ca.flight_id;

CREATE TABLE stg_flights AS
SELECT
    f.flight_id,
    f.flight_number,
    f.origin,
    o.city AS origin_city,
    f.destination,
    d.city AS destination_city,
    f.origin || '-' || f.destination AS route,
    f.scheduled_departure,
    DATE(f.scheduled_departure) AS flight_date,
    f.status,
    CAST(ROUND((JULIANDAY(f.actual_departure) - JULIANDAY(f.scheduled_departure)) * 1440) AS INTEGER) AS delay_minutes,
    a.seat_capacity,
    f.distance_km
FROM raw_flights AS f
JOIN raw_airports AS o ON o.iata_code = f.origin
JOIN raw_airports AS d ON d.iata_code = f.destination
JOIN raw_aircraft AS a ON a.aircraft_id = f.aircraft_id;

