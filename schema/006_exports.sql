-- Two-person export of personal data (seed 004: no one person alone can extract highly
-- confidential personal data). One person requests, a different person with export.approve
-- approves, and only then may the requester run it, once, before the approval expires.

INSERT INTO kura.permissions VALUES
	('pii.export', 'may request and run an export of customer personal data', true),
	('export.approve', 'may approve another person''s export of personal data', true);
INSERT INTO kura.role_segment_permissions (role, segment, permission) VALUES
	('operator', 'call-centre', 'pii.export'),
	('manager', 'call-centre', 'pii.export'),
	('manager', 'call-centre', 'export.approve'),
	('manager', 'management', 'pii.export'),
	('manager', 'management', 'export.approve');

CREATE TABLE kura.export_requests (
	id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	requested_by bigint NOT NULL REFERENCES kura.users,
	segment      text NOT NULL REFERENCES kura.segments,
	receipts     text[] NOT NULL CHECK (cardinality(receipts) BETWEEN 1 AND 1000),
	reason       text NOT NULL CHECK (length(reason) BETWEEN 1 AND 500),
	requested_at timestamptz NOT NULL DEFAULT now(),
	approved_by  bigint REFERENCES kura.users,
	approved_at  timestamptz,
	expires_at   timestamptz,
	used_at      timestamptz,
	CHECK (approved_by IS NULL OR approved_by <> requested_by),
	CHECK ((approved_by IS NULL) = (approved_at IS NULL) AND (approved_at IS NULL) = (expires_at IS NULL)),
	CHECK (used_at IS NULL OR approved_at IS NOT NULL)
);

ALTER TABLE kura.export_requests ENABLE ROW LEVEL SECURITY;
-- Requesters see their own requests; approvers see everyone's.
CREATE POLICY exports_read ON kura.export_requests FOR SELECT
	USING (requested_by = kura.actor_id() OR (SELECT kura.has_right('export.approve')));
CREATE POLICY exports_request ON kura.export_requests FOR INSERT
	WITH CHECK ((SELECT kura.has_right('pii.export')) AND requested_by = kura.actor_id()
		AND approved_by IS NULL AND used_at IS NULL);
-- Approving: someone else's pending request, by an approver, once.
CREATE POLICY exports_approve ON kura.export_requests FOR UPDATE
	USING ((SELECT kura.has_right('export.approve')) AND requested_by <> kura.actor_id()
		AND approved_by IS NULL)
	WITH CHECK (approved_by = kura.actor_id());
-- Running: the requester's own approved, unused, unexpired request, once.
CREATE POLICY exports_run ON kura.export_requests FOR UPDATE
	USING ((SELECT kura.has_right('pii.export')) AND requested_by = kura.actor_id()
		AND approved_by IS NOT NULL AND used_at IS NULL AND expires_at > now())
	WITH CHECK (used_at IS NOT NULL);

DO $$
DECLARE
	r text;
BEGIN
	FOR r IN SELECT 'kura_' || name FROM kura.roles LOOP
		EXECUTE format('GRANT SELECT, INSERT ON kura.export_requests TO %I', r);
		EXECUTE format('GRANT UPDATE (approved_by, approved_at, expires_at, used_at)'
			' ON kura.export_requests TO %I', r);
	END LOOP;
END $$;
