-- The triage of an app (APK) sent as evidence, sealed like the file's name.
ALTER TABLE report_files ADD COLUMN triage_sealed TEXT;
