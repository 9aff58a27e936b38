-- Staging layer: cleaned views over raw data, plus one materialised flight table.

CREATE VIEW staging.stg_passengers AS
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
FROM raw.passengers AS p;

COMMENT ON VIEW staging.stg_passengers IS 'Passengers with trimmed names and normalised (lower-case) e-mail.';
COMMENT ON COLUMN staging.stg_passengers.email IS 'Normalised contact e-mail address.';

CREATE VIEW staging.stg_bookings AS
SELECT
    b.booking_id,
    b.pnr,
    b.passenger_id,
    b.flight_id,
    b.booked_at,
    CAST(b.booked_at AS DATE) AS booking_date,
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
FROM raw.bookings AS b
WHERE b.status <> 'test';

COMMENT ON VIEW staging.stg_bookings IS 'Bookings without QA test records, with prices converted to EUR.';
COMMENT ON COLUMN staging.stg_bookings.price_eur IS 'Ticket price converted to EUR at fixed demo rates.';
COMMENT ON COLUMN staging.stg_bookings.booking_sequence IS 'Nth booking of the passenger, by booking time.';

CREATE VIEW staging.stg_payments AS
SELECT
    p.payment_id,
    p.booking_id,
    p.payment_method,
    RIGHT(REPLACE(p.card_number, ' ', ''), 4) AS card_last4,
    p.card_holder,
    p.amount,
    p.currency,
    p.paid_at,
    CASE WHEN p.amount < 0 THEN 'refund' ELSE 'charge' END AS direction
FROM raw.payments AS p;

COMMENT ON VIEW staging.stg_payments IS 'Payments with the card number reduced to its last four digits.';

CREATE VIEW staging.stg_crew_roster AS
SELECT
    ca.assignment_id,
    ca.flight_id,
    f.flight_number,
    f.scheduled_departure,
    c.crew_id,
    c.full_name,
    c.email AS crew_email,
    ca.duty
FROM raw.crew_assignments AS ca
JOIN raw.crew AS c ON c.crew_id = ca.crew_id
JOIN raw.flights AS f ON f.flight_id = ca.flight_id;

COMMENT ON VIEW staging.stg_crew_roster IS 'Who flies which flight, with crew contact details.';

CREATE TABLE staging.stg_flights AS
SELECT
    f.flight_id,
    f.flight_number,
    f.origin,
    o.city AS origin_city,
    f.destination,
    d.city AS destination_city,
    f.origin || '-' || f.destination AS route,
    f.scheduled_departure,
    CAST(f.scheduled_departure AS DATE) AS flight_date,
    f.status,
    CAST(EXTRACT(EPOCH FROM (f.actual_departure - f.scheduled_departure)) / 60 AS INTEGER) AS delay_minutes,
    a.seat_capacity,
    f.distance_km
FROM raw.flights AS f
JOIN raw.airports AS o ON o.iata_code = f.origin
JOIN raw.airports AS d ON d.iata_code = f.destination
JOIN raw.aircraft AS a ON a.aircraft_id = f.aircraft_id;

ALTER TABLE staging.stg_flights ADD PRIMARY KEY (flight_id);
COMMENT ON TABLE staging.stg_flights IS 'Flights enriched with airport cities, route and departure delay.';
COMMENT ON COLUMN staging.stg_flights.delay_minutes IS 'Actual minus scheduled departure, in minutes; empty if not departed.';
