-- {marts}.marketing_contacts: a copy of contact details of passengers who opted in.
-- Personal data is duplicated here on purpose: erasure must find and remove these copies.

CREATE TABLE {marts}.marketing_contacts AS
SELECT
    p.passenger_id,
    p.first_name,
    p.email,
    p.phone,
    p.country,
    COALESCE(l.tier, 'none') AS loyalty_tier
FROM {staging}.stg_passengers AS p
LEFT JOIN {raw}.loyalty_accounts AS l ON l.passenger_id = p.passenger_id
WHERE p.marketing_opt_in = TRUE AND p.email IS NOT NULL;

ALTER TABLE {marts}.marketing_contacts ADD PRIMARY KEY (passenger_id);
ALTER TABLE {marts}.marketing_contacts COMMENT = 'Opted-in passengers for e-mail and SMS campaigns (contains personal data).';
