-- marts.daily_bookings: bookings per day with a 7-day moving average and running revenue.
-- The INSERT has no column list: columns are matched by position.

CREATE TABLE marts.daily_bookings (
    booking_date date PRIMARY KEY,
    bookings integer NOT NULL,
    revenue_eur numeric(14, 2) NOT NULL,
    bookings_7d_avg numeric(10, 2),
    revenue_running_eur numeric(16, 2)
);

COMMENT ON TABLE marts.daily_bookings IS 'Daily booking volume and revenue in EUR.';

INSERT INTO marts.daily_bookings
SELECT
    d.booking_date,
    d.bookings,
    d.revenue_eur,
    ROUND(AVG(d.bookings) OVER (ORDER BY d.booking_date ROWS BETWEEN 6 PRECEDING AND CURRENT ROW), 2),
    SUM(d.revenue_eur) OVER (ORDER BY d.booking_date ROWS UNBOUNDED PRECEDING)
FROM (
    SELECT b.booking_date, COUNT(b.booking_id) AS bookings, SUM(b.price_eur) AS revenue_eur
    FROM staging.stg_bookings AS b
    GROUP BY b.booking_date
) AS d;
