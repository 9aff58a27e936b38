-- Anonymised audience data: hashed e-mails for ad-platform matching and aggregated segments.
-- Personal data must not propagate past these tables.

CREATE TABLE {marts}.email_hashes AS
SELECT
    SHA2(c.email, 256) AS email_hash,
    c.country,
    c.loyalty_tier
FROM {marts}.marketing_contacts AS c;

ALTER TABLE {marts}.email_hashes COMMENT = 'SHA-256 of normalised e-mail addresses for audience matching.';

CREATE TABLE {marts}.audience_segments AS
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
    FROM {marts}.passenger_360 AS s
    JOIN {staging}.stg_passengers AS p ON p.passenger_id = s.passenger_id
) AS a
GROUP BY a.country, a.age_band, a.loyalty_tier;

ALTER TABLE {marts}.audience_segments COMMENT = 'Passenger counts and average spend by country, age band and tier.';
