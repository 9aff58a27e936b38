-- marts.loyalty_status: enrolled tier from raw, then a MERGE applies the tier earned by spend
-- (updating members, inserting non-members who earned a tier).

CREATE TABLE marts.loyalty_status (
    passenger_id bigint PRIMARY KEY,
    frequent_flyer_number varchar(12),
    current_tier varchar(10) NOT NULL,
    earned_tier varchar(10) NOT NULL,
    points_balance integer NOT NULL,
    spend_eur numeric(14, 2) NOT NULL,
    updated_by varchar(20) NOT NULL
);

COMMENT ON TABLE marts.loyalty_status IS 'Loyalty tier held versus tier earned by spend.';

INSERT INTO marts.loyalty_status (
    passenger_id, frequent_flyer_number, current_tier, earned_tier, points_balance, spend_eur, updated_by
)
SELECT l.passenger_id, l.frequent_flyer_number, l.tier, l.tier, l.points_balance, 0, 'enrolment'
FROM raw.loyalty_accounts AS l;

MERGE INTO marts.loyalty_status AS t
USING (
    SELECT
        p.passenger_id,
        p.total_spent_eur,
        CASE
            WHEN p.total_spent_eur >= 6000 THEN 'platinum'
            WHEN p.total_spent_eur >= 3000 THEN 'gold'
            WHEN p.total_spent_eur >= 1200 THEN 'silver'
            ELSE 'blue'
        END AS earned_tier
    FROM marts.passenger_360 AS p
) AS s
ON t.passenger_id = s.passenger_id
WHEN MATCHED THEN
    UPDATE SET earned_tier = s.earned_tier, spend_eur = s.total_spent_eur, updated_by = 'tier_review'
WHEN NOT MATCHED THEN
    INSERT (passenger_id, frequent_flyer_number, current_tier, earned_tier, points_balance, spend_eur, updated_by)
    VALUES (s.passenger_id, NULL, 'none', s.earned_tier, 0, s.total_spent_eur, 'tier_review');
