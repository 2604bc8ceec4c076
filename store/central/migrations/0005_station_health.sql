-- 0005: each station's latest heartbeat (wire.Health as JSON) and when it
-- came, for accountd station list and /metrics.
ALTER TABLE stations ADD COLUMN last_seen TEXT;
ALTER TABLE stations ADD COLUMN health    TEXT;
