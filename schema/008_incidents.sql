-- Security incidents (seed 000: 情報セキュリティインシデント報告書): reports of events and
-- weaknesses, their workflow, investigation, countermeasures, review and timeline.
-- docs/incidents.md describes it. kurad checks every rule first and gives the reason; the
-- triggers here hold the same rules for anything that reaches the tables another way.

-- Temporary staff report and read like their role; managing and reviewing are for employees.
INSERT INTO kura.permissions (name, description, employees_only) VALUES
	('incident.report', 'may report a security event or weakness, and see own reports', false),
	('incident.read', 'may see the incidents of the segment and those shared with every segment',
		false),
	('incident.manage', 'may triage, investigate and edit incidents, run countermeasures; sees all',
		true),
	('incident.review', 'may review and close resolved incidents; sees all', true);

-- Every signed-in person may report (ISMS: events and weaknesses are reported by whoever
-- finds them), temporary staff included. Reading beyond one's own reports follows the
-- segment; managers see all (incident.manage), auditors see all through audit.read. Reviews
-- and closing are done from the security room or the management network, not the call
-- centre's.
INSERT INTO kura.role_segment_permissions (role, segment, permission)
SELECT r, s, p FROM (VALUES
	('operator', 'call-centre', 'incident.report'),
	('operator', 'call-centre', 'incident.read'),
	('technician', 'tech-centre', 'incident.report'),
	('technician', 'tech-centre', 'incident.read'),
	('shipping', 'tech-centre', 'incident.report'),
	('shipping', 'tech-centre', 'incident.read'),
	('manager', 'call-centre', 'incident.report'),
	('manager', 'call-centre', 'incident.read'),
	('manager', 'call-centre', 'incident.manage'),
	('manager', 'tech-centre', 'incident.report'),
	('manager', 'tech-centre', 'incident.read'),
	('manager', 'tech-centre', 'incident.manage'),
	('manager', 'tech-centre', 'incident.review'),
	('manager', 'management', 'incident.report'),
	('manager', 'management', 'incident.read'),
	('manager', 'management', 'incident.manage'),
	('manager', 'management', 'incident.review'),
	('auditor', 'call-centre', 'incident.report'),
	('auditor', 'call-centre', 'incident.read'),
	('auditor', 'tech-centre', 'incident.report'),
	('auditor', 'tech-centre', 'incident.read'),
	('auditor', 'management', 'incident.report'),
	('auditor', 'management', 'incident.read'),
	('admin', 'call-centre', 'incident.report'),
	('admin', 'management', 'incident.report')
) AS v(r, s, p);

-- A time as kurad's replies give times: ISO 8601 in UTC to the second. No SET search_path,
-- so that it is inlined; every name in it is qualified.
CREATE FUNCTION kura.incident_utc(t timestamptz) RETURNS text
	LANGUAGE sql IMMUTABLE
	AS $$ SELECT pg_catalog.to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') $$;

-- ---- the taxonomy, severities, states ----

-- The eight example categories of seed 000; managers add more (incident.category_add).
CREATE TABLE kura.incident_categories (
	code     int PRIMARY KEY CHECK (code BETWEEN 1 AND 99),
	label    text NOT NULL CHECK (length(label) BETWEEN 1 AND 100),
	label_ja text NOT NULL CHECK (length(label_ja) BETWEEN 1 AND 100),
	active   boolean NOT NULL DEFAULT true
);
INSERT INTO kura.incident_categories (code, label, label_ja) VALUES
	(1, 'System failure or service outage', '情報システムの不具合及びサービスの停止'),
	(2, 'Malicious code', '悪意のあるコード'),
	(3, 'Denial of service', 'サービス妨害'),
	(4, 'Errors from incomplete or inaccurate business data',
		'不完全又は不正確な業務データに起因する誤り'),
	(5, 'Breach of confidentiality or integrity', '機密性及び完全性の侵害'),
	(6, 'Misuse of information systems', '情報システムの誤用'),
	(7, 'Violation of security rules', '情報セキュリティルールへの違反'),
	(8, 'Other weaknesses or vulnerabilities',
		'その他情報セキュリティに関する弱点・ぜい弱性を示す事象');

CREATE TABLE kura.incident_severities (
	name     text PRIMARY KEY,
	rank     int NOT NULL UNIQUE,
	label    text NOT NULL,
	label_ja text NOT NULL
);
INSERT INTO kura.incident_severities VALUES
	('low', 1, 'Low', '低'),
	('medium', 2, 'Medium', '中'),
	('high', 3, 'High', '高'),
	('critical', 4, 'Critical', '重大');

-- The workflow: reported -> triaged -> investigating -> countermeasures -> resolved ->
-- closed; rejected (not an incident) from reported or triaged; reopened from resolved.
CREATE TABLE kura.incident_statuses (
	name     text PRIMARY KEY,
	position int NOT NULL UNIQUE,
	label    text NOT NULL,
	label_ja text NOT NULL,
	open     boolean NOT NULL
);
INSERT INTO kura.incident_statuses VALUES
	('reported', 1, 'Reported', '報告', true),
	('triaged', 2, 'Triaged', '受付・評価', true),
	('investigating', 3, 'Investigating', '調査中', true),
	('countermeasures', 4, 'Countermeasures', '対策実施中', true),
	('resolved', 5, 'Resolved', '解決', true),
	('closed', 6, 'Closed', '完了', false),
	('rejected', 7, 'Rejected (not an incident)', '却下', false);

-- ---- incidents ----

CREATE TABLE kura.incidents (
	id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	category      int NOT NULL REFERENCES kura.incident_categories,
	severity      text NOT NULL REFERENCES kura.incident_severities,
	status        text NOT NULL DEFAULT 'reported' REFERENCES kura.incident_statuses,
	title         text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
	description   text NOT NULL CHECK (length(description) BETWEEN 1 AND 8000), -- what happened
	found_at      timestamptz NOT NULL,                                        -- when found
	location      text CHECK (length(location) BETWEEN 1 AND 200),             -- where
	segment       text NOT NULL REFERENCES kura.segments, -- where it was reported from
	shared        boolean NOT NULL DEFAULT false,        -- visible on every segment
	reported_by   bigint NOT NULL REFERENCES kura.users,
	reported_at   timestamptz NOT NULL DEFAULT now(),
	-- The investigation (seed 004: facts, cause, scope of impact, recurrence prevention).
	facts         text CHECK (length(facts) BETWEEN 1 AND 8000),
	cause         text CHECK (length(cause) BETWEEN 1 AND 8000),
	impact        text CHECK (length(impact) BETWEEN 1 AND 8000),
	prevention    text CHECK (length(prevention) BETWEEN 1 AND 8000),
	-- The reason given with the latest change of status (required for rejected).
	status_reason text CHECK (length(status_reason) BETWEEN 1 AND 2000),
	reviewed_by   bigint REFERENCES kura.users,
	reviewed_at   timestamptz,
	review_result text CHECK (length(review_result) BETWEEN 1 AND 4000),
	closed_by     bigint REFERENCES kura.users,
	closed_at     timestamptz,
	updated_at    timestamptz NOT NULL DEFAULT now(),
	version       int NOT NULL DEFAULT 1,
	CONSTRAINT incidents_no_self_review CHECK (reviewed_by <> reported_by),
	CHECK ((reviewed_by IS NULL) = (reviewed_at IS NULL)
		AND (reviewed_at IS NULL) = (review_result IS NULL)),
	CHECK (status <> 'rejected' OR status_reason IS NOT NULL),
	CHECK ((status = 'closed') = (closed_by IS NOT NULL) AND (closed_by IS NULL) = (closed_at IS NULL)),
	CHECK (status <> 'closed' OR reviewed_by IS NOT NULL)
);
CREATE INDEX incidents_status_idx ON kura.incidents (status, id);
CREATE INDEX incidents_reporter_idx ON kura.incidents (reported_by, id);

-- Linked cases (by receipt number), devices and assets. A case link marked affected is part
-- of the scope of impact: the list of cases (and so customers), never their personal data.
CREATE TABLE kura.incident_links (
	incident_id bigint NOT NULL REFERENCES kura.incidents,
	kind        text NOT NULL CHECK (kind IN ('case', 'device', 'asset')),
	ref         text NOT NULL CHECK (length(ref) BETWEEN 1 AND 100),
	case_id     bigint REFERENCES kura.cases,
	affected    boolean NOT NULL DEFAULT false,
	PRIMARY KEY (incident_id, kind, ref),
	CHECK ((kind = 'case') = (case_id IS NOT NULL)),
	CHECK (NOT affected OR kind = 'case')
);
CREATE INDEX incident_links_case_idx ON kura.incident_links (case_id) WHERE case_id IS NOT NULL;

CREATE TABLE kura.incident_countermeasures (
	incident_id bigint NOT NULL REFERENCES kura.incidents,
	seq         int NOT NULL CHECK (seq BETWEEN 1 AND 999),
	title       text NOT NULL CHECK (length(title) BETWEEN 1 AND 500),
	owner       bigint NOT NULL REFERENCES kura.users,
	due         date NOT NULL,
	state       text NOT NULL DEFAULT 'planned'
		CHECK (state IN ('planned', 'in_progress', 'done', 'verified')),
	created_by  bigint NOT NULL REFERENCES kura.users,
	created_at  timestamptz NOT NULL DEFAULT now(),
	done_at     timestamptz,
	verified_by bigint REFERENCES kura.users,
	verified_at timestamptz,
	PRIMARY KEY (incident_id, seq),
	CHECK ((state = 'verified') = (verified_by IS NOT NULL) AND (verified_by IS NULL) = (verified_at IS NULL)),
	CHECK (state NOT IN ('done', 'verified') OR done_at IS NOT NULL)
);
CREATE INDEX incident_countermeasures_due_idx ON kura.incident_countermeasures (due)
	WHERE state IN ('planned', 'in_progress');

-- Who did what, when: written only by the triggers below, never changed.
CREATE TABLE kura.incident_timeline (
	id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	incident_id bigint NOT NULL REFERENCES kura.incidents,
	at          timestamptz NOT NULL DEFAULT clock_timestamp(),
	actor       bigint REFERENCES kura.users, -- NULL: changed in the database directly
	segment     text,
	kind        text NOT NULL
		CHECK (kind IN ('reported', 'status', 'edit', 'review', 'countermeasure', 'link')),
	from_status text,
	to_status   text,
	detail      text NOT NULL DEFAULT ''
);
CREATE INDEX incident_timeline_incident_idx ON kura.incident_timeline (incident_id, id);

-- ---- the rules, held by the database too ----

-- Changes of status follow the workflow; closed and rejected incidents do not change; a
-- review is by someone with incident.review who did not report it; closing needs the review
-- and every countermeasure verified; resolving needs none planned or in progress.
CREATE FUNCTION kura.incident_guard() RETURNS trigger
	LANGUAGE plpgsql SECURITY DEFINER SET search_path = ''
	AS $$
BEGIN
	IF OLD.status IN ('closed', 'rejected') THEN
		RAISE EXCEPTION 'kura: a % incident does not change', OLD.status USING ERRCODE = '23514';
	END IF;
	IF (NEW.reported_by, NEW.reported_at, NEW.segment) IS DISTINCT FROM
	   (OLD.reported_by, OLD.reported_at, OLD.segment) THEN
		RAISE EXCEPTION 'kura: who reported an incident, when and where does not change'
			USING ERRCODE = '42501';
	END IF;
	IF NEW.status <> OLD.status THEN
		IF (OLD.status, NEW.status) NOT IN (('reported', 'triaged'), ('reported', 'rejected'),
			('triaged', 'investigating'), ('triaged', 'rejected'),
			('investigating', 'countermeasures'), ('countermeasures', 'resolved'),
			('resolved', 'investigating'), ('resolved', 'closed')) THEN
			RAISE EXCEPTION 'kura: an incident does not go from % to %', OLD.status, NEW.status
				USING ERRCODE = '23514';
		END IF;
		IF NEW.status = 'resolved' AND EXISTS (SELECT FROM kura.incident_countermeasures m
			WHERE m.incident_id = NEW.id AND m.state IN ('planned', 'in_progress')) THEN
			RAISE EXCEPTION 'kura: countermeasures are still open' USING ERRCODE = '23514';
		END IF;
		IF NEW.status = 'closed' THEN
			IF EXISTS (SELECT FROM kura.incident_countermeasures m
				WHERE m.incident_id = NEW.id AND m.state <> 'verified') THEN
				RAISE EXCEPTION 'kura: countermeasures are not all verified'
					USING ERRCODE = '23514';
			END IF;
			IF NOT kura.has_right('incident.review') OR NEW.closed_by <> kura.actor_id() THEN
				RAISE EXCEPTION 'kura: closing needs incident.review' USING ERRCODE = '42501';
			END IF;
		END IF;
	END IF;
	IF NEW.reviewed_by IS NOT NULL AND NEW.reviewed_by IS DISTINCT FROM OLD.reviewed_by THEN
		IF OLD.status <> 'resolved' OR NEW.status <> 'resolved' THEN
			RAISE EXCEPTION 'kura: only a resolved incident is reviewed' USING ERRCODE = '23514';
		END IF;
		IF NOT kura.has_right('incident.review') OR NEW.reviewed_by <> kura.actor_id() THEN
			RAISE EXCEPTION 'kura: reviewing needs incident.review' USING ERRCODE = '42501';
		END IF;
	END IF;
	RETURN NEW;
END $$;
CREATE TRIGGER incidents_guard BEFORE UPDATE ON kura.incidents
	FOR EACH ROW EXECUTE FUNCTION kura.incident_guard();

-- Countermeasures are planned while an incident is investigated or treated; once it is
-- resolved they may only be verified. States: planned <-> in_progress -> done -> verified
-- (done may go back to in_progress; verified is final).
CREATE FUNCTION kura.incident_countermeasure_guard() RETURNS trigger
	LANGUAGE plpgsql SECURITY DEFINER SET search_path = ''
	AS $$
DECLARE
	st text;
BEGIN
	SELECT i.status INTO st FROM kura.incidents i WHERE i.id = NEW.incident_id;
	IF TG_OP = 'INSERT' THEN
		IF st NOT IN ('investigating', 'countermeasures') OR NEW.state <> 'planned' THEN
			RAISE EXCEPTION 'kura: countermeasures are added while investigating or treating'
				USING ERRCODE = '23514';
		END IF;
		RETURN NEW;
	END IF;
	IF (NEW.incident_id, NEW.seq, NEW.created_by, NEW.created_at)
	   IS DISTINCT FROM (OLD.incident_id, OLD.seq, OLD.created_by, OLD.created_at) THEN
		RAISE EXCEPTION 'kura: a countermeasure stays what it was' USING ERRCODE = '42501';
	END IF;
	IF st NOT IN ('investigating', 'countermeasures', 'resolved') OR OLD.state = 'verified'
	   OR (st = 'resolved' AND (NEW.state <> 'verified' OR OLD.state <> 'done'
		OR (NEW.title, NEW.owner, NEW.due) IS DISTINCT FROM (OLD.title, OLD.owner, OLD.due)))
	   OR (NEW.state = 'verified' AND OLD.state NOT IN ('done', 'verified'))
	   OR (NEW.state = 'done' AND OLD.state NOT IN ('planned', 'in_progress', 'done'))
	   OR (NEW.state = 'planned' AND OLD.state NOT IN ('planned', 'in_progress')) THEN
		RAISE EXCEPTION 'kura: this countermeasure cannot change so' USING ERRCODE = '23514';
	END IF;
	RETURN NEW;
END $$;
CREATE TRIGGER incident_countermeasures_guard BEFORE INSERT OR UPDATE
	ON kura.incident_countermeasures
	FOR EACH ROW EXECUTE FUNCTION kura.incident_countermeasure_guard();

CREATE FUNCTION kura.incident_link_guard() RETURNS trigger
	LANGUAGE plpgsql SECURITY DEFINER SET search_path = ''
	AS $$
BEGIN
	IF (SELECT i.status FROM kura.incidents i
		WHERE i.id = coalesce(NEW.incident_id, OLD.incident_id)) IN ('closed', 'rejected') THEN
		RAISE EXCEPTION 'kura: the links of a closed incident do not change'
			USING ERRCODE = '23514';
	END IF;
	RETURN coalesce(NEW, OLD);
END $$;
CREATE TRIGGER incident_links_guard BEFORE INSERT OR UPDATE OR DELETE ON kura.incident_links
	FOR EACH ROW EXECUTE FUNCTION kura.incident_link_guard();

CREATE FUNCTION kura.incident_timeline_guard() RETURNS trigger
	LANGUAGE plpgsql SET search_path = ''
	AS $$
BEGIN
	RAISE EXCEPTION 'kura.incident_timeline is append-only: % refused', TG_OP
		USING ERRCODE = '42501';
END $$;
CREATE TRIGGER incident_timeline_append_only BEFORE UPDATE OR DELETE ON kura.incident_timeline
	FOR EACH ROW EXECUTE FUNCTION kura.incident_timeline_guard();
CREATE TRIGGER incident_timeline_no_truncate BEFORE TRUNCATE ON kura.incident_timeline
	FOR EACH STATEMENT EXECUTE FUNCTION kura.incident_timeline_guard();

-- ---- the timeline: every report, change of status, edit, review, countermeasure, link ----

-- Appends one entry as the acting user (kura.user_id) on the acting segment.
CREATE FUNCTION kura.incident_log(p_incident bigint, p_kind text, p_from text, p_to text,
		p_detail text) RETURNS void
	LANGUAGE sql SECURITY DEFINER SET search_path = ''
	AS $$
	INSERT INTO kura.incident_timeline (incident_id, actor, segment, kind, from_status,
		to_status, detail)
	VALUES (p_incident, kura.actor_id(),
		nullif(pg_catalog.current_setting('kura.segment', true), ''), p_kind, p_from, p_to,
		coalesce(p_detail, ''))
	$$;
REVOKE ALL ON FUNCTION kura.incident_log(bigint, text, text, text, text) FROM PUBLIC;

CREATE FUNCTION kura.incident_logged() RETURNS trigger
	LANGUAGE plpgsql SECURITY DEFINER SET search_path = ''
	AS $$
DECLARE
	changes text[] := '{}';
BEGIN
	IF TG_OP = 'INSERT' THEN
		PERFORM kura.incident_log(NEW.id, 'reported', NULL, NEW.status,
			pg_catalog.format('category %s, severity %s', NEW.category, NEW.severity));
		RETURN NULL;
	END IF;
	IF NEW.status <> OLD.status THEN
		PERFORM kura.incident_log(NEW.id, 'status', OLD.status, NEW.status, NEW.status_reason);
	END IF;
	IF NEW.reviewed_at IS NOT NULL AND NEW.reviewed_at IS DISTINCT FROM OLD.reviewed_at THEN
		PERFORM kura.incident_log(NEW.id, 'review', NULL, NULL, NEW.review_result);
	END IF;
	IF NEW.category <> OLD.category THEN
		changes := changes || pg_catalog.format('category %s -> %s', OLD.category, NEW.category);
	END IF;
	IF NEW.severity <> OLD.severity THEN
		changes := changes || pg_catalog.format('severity %s -> %s', OLD.severity, NEW.severity);
	END IF;
	IF NEW.title <> OLD.title THEN
		changes := changes || pg_catalog.format('title "%s"', NEW.title);
	END IF;
	IF NEW.description <> OLD.description THEN
		changes := changes || 'what happened'::text;
	END IF;
	IF NEW.found_at <> OLD.found_at THEN
		changes := changes || pg_catalog.format('when found %s',
			pg_catalog.to_char(NEW.found_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI "UTC"'));
	END IF;
	IF NEW.location IS DISTINCT FROM OLD.location THEN
		changes := changes || pg_catalog.format('where "%s"', coalesce(NEW.location, ''));
	END IF;
	IF NEW.shared <> OLD.shared THEN
		changes := changes || CASE WHEN NEW.shared THEN 'shared with every segment'
			ELSE 'no longer shared' END;
	END IF;
	IF NEW.facts IS DISTINCT FROM OLD.facts THEN
		changes := changes || 'facts'::text;
	END IF;
	IF NEW.cause IS DISTINCT FROM OLD.cause THEN
		changes := changes || 'cause'::text;
	END IF;
	IF NEW.impact IS DISTINCT FROM OLD.impact THEN
		changes := changes || 'scope of impact'::text;
	END IF;
	IF NEW.prevention IS DISTINCT FROM OLD.prevention THEN
		changes := changes || 'recurrence prevention'::text;
	END IF;
	IF pg_catalog.cardinality(changes) > 0 THEN
		PERFORM kura.incident_log(NEW.id, 'edit', NULL, NULL,
			pg_catalog.array_to_string(changes, ', '));
	END IF;
	RETURN NULL;
END $$;
CREATE TRIGGER incidents_logged AFTER INSERT OR UPDATE ON kura.incidents
	FOR EACH ROW EXECUTE FUNCTION kura.incident_logged();

CREATE FUNCTION kura.incident_countermeasure_logged() RETURNS trigger
	LANGUAGE plpgsql SECURITY DEFINER SET search_path = ''
	AS $$
DECLARE
	changes text[] := '{}';
BEGIN
	IF TG_OP = 'INSERT' THEN
		PERFORM kura.incident_log(NEW.incident_id, 'countermeasure', NULL, NULL,
			pg_catalog.format('#%s added: %s (owner %s, due %s)', NEW.seq, NEW.title,
				(SELECT u.login FROM kura.users u WHERE u.id = NEW.owner), NEW.due));
		RETURN NULL;
	END IF;
	IF NEW.state <> OLD.state THEN
		changes := changes || pg_catalog.format('%s -> %s', OLD.state, NEW.state);
	END IF;
	IF NEW.title <> OLD.title THEN
		changes := changes || pg_catalog.format('title "%s"', NEW.title);
	END IF;
	IF NEW.owner <> OLD.owner THEN
		changes := changes || pg_catalog.format('owner %s',
			(SELECT u.login FROM kura.users u WHERE u.id = NEW.owner));
	END IF;
	IF NEW.due <> OLD.due THEN
		changes := changes || pg_catalog.format('due %s', NEW.due);
	END IF;
	IF pg_catalog.cardinality(changes) > 0 THEN
		PERFORM kura.incident_log(NEW.incident_id, 'countermeasure', NULL, NULL,
			pg_catalog.format('#%s: %s', NEW.seq, pg_catalog.array_to_string(changes, ', ')));
	END IF;
	RETURN NULL;
END $$;
CREATE TRIGGER incident_countermeasures_logged AFTER INSERT OR UPDATE
	ON kura.incident_countermeasures
	FOR EACH ROW EXECUTE FUNCTION kura.incident_countermeasure_logged();

CREATE FUNCTION kura.incident_link_logged() RETURNS trigger
	LANGUAGE plpgsql SECURITY DEFINER SET search_path = ''
	AS $$
BEGIN
	IF TG_OP = 'INSERT' THEN
		PERFORM kura.incident_log(NEW.incident_id, 'link', NULL, NULL,
			pg_catalog.format('linked %s %s%s', NEW.kind, NEW.ref,
				CASE WHEN NEW.affected THEN ' (affected)' ELSE '' END));
	ELSIF TG_OP = 'DELETE' THEN
		PERFORM kura.incident_log(OLD.incident_id, 'link', NULL, NULL,
			pg_catalog.format('unlinked %s %s', OLD.kind, OLD.ref));
	ELSIF NEW.affected <> OLD.affected THEN
		PERFORM kura.incident_log(NEW.incident_id, 'link', NULL, NULL,
			pg_catalog.format('%s %s %s', NEW.kind, NEW.ref,
				CASE WHEN NEW.affected THEN 'marked affected' ELSE 'no longer affected' END));
	END IF;
	RETURN NULL;
END $$;
CREATE TRIGGER incident_links_logged AFTER INSERT OR UPDATE OR DELETE ON kura.incident_links
	FOR EACH ROW EXECUTE FUNCTION kura.incident_link_logged();

-- Change events: "incident ID VERSION". Countermeasure and link changes raise the incident's
-- version in the same transaction, so one topic covers them all.
CREATE FUNCTION kura.notify_incident() RETURNS trigger
	LANGUAGE plpgsql SET search_path = ''
	AS $$
BEGIN
	PERFORM pg_catalog.pg_notify('kura_events', 'incident ' || NEW.id || ' ' || NEW.version);
	RETURN NULL;
END $$;
CREATE TRIGGER incidents_changed AFTER INSERT OR UPDATE ON kura.incidents
	FOR EACH ROW EXECUTE FUNCTION kura.notify_incident();

REVOKE ALL ON FUNCTION kura.incident_guard(), kura.incident_countermeasure_guard(),
	kura.incident_link_guard(), kura.incident_timeline_guard(), kura.incident_logged(),
	kura.incident_countermeasure_logged(), kura.incident_link_logged(),
	kura.notify_incident() FROM PUBLIC;

-- ---- linked risks ----

-- The risks linked to an incident, as the risk register shows them. The register's own
-- migration replaces this body (CREATE OR REPLACE, same signature) once its link table
-- exists; until then no incident has linked risks. Runs as the caller: the register's
-- row-level security decides which risks show.
CREATE FUNCTION kura.incident_risks(p_incident bigint)
	RETURNS TABLE (risk_id bigint, ref text, title text, level text)
	LANGUAGE sql STABLE SET search_path = ''
	AS $$ SELECT NULL::bigint, NULL::text, NULL::text, NULL::text WHERE false $$;

-- ---- who sees and changes what ----

-- Visible: your own reports; everything with incident.manage, incident.review or audit.read
-- (managers, auditors); with incident.read, what was reported on your segment or shared.
ALTER TABLE kura.incidents ENABLE ROW LEVEL SECURITY;
CREATE POLICY incidents_read ON kura.incidents FOR SELECT USING (
	reported_by = (SELECT kura.actor_id())
	OR (SELECT kura.has_right('incident.manage') OR kura.has_right('incident.review')
		OR kura.has_right('audit.read'))
	OR ((SELECT kura.has_right('incident.read'))
		AND (shared OR segment = (SELECT pg_catalog.current_setting('kura.segment', true)))));
CREATE POLICY incidents_report ON kura.incidents FOR INSERT WITH CHECK (
	(SELECT kura.has_right('incident.report')) AND reported_by = kura.actor_id()
	AND segment = pg_catalog.current_setting('kura.segment', true) AND status = 'reported'
	AND reviewed_by IS NULL AND closed_by IS NULL);
CREATE POLICY incidents_change ON kura.incidents FOR UPDATE
	USING ((SELECT kura.has_right('incident.manage') OR kura.has_right('incident.review')))
	WITH CHECK ((SELECT kura.has_right('incident.manage') OR kura.has_right('incident.review')));

-- The parts of an incident are visible with the incident.
ALTER TABLE kura.incident_links ENABLE ROW LEVEL SECURITY;
CREATE POLICY incident_links_read ON kura.incident_links FOR SELECT
	USING (EXISTS (SELECT FROM kura.incidents i WHERE i.id = incident_id));
-- The reporter links what the report names; managers link and unlink later.
CREATE POLICY incident_links_add ON kura.incident_links FOR INSERT WITH CHECK (
	(SELECT kura.has_right('incident.manage'))
	OR EXISTS (SELECT FROM kura.incidents i WHERE i.id = incident_id
		AND i.reported_by = kura.actor_id() AND i.status = 'reported' AND NOT affected));
CREATE POLICY incident_links_change ON kura.incident_links FOR UPDATE
	USING ((SELECT kura.has_right('incident.manage')))
	WITH CHECK ((SELECT kura.has_right('incident.manage')));
CREATE POLICY incident_links_remove ON kura.incident_links FOR DELETE
	USING ((SELECT kura.has_right('incident.manage')));

ALTER TABLE kura.incident_countermeasures ENABLE ROW LEVEL SECURITY;
CREATE POLICY incident_countermeasures_read ON kura.incident_countermeasures FOR SELECT
	USING (EXISTS (SELECT FROM kura.incidents i WHERE i.id = incident_id));
CREATE POLICY incident_countermeasures_add ON kura.incident_countermeasures FOR INSERT
	WITH CHECK ((SELECT kura.has_right('incident.manage')) AND created_by = kura.actor_id()
		AND state = 'planned');
CREATE POLICY incident_countermeasures_change ON kura.incident_countermeasures FOR UPDATE
	USING ((SELECT kura.has_right('incident.manage')))
	WITH CHECK ((SELECT kura.has_right('incident.manage'))
		AND (verified_by IS NULL OR verified_by = kura.actor_id()));

ALTER TABLE kura.incident_timeline ENABLE ROW LEVEL SECURITY;
CREATE POLICY incident_timeline_read ON kura.incident_timeline FOR SELECT
	USING (EXISTS (SELECT FROM kura.incidents i WHERE i.id = incident_id));

ALTER TABLE kura.incident_categories ENABLE ROW LEVEL SECURITY;
CREATE POLICY incident_categories_read ON kura.incident_categories FOR SELECT USING (true);
CREATE POLICY incident_categories_add ON kura.incident_categories FOR INSERT
	WITH CHECK ((SELECT kura.has_right('incident.manage')));

DO $$
DECLARE
	r text;
BEGIN
	FOR r IN SELECT 'kura_' || name FROM kura.roles LOOP
		EXECUTE format('GRANT SELECT ON kura.incident_severities, kura.incident_statuses,'
			' kura.incident_timeline TO %I', r);
		EXECUTE format('GRANT SELECT, INSERT ON kura.incident_categories TO %I', r);
		EXECUTE format('GRANT SELECT, INSERT ON kura.incidents TO %I', r);
		EXECUTE format('GRANT UPDATE (category, severity, status, title, description, found_at,'
			' location, shared, facts, cause, impact, prevention, status_reason, reviewed_by,'
			' reviewed_at, review_result, closed_by, closed_at, updated_at, version)'
			' ON kura.incidents TO %I', r);
		EXECUTE format('GRANT SELECT, INSERT, DELETE ON kura.incident_links TO %I', r);
		EXECUTE format('GRANT UPDATE (affected) ON kura.incident_links TO %I', r);
		EXECUTE format('GRANT SELECT, INSERT ON kura.incident_countermeasures TO %I', r);
		EXECUTE format('GRANT UPDATE (title, owner, due, state, done_at, verified_by,'
			' verified_at) ON kura.incident_countermeasures TO %I', r);
		EXECUTE format('GRANT EXECUTE ON FUNCTION kura.incident_risks(bigint) TO %I', r);
	END LOOP;
END $$;
