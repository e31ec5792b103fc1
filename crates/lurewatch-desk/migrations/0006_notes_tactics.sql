-- Analysts' notes on a report: sealed like the evidence they quote.
CREATE TABLE report_notes (
    id TEXT PRIMARY KEY,
    report_id TEXT NOT NULL REFERENCES reports (id),
    analyst TEXT NOT NULL REFERENCES analysts (name),
    created_at BIGINT NOT NULL,
    sealed TEXT NOT NULL
);
CREATE INDEX report_notes_report ON report_notes (report_id, created_at);

-- The tactics the engine saw, as taxonomy ids separated by spaces (no victim's words), for
-- networks and statistics. NULL for reports stored before: the desk fills them in from the
-- sealed assessment when it starts.
ALTER TABLE reports ADD COLUMN tactics TEXT;

-- What the extractor said of an indicator: its flags (`shortener`, …, separated by spaces)
-- and the block list that names it. Linking reads them: a shortener links nothing.
ALTER TABLE report_indicators ADD COLUMN flags TEXT;
ALTER TABLE report_indicators ADD COLUMN listed TEXT;
