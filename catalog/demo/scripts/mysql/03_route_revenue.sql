-- {marts}.route_revenue: monthly revenue per route, ranked within the month.

CREATE TABLE {marts}.route_revenue AS
WITH monthly AS (
    SELECT
        f.route,
        f.origin,
        f.destination,
        DATE_FORMAT(f.flight_date, '%Y-%m') AS month,
        COUNT(DISTINCT f.flight_id) AS flights,
        COUNT(b.booking_id) AS passengers,
        SUM(b.price_eur) AS revenue_eur
    FROM {staging}.stg_flights AS f
    JOIN {staging}.stg_bookings AS b ON b.flight_id = f.flight_id
    WHERE b.status IN ('flown', 'confirmed', 'no_show')
    GROUP BY f.route, f.origin, f.destination, DATE_FORMAT(f.flight_date, '%Y-%m')
)
SELECT
    m.route,
    m.origin,
    m.destination,
    m.month,
    m.flights,
    m.passengers,
    m.revenue_eur,
    RANK() OVER (PARTITION BY m.month ORDER BY m.revenue_eur DESC, m.route) AS revenue_rank,
    SUM(m.revenue_eur) OVER (PARTITION BY m.route ORDER BY m.month) AS cumulative_revenue_eur
FROM monthly AS m;

ALTER TABLE {marts}.route_revenue COMMENT = 'Monthly ticket revenue (EUR) and passengers per route.';
