-- Reads of personal data, audited as such (seed 004: access to personal data is logged):
-- one row per request that returned customer personal data, naming who saw whose data (the
-- cases). It is written in the request's own transaction with its audit row, which it joins
-- by request id; append-only for the application like the audit log.

CREATE TABLE kura.pii_reads (
	id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	at         timestamptz NOT NULL DEFAULT clock_timestamp(),
	user_id    bigint NOT NULL REFERENCES kura.users,
	session_id bigint,
	segment    text NOT NULL,
	op         text NOT NULL,
	request_id bytea,
	case_ids   bigint[] NOT NULL CHECK (cardinality(case_ids) BETWEEN 1 AND 1000)
);
CREATE INDEX pii_reads_user_idx ON kura.pii_reads (user_id, id);
CREATE INDEX pii_reads_cases_idx ON kura.pii_reads USING gin (case_ids);

ALTER TABLE kura.pii_reads ENABLE ROW LEVEL SECURITY;
CREATE POLICY pii_reads_append ON kura.pii_reads FOR INSERT
	WITH CHECK (user_id = kura.actor_id() AND (SELECT kura.has_right('pii.read')));
CREATE POLICY pii_reads_audit ON kura.pii_reads FOR SELECT
	USING ((SELECT kura.has_right('audit.read')));
DO $$
DECLARE
	r text;
BEGIN
	FOR r IN SELECT 'kura_' || name FROM kura.roles LOOP
		EXECUTE format('GRANT INSERT (user_id, session_id, segment, op, request_id, case_ids)'
			' ON kura.pii_reads TO %I', r);
		EXECUTE format('GRANT SELECT ON kura.pii_reads TO %I', r);
	END LOOP;
END $$;
