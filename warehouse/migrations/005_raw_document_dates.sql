-- The bulletin date discovery knew for a document (an MoD image's post date, say), so a document
-- re-read from the raw store later is dated as it was when fetched.
ALTER TABLE raw_documents ADD COLUMN published DATE;
