-- kura core: segments, roles and rights, users, sessions, audit log, idempotent replies, cases.
-- Applied by `kuractl db migrate` as the database owner, inside one transaction.
-- Every name is schema-qualified; the application role reads with an empty search_path.

CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public;

CREATE SCHEMA kura;

-- The application login role: not the owner, not superuser, cannot bypass row security.
-- kuractl gives it LOGIN and a password; the migration only makes sure it exists.
DO $$
BEGIN
	IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'kura_app') THEN
		CREATE ROLE kura_app NOLOGIN NOINHERIT NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS;
	END IF;
END $$;
GRANT USAGE ON SCHEMA kura TO kura_app;

-- Segments are the networks a listener serves; a request's segment is its listener's.
CREATE TABLE kura.segments (
	name  text PRIMARY KEY CHECK (name ~ '^[a-z][a-z-]{1,31}$'),
	label text NOT NULL
);
INSERT INTO kura.segments VALUES
	('call-centre', 'Call centre'),
	('tech-centre', 'Technical centre (security room)'),
	('management', 'Management');

CREATE TABLE kura.roles (
	name  text PRIMARY KEY,
	label text NOT NULL
);
INSERT INTO kura.roles VALUES
	('operator', 'Call-centre operator'),
	('technician', 'Technician'),
	('shipping', 'Shipping clerk'),
	('manager', 'Manager / ISMS officer'),
	('auditor', 'Internal auditor'),
	('admin', 'Administrator');

-- employees_only: temporary staff never hold it, whatever their role (seed 004: lower rights,
-- no personal data).
CREATE TABLE kura.permissions (
	name           text PRIMARY KEY,
	description    text NOT NULL,
	employees_only boolean NOT NULL DEFAULT false
);
INSERT INTO kura.permissions VALUES
	('session.login', 'may sign in on the segment', false),
	('case.read', 'may list and open cases', false),
	('case.create', 'may register a case at intake', false),
	('pii.read', 'may see customer personal data (name, phone, e-mail, address)', true),
	('audit.read', 'may read the audit log', false),
	('user.admin', 'may manage accounts and sessions', true);

-- Rights: what a role may do on a segment. Absent means denied.
CREATE TABLE kura.role_segment_permissions (
	role       text NOT NULL REFERENCES kura.roles,
	segment    text NOT NULL REFERENCES kura.segments,
	permission text NOT NULL REFERENCES kura.permissions,
	PRIMARY KEY (role, segment, permission)
);
INSERT INTO kura.role_segment_permissions (role, segment, permission)
SELECT r, s, p FROM (VALUES
	('operator', 'call-centre', 'session.login'),
	('operator', 'call-centre', 'case.read'),
	('operator', 'call-centre', 'case.create'),
	('operator', 'call-centre', 'pii.read'),
	('technician', 'tech-centre', 'session.login'),
	('technician', 'tech-centre', 'case.read'),
	('shipping', 'tech-centre', 'session.login'),
	('shipping', 'tech-centre', 'case.read'),
	('shipping', 'tech-centre', 'pii.read'),
	('manager', 'call-centre', 'session.login'),
	('manager', 'call-centre', 'case.read'),
	('manager', 'call-centre', 'pii.read'),
	('manager', 'tech-centre', 'session.login'),
	('manager', 'tech-centre', 'case.read'),
	('manager', 'management', 'session.login'),
	('manager', 'management', 'case.read'),
	('manager', 'management', 'pii.read'),
	('auditor', 'call-centre', 'session.login'),
	('auditor', 'call-centre', 'case.read'),
	('auditor', 'call-centre', 'audit.read'),
	('auditor', 'tech-centre', 'session.login'),
	('auditor', 'tech-centre', 'case.read'),
	('auditor', 'tech-centre', 'audit.read'),
	('auditor', 'management', 'session.login'),
	('auditor', 'management', 'case.read'),
	('auditor', 'management', 'audit.read'),
	('admin', 'call-centre', 'session.login'),
	('admin', 'call-centre', 'user.admin'),
	('admin', 'management', 'session.login'),
	('admin', 'management', 'user.admin')
) AS v(r, s, p);

CREATE TABLE kura.users (
	id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	login         text NOT NULL UNIQUE CHECK (login ~ '^[a-z][a-z0-9._-]{1,31}$'),
	display_name  text NOT NULL CHECK (length(display_name) BETWEEN 1 AND 100),
	role          text NOT NULL REFERENCES kura.roles,
	temporary     boolean NOT NULL DEFAULT false,
	password_hash text NOT NULL,
	created_at    timestamptz NOT NULL DEFAULT now(),
	disabled_at   timestamptz
);

-- Sessions store only the SHA-256 of the token; the token itself never reaches the database.
CREATE TABLE kura.sessions (
	id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	token_hash bytea NOT NULL UNIQUE CHECK (length(token_hash) = 32),
	user_id    bigint NOT NULL REFERENCES kura.users,
	segment    text NOT NULL REFERENCES kura.segments,
	peer       text,
	created_at timestamptz NOT NULL DEFAULT now(),
	last_seen  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sessions_user_idx ON kura.sessions (user_id);

-- One row per request, allowed or refused, written in the request's own transaction.
-- Holds no secret and no personal data: object is a receipt number or an internal id.
CREATE TABLE kura.audit_log (
	id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	at         timestamptz NOT NULL DEFAULT clock_timestamp(),
	user_id    bigint REFERENCES kura.users,
	session_id bigint,
	segment    text NOT NULL,
	peer       text,
	op         text NOT NULL,
	object     text,
	outcome    text NOT NULL,
	request_id bytea
);
CREATE INDEX audit_log_user_idx ON kura.audit_log (user_id, id);

-- Write commands are idempotent by request id: the reply is stored with the effect, under
-- the id and the hash of the session token that sent it (a resend comes with the same token,
-- even after a logout ended the session).
CREATE TABLE kura.request_replies (
	request_id bytea PRIMARY KEY CHECK (length(request_id) = 16),
	token_hash bytea NOT NULL CHECK (length(token_hash) = 32),
	user_id    bigint NOT NULL REFERENCES kura.users,
	op         text NOT NULL,
	object     text,
	reply      bytea NOT NULL,
	at         timestamptz NOT NULL DEFAULT now()
);

-- The stages of the case sheet (現品票), in order.
CREATE TABLE kura.stages (
	name     text PRIMARY KEY,
	position int NOT NULL UNIQUE,
	label    text NOT NULL,
	label_ja text NOT NULL
);
INSERT INTO kura.stages VALUES
	('intake', 1, 'Receipt/intake', '集荷・受付'),
	('analysis', 2, 'Analysis start', '解析開始'),
	('report', 3, 'Investigation report', '調査報告'),
	('reply', 4, 'Customer reply', '顧客回答'),
	('recovery', 5, 'Recovery or cancellation', '復旧・取止'),
	('shipping', 6, 'Shipping or repair', '発送・修理'),
	('erasure', 7, 'Erasure', '情報消去'),
	('closed', 8, 'Closed', '完了');

-- Receipt numbers are YYMM-NNNNN (UTC month, counter per month), issued in the intake transaction.
CREATE TABLE kura.receipt_counters (
	period text PRIMARY KEY,
	last   int NOT NULL
);

CREATE TABLE kura.cases (
	id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	receipt     text NOT NULL UNIQUE,
	received_at timestamptz NOT NULL DEFAULT now(),
	stage       text NOT NULL DEFAULT 'intake' REFERENCES kura.stages,
	medium      text NOT NULL,
	created_by  bigint NOT NULL REFERENCES kura.users,
	version     int NOT NULL DEFAULT 1
);
CREATE INDEX cases_stage_idx ON kura.cases (stage, id);
CREATE INDEX cases_medium_trgm ON kura.cases USING gin (medium public.gin_trgm_ops);

-- Customer personal data lives apart from the case so that it can be closed to roles
-- without pii.read at the database level too.
CREATE TABLE kura.case_customers (
	case_id bigint PRIMARY KEY REFERENCES kura.cases,
	name    text NOT NULL,
	phone   text,
	email   text,
	address text
);
CREATE INDEX case_customers_name_trgm ON kura.case_customers USING gin (name public.gin_trgm_ops);

CREATE TABLE kura.case_items (
	case_id     bigint NOT NULL REFERENCES kura.cases,
	seq         int NOT NULL CHECK (seq BETWEEN 1 AND 99),
	label       text NOT NULL UNIQUE,
	kind        text NOT NULL CHECK (kind IN ('medium', 'accessory', 'request_form', 'packing', 'other')),
	description text NOT NULL,
	PRIMARY KEY (case_id, seq)
);

-- Escalation notes (連絡事項): the intake notes for the technician, then a thread.
CREATE TABLE kura.case_notes (
	id      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	case_id bigint NOT NULL REFERENCES kura.cases,
	at      timestamptz NOT NULL DEFAULT now(),
	author  bigint NOT NULL REFERENCES kura.users,
	segment text NOT NULL REFERENCES kura.segments,
	body    text NOT NULL
);
CREATE INDEX case_notes_case_idx ON kura.case_notes (case_id, id);

GRANT SELECT ON kura.segments, kura.roles, kura.permissions, kura.role_segment_permissions,
	kura.stages TO kura_app;
GRANT SELECT ON kura.users TO kura_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON kura.sessions TO kura_app;
-- The audit log is append-only for the application.
GRANT SELECT, INSERT ON kura.audit_log TO kura_app;
GRANT SELECT, INSERT ON kura.request_replies TO kura_app;
GRANT SELECT, INSERT, UPDATE ON kura.receipt_counters TO kura_app;
GRANT SELECT, INSERT, UPDATE ON kura.cases TO kura_app;
GRANT SELECT, INSERT ON kura.case_customers, kura.case_items, kura.case_notes TO kura_app;
