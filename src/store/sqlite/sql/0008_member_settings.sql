-- Candor schema 8: a member's settings that are not personal data (PATCH /v1/members/{id},
-- docs/api.md "Members"): the language of explanations and notices ('ru' or 'en') and the IANA
-- time zone ('Europe/Moscow'). '' means the member chose none and the deployment's default applies
-- (Russian, and candord's time_zone setting), so a changed default reaches every such member.
-- The app checks the values; the store keeps them as given.

ALTER TABLE members ADD COLUMN language TEXT NOT NULL DEFAULT '';
ALTER TABLE members ADD COLUMN time_zone TEXT NOT NULL DEFAULT '';
