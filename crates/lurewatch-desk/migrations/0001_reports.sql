-- The report desk's tables. Portable SQL: the same file migrates SQLite and PostgreSQL.
-- Times are seconds since the Unix epoch; flags are 0/1 integers; anything a victim wrote
-- or sent is sealed (encrypted with the evidence key, base64) and never stored in clear.

CREATE TABLE desk_settings (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE reports (
    id TEXT PRIMARY KEY,
    receipt_hash TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    status TEXT NOT NULL,
    language TEXT NOT NULL,
    category TEXT NOT NULL,
    level TEXT NOT NULL,
    risk BIGINT NOT NULL,
    messages BIGINT NOT NULL,
    engine_minor BIGINT NOT NULL,
    reporter_minor BIGINT,
    reporter_age BIGINT,
    platform TEXT,
    region TEXT,
    amount_paid DOUBLE PRECISION,
    currency TEXT,
    payment_channel TEXT,
    asked_again BIGINT,
    assessment_sealed TEXT NOT NULL,
    statement_sealed TEXT
);
CREATE INDEX reports_created ON reports (created_at);

CREATE TABLE report_messages (
    report_id TEXT NOT NULL REFERENCES reports (id),
    seq BIGINT NOT NULL,
    added_at BIGINT NOT NULL,
    sealed TEXT NOT NULL,
    PRIMARY KEY (report_id, seq)
);

CREATE TABLE report_indicators (
    report_id TEXT NOT NULL REFERENCES reports (id),
    kind TEXT NOT NULL,
    value TEXT NOT NULL,
    bare TEXT,
    platform TEXT,
    mentions BIGINT NOT NULL,
    PRIMARY KEY (report_id, kind, value)
);
CREATE INDEX report_indicators_value ON report_indicators (value);
CREATE INDEX report_indicators_bare ON report_indicators (bare);

CREATE TABLE evidence_files (
    sha256 TEXT PRIMARY KEY,
    size BIGINT NOT NULL,
    media_type TEXT NOT NULL,
    stored_at BIGINT NOT NULL
);

CREATE TABLE report_files (
    report_id TEXT NOT NULL REFERENCES reports (id),
    sha256 TEXT NOT NULL REFERENCES evidence_files (sha256),
    name_sealed TEXT NOT NULL,
    added_at BIGINT NOT NULL,
    PRIMARY KEY (report_id, sha256)
);
