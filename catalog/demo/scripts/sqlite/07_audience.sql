-- Anonymised audience data: aggregated segments. Personal data must not propagate past here.
-- SQLite has no built-in hash function, so the hashed-e-mail table of the PostgreSQL
-- (MD5) and MariaDB (SHA2) builds is deliberately absent here rather than faked.

CREATE TABLE mart_audience_segments AS
SELECT
    a.country,
    a.age_band,
    a.loyalty_tier,
    COUNT(a.passenger_id) AS passengers,
    ROUND(AVG(a.total_spent_eur), 2) AS avg_spent_eur
FROM (
    SELECT
        s.passenger_id,
        s.country,
        s.loyalty_tier,
        s.total_spent_eur,
        CASE
            WHEN p.date_of_birth >= '2000-03-01' THEN 'under_25'
            WHEN p.date_of_birth >= '1980-03-01' THEN '25_44'
            WHEN p.date_of_birth >= '1960-03-01' THEN '45_64'
            ELSE '65_plus'
        END AS age_band
    FROM mart_passenger_360 AS s
    JOIN stg_passengers AS p ON p.passenger_id = s.passenger_id
) AS a
GROUP BY a.country, a.age_band, a.loyalty_tier;

