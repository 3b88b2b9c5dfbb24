-- The risk register (docs/risks.md): information assets, risks to them scored through a matrix
-- kept here (so that changing it changes every level), treatment, the ISO/IEC 27001:2022
-- Annex A controls applied, acceptance by a manager until a date, and periodic review on a
-- cadence per level. Levels are never stored on a risk: kura.risk_register computes them.

INSERT INTO kura.permissions VALUES
	('risk.read', 'may read the risk register: assets, risks, controls, the matrix, reports', false),
	('risk.manage', 'may record assets and risks, their treatment, controls and reviews, and set the matrix', true),
	('risk.accept', 'may accept a risk on the organisation''s behalf, until a date', true);
-- Only managers and internal auditors see the register; only managers change it. Every
-- other (role, segment) pair has none of these rights.
INSERT INTO kura.role_segment_permissions (role, segment, permission) VALUES
	('manager', 'call-centre', 'risk.read'),
	('manager', 'call-centre', 'risk.manage'),
	('manager', 'call-centre', 'risk.accept'),
	('manager', 'tech-centre', 'risk.read'),
	('manager', 'tech-centre', 'risk.manage'),
	('manager', 'tech-centre', 'risk.accept'),
	('manager', 'management', 'risk.read'),
	('manager', 'management', 'risk.manage'),
	('manager', 'management', 'risk.accept'),
	('auditor', 'call-centre', 'risk.read'),
	('auditor', 'tech-centre', 'risk.read'),
	('auditor', 'management', 'risk.read');

-- ---- scoring ----

-- The levels, in order, with the review cadence of a risk at that level.
CREATE TABLE kura.risk_levels (
	name        text PRIMARY KEY CHECK (name IN ('low', 'medium', 'high', 'critical')),
	rank        int NOT NULL UNIQUE CHECK (rank BETWEEN 1 AND 4),
	review_days int NOT NULL CHECK (review_days BETWEEN 1 AND 3660)
);
INSERT INTO kura.risk_levels VALUES
	('low', 1, 365),
	('medium', 2, 180),
	('high', 3, 90),
	('critical', 4, 30);

-- The scoring matrix: the level of every likelihood x impact (1-5 each). Seeded from the
-- product: up to 4 low, 5-9 medium, 10-15 high, 16-25 critical.
CREATE TABLE kura.risk_matrix (
	likelihood int NOT NULL CHECK (likelihood BETWEEN 1 AND 5),
	impact     int NOT NULL CHECK (impact BETWEEN 1 AND 5),
	level      text NOT NULL REFERENCES kura.risk_levels,
	PRIMARY KEY (likelihood, impact)
);
INSERT INTO kura.risk_matrix (likelihood, impact, level)
SELECT l, i, CASE WHEN l * i >= 16 THEN 'critical' WHEN l * i >= 10 THEN 'high'
		WHEN l * i >= 5 THEN 'medium' ELSE 'low' END
FROM generate_series(1, 5) AS l, generate_series(1, 5) AS i;

-- ---- assets ----

CREATE TABLE kura.assets (
	id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	name            text NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 200),
	type            text NOT NULL CHECK (type IN ('information', 'media', 'device', 'software',
		'facility', 'people', 'service')),
	owner           bigint NOT NULL REFERENCES kura.users,
	location        text NOT NULL DEFAULT '' CHECK (length(location) <= 200),
	confidentiality int NOT NULL CHECK (confidentiality BETWEEN 1 AND 3),
	integrity       int NOT NULL CHECK (integrity BETWEEN 1 AND 3),
	availability    int NOT NULL CHECK (availability BETWEEN 1 AND 3),
	personal_data   boolean NOT NULL DEFAULT false,
	in_scope        boolean NOT NULL DEFAULT true,
	description     text NOT NULL DEFAULT '' CHECK (length(description) <= 2000),
	created_at      timestamptz NOT NULL DEFAULT now(),
	created_by      bigint NOT NULL REFERENCES kura.users,
	version         int NOT NULL DEFAULT 1
);

-- ---- controls: the catalogue (kuractl controls import FILE) ----

CREATE TABLE kura.controls (
	id    text PRIMARY KEY CHECK (id ~ '^[0-9]{1,3}(\.[0-9]{1,3}){1,3}$'),
	title text NOT NULL CHECK (length(title) BETWEEN 1 AND 300)
);

-- ---- risks ----

CREATE TABLE kura.risks (
	id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	asset_id            bigint NOT NULL REFERENCES kura.assets,
	threat              text NOT NULL CHECK (length(threat) BETWEEN 1 AND 200),
	vulnerability       text NOT NULL CHECK (length(vulnerability) BETWEEN 1 AND 200),
	description         text NOT NULL DEFAULT '' CHECK (length(description) <= 4000),
	owner               bigint NOT NULL REFERENCES kura.users,
	likelihood          int NOT NULL CHECK (likelihood BETWEEN 1 AND 5),
	impact              int NOT NULL CHECK (impact BETWEEN 1 AND 5),
	-- NULL: not decided yet. 'accept' only with an acceptance (risk.accept).
	treatment           text CHECK (treatment IN ('mitigate', 'accept', 'transfer', 'avoid')),
	treatment_plan      text NOT NULL DEFAULT '' CHECK (length(treatment_plan) <= 4000),
	residual_likelihood int CHECK (residual_likelihood BETWEEN 1 AND 5),
	residual_impact     int CHECK (residual_impact BETWEEN 1 AND 5),
	accepted_by         bigint REFERENCES kura.users,
	accepted_at         timestamptz,
	accept_reason       text CHECK (length(accept_reason) BETWEEN 1 AND 2000),
	accept_expires      date,
	identified_on       date NOT NULL DEFAULT current_date,
	last_reviewed_on    date,
	created_at          timestamptz NOT NULL DEFAULT now(),
	created_by          bigint NOT NULL REFERENCES kura.users,
	version             int NOT NULL DEFAULT 1,
	CHECK ((residual_likelihood IS NULL) = (residual_impact IS NULL)),
	CHECK ((accepted_by IS NULL) = (accepted_at IS NULL)
		AND (accepted_by IS NULL) = (accept_reason IS NULL)
		AND (accepted_by IS NULL) = (accept_expires IS NULL)),
	CHECK ((treatment IS NOT DISTINCT FROM 'accept') = (accepted_by IS NOT NULL))
);
CREATE INDEX risks_asset_idx ON kura.risks (asset_id);

CREATE TABLE kura.risk_controls (
	risk_id    bigint NOT NULL REFERENCES kura.risks ON DELETE CASCADE,
	control_id text NOT NULL REFERENCES kura.controls,
	PRIMARY KEY (risk_id, control_id)
);
CREATE INDEX risk_controls_control_idx ON kura.risk_controls (control_id);

-- A review: when, by whom, the scores and levels then, and what was found.
CREATE TABLE kura.risk_reviews (
	id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	risk_id             bigint NOT NULL REFERENCES kura.risks ON DELETE CASCADE,
	reviewed_on         date NOT NULL,
	reviewer            bigint NOT NULL REFERENCES kura.users,
	likelihood          int NOT NULL,
	impact              int NOT NULL,
	level               text NOT NULL,
	residual_likelihood int,
	residual_impact     int,
	residual_level      text,
	notes               text NOT NULL CHECK (length(notes) BETWEEN 1 AND 4000),
	at                  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX risk_reviews_risk_idx ON kura.risk_reviews (risk_id, id);

-- Every change of a risk's scores, with the levels they had then (written by a trigger, so
-- no path can change scores without a trace).
CREATE TABLE kura.risk_scores (
	id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	risk_id             bigint NOT NULL REFERENCES kura.risks ON DELETE CASCADE,
	at                  timestamptz NOT NULL DEFAULT now(),
	by_user             bigint REFERENCES kura.users,
	likelihood          int NOT NULL,
	impact              int NOT NULL,
	level               text NOT NULL,
	residual_likelihood int,
	residual_impact     int,
	residual_level      text
);
CREATE INDEX risk_scores_risk_idx ON kura.risk_scores (risk_id, id);

-- The register as read: each risk with its levels from the matrix as it is now, the level
-- that sets its cadence (residual once there is one), and its next review: the later of the
-- day it was identified and its last review, plus that level's cadence. security_invoker:
-- the reader's row-level security applies, not the owner's.
CREATE VIEW kura.risk_register WITH (security_invoker = true) AS
SELECT r.id, r.asset_id, r.threat, r.vulnerability, r.description, r.owner, r.likelihood,
	r.impact, m.level, lv.rank AS level_rank, r.treatment, r.treatment_plan,
	r.residual_likelihood, r.residual_impact, rm.level AS residual_level,
	r.accepted_by, r.accepted_at, r.accept_reason, r.accept_expires,
	r.accepted_by IS NOT NULL AND r.accept_expires <= current_date AS acceptance_expired,
	r.identified_on, r.last_reviewed_on,
	coalesce(rm.level, m.level) AS current_level,
	GREATEST(r.identified_on, r.last_reviewed_on) + cl.review_days AS next_review,
	GREATEST(r.identified_on, r.last_reviewed_on) + cl.review_days < current_date AS overdue,
	r.created_at, r.created_by, r.version
FROM kura.risks r
JOIN kura.risk_matrix m ON m.likelihood = r.likelihood AND m.impact = r.impact
JOIN kura.risk_levels lv ON lv.name = m.level
LEFT JOIN kura.risk_matrix rm ON rm.likelihood = r.residual_likelihood
	AND rm.impact = r.residual_impact
JOIN kura.risk_levels cl ON cl.name = coalesce(rm.level, m.level);

-- ---- triggers ----

CREATE FUNCTION kura.risk_level_of(p_likelihood int, p_impact int) RETURNS text
	LANGUAGE sql STABLE SET search_path = ''
	AS $$ SELECT m.level FROM kura.risk_matrix m
		WHERE m.likelihood = p_likelihood AND m.impact = p_impact $$;

CREATE FUNCTION kura.risk_scores_record() RETURNS trigger
	LANGUAGE plpgsql SET search_path = ''
	AS $$
BEGIN
	IF TG_OP = 'UPDATE' AND (NEW.likelihood, NEW.impact, NEW.residual_likelihood,
			NEW.residual_impact) IS NOT DISTINCT FROM (OLD.likelihood, OLD.impact,
			OLD.residual_likelihood, OLD.residual_impact) THEN
		RETURN NULL;
	END IF;
	INSERT INTO kura.risk_scores (risk_id, by_user, likelihood, impact, level,
		residual_likelihood, residual_impact, residual_level)
	VALUES (NEW.id, kura.actor_id(), NEW.likelihood, NEW.impact,
		kura.risk_level_of(NEW.likelihood, NEW.impact), NEW.residual_likelihood,
		NEW.residual_impact, kura.risk_level_of(NEW.residual_likelihood, NEW.residual_impact));
	RETURN NULL;
END $$;
CREATE TRIGGER risks_scores AFTER INSERT OR UPDATE ON kura.risks
	FOR EACH ROW EXECUTE FUNCTION kura.risk_scores_record();

-- Accepting a risk, or changing an acceptance, needs risk.accept and is done in one's own
-- name (kura.actor_id(), as every "own rows" rule here), whatever path the change takes.
-- Acting roles only: the owner's maintenance is not a request of a user.
CREATE FUNCTION kura.risk_accept_guard() RETURNS trigger
	LANGUAGE plpgsql SET search_path = ''
	AS $$
BEGIN
	IF NEW.accepted_by IS NOT NULL
	   AND pg_catalog.current_setting('role') <> 'none'
	   AND (TG_OP = 'INSERT' OR (NEW.accepted_by, NEW.accepted_at, NEW.accept_reason,
			NEW.accept_expires) IS DISTINCT FROM (OLD.accepted_by, OLD.accepted_at,
			OLD.accept_reason, OLD.accept_expires))
	   AND NOT (kura.has_right('risk.accept') AND NEW.accepted_by = kura.actor_id()) THEN
		RAISE EXCEPTION 'accepting a risk needs risk.accept, in one''s own name'
			USING ERRCODE = '42501';
	END IF;
	RETURN NEW;
END $$;
CREATE TRIGGER risks_accept_guard BEFORE INSERT OR UPDATE ON kura.risks
	FOR EACH ROW EXECUTE FUNCTION kura.risk_accept_guard();

-- Change events (schema/005): "risk ID VERSION", "asset ID VERSION", and "risk_matrix 0 0"
-- when the matrix or a cadence changes (every level and next review may have moved).
CREATE FUNCTION kura.notify_register() RETURNS trigger
	LANGUAGE plpgsql SET search_path = ''
	AS $$
BEGIN
	PERFORM pg_catalog.pg_notify('kura_events', TG_ARGV[0] || ' ' || NEW.id || ' ' || NEW.version);
	RETURN NULL;
END $$;
CREATE TRIGGER risks_changed AFTER INSERT OR UPDATE ON kura.risks
	FOR EACH ROW EXECUTE FUNCTION kura.notify_register('risk');
CREATE TRIGGER assets_changed AFTER INSERT OR UPDATE ON kura.assets
	FOR EACH ROW EXECUTE FUNCTION kura.notify_register('asset');

CREATE FUNCTION kura.notify_risk_matrix() RETURNS trigger
	LANGUAGE plpgsql SET search_path = ''
	AS $$
BEGIN
	PERFORM pg_catalog.pg_notify('kura_events', 'risk_matrix 0 0');
	RETURN NULL;
END $$;
CREATE TRIGGER risk_matrix_changed AFTER UPDATE ON kura.risk_matrix
	FOR EACH STATEMENT EXECUTE FUNCTION kura.notify_risk_matrix();
CREATE TRIGGER risk_levels_changed AFTER UPDATE ON kura.risk_levels
	FOR EACH STATEMENT EXECUTE FUNCTION kura.notify_risk_matrix();

-- ---- privileges and row-level security: the same scope as kurad's rights ----

DO $$
DECLARE
	r text;
BEGIN
	FOR r IN SELECT 'kura_' || name FROM kura.roles LOOP
		EXECUTE format('GRANT SELECT ON kura.controls, kura.risk_register TO %I', r);
		EXECUTE format('GRANT SELECT, UPDATE ON kura.risk_levels, kura.risk_matrix TO %I', r);
		EXECUTE format('GRANT SELECT, INSERT, UPDATE ON kura.assets, kura.risks TO %I', r);
		EXECUTE format('GRANT SELECT, INSERT, DELETE ON kura.risk_controls TO %I', r);
		EXECUTE format('GRANT SELECT, INSERT ON kura.risk_reviews, kura.risk_scores TO %I', r);
		EXECUTE format('GRANT EXECUTE ON FUNCTION kura.risk_level_of(int, int) TO %I', r);
	END LOOP;
END $$;

ALTER TABLE kura.risk_levels ENABLE ROW LEVEL SECURITY;
CREATE POLICY risk_levels_read ON kura.risk_levels FOR SELECT
	USING ((SELECT kura.has_right('risk.read')));
CREATE POLICY risk_levels_set ON kura.risk_levels FOR UPDATE
	USING ((SELECT kura.has_right('risk.manage'))) WITH CHECK ((SELECT kura.has_right('risk.manage')));

ALTER TABLE kura.risk_matrix ENABLE ROW LEVEL SECURITY;
CREATE POLICY risk_matrix_read ON kura.risk_matrix FOR SELECT
	USING ((SELECT kura.has_right('risk.read')));
CREATE POLICY risk_matrix_set ON kura.risk_matrix FOR UPDATE
	USING ((SELECT kura.has_right('risk.manage'))) WITH CHECK ((SELECT kura.has_right('risk.manage')));

ALTER TABLE kura.controls ENABLE ROW LEVEL SECURITY;
CREATE POLICY controls_read ON kura.controls FOR SELECT
	USING ((SELECT kura.has_right('risk.read')));

ALTER TABLE kura.assets ENABLE ROW LEVEL SECURITY;
CREATE POLICY assets_read ON kura.assets FOR SELECT USING ((SELECT kura.has_right('risk.read')));
CREATE POLICY assets_create ON kura.assets FOR INSERT
	WITH CHECK ((SELECT kura.has_right('risk.manage')) AND created_by = kura.actor_id());
CREATE POLICY assets_change ON kura.assets FOR UPDATE
	USING ((SELECT kura.has_right('risk.manage'))) WITH CHECK ((SELECT kura.has_right('risk.manage')));

ALTER TABLE kura.risks ENABLE ROW LEVEL SECURITY;
CREATE POLICY risks_read ON kura.risks FOR SELECT USING ((SELECT kura.has_right('risk.read')));
CREATE POLICY risks_create ON kura.risks FOR INSERT
	WITH CHECK ((SELECT kura.has_right('risk.manage')) AND created_by = kura.actor_id());
-- risk.accept alone may update too (an acceptance); the guard above keeps acceptances to it.
CREATE POLICY risks_change ON kura.risks FOR UPDATE
	USING ((SELECT kura.has_right('risk.manage')) OR (SELECT kura.has_right('risk.accept')))
	WITH CHECK ((SELECT kura.has_right('risk.manage')) OR (SELECT kura.has_right('risk.accept')));

ALTER TABLE kura.risk_controls ENABLE ROW LEVEL SECURITY;
CREATE POLICY risk_controls_read ON kura.risk_controls FOR SELECT
	USING ((SELECT kura.has_right('risk.read')));
CREATE POLICY risk_controls_add ON kura.risk_controls FOR INSERT
	WITH CHECK ((SELECT kura.has_right('risk.manage')));
CREATE POLICY risk_controls_remove ON kura.risk_controls FOR DELETE
	USING ((SELECT kura.has_right('risk.manage')));

ALTER TABLE kura.risk_reviews ENABLE ROW LEVEL SECURITY;
CREATE POLICY risk_reviews_read ON kura.risk_reviews FOR SELECT
	USING ((SELECT kura.has_right('risk.read')));
CREATE POLICY risk_reviews_add ON kura.risk_reviews FOR INSERT
	WITH CHECK ((SELECT kura.has_right('risk.manage')) AND reviewer = kura.actor_id());

ALTER TABLE kura.risk_scores ENABLE ROW LEVEL SECURITY;
CREATE POLICY risk_scores_read ON kura.risk_scores FOR SELECT
	USING ((SELECT kura.has_right('risk.read')));
CREATE POLICY risk_scores_add ON kura.risk_scores FOR INSERT
	WITH CHECK ((SELECT kura.has_right('risk.manage'))
		AND by_user IS NOT DISTINCT FROM kura.actor_id());

-- ---- incidents that revealed risks (schema/008) ----

CREATE TABLE kura.risk_incidents (
	risk_id     bigint NOT NULL REFERENCES kura.risks ON DELETE CASCADE,
	incident_id bigint NOT NULL REFERENCES kura.incidents,
	linked_by   bigint NOT NULL REFERENCES kura.users,
	linked_at   timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (risk_id, incident_id)
);
CREATE INDEX risk_incidents_incident_idx ON kura.risk_incidents (incident_id);

ALTER TABLE kura.risk_incidents ENABLE ROW LEVEL SECURITY;
CREATE POLICY risk_incidents_read ON kura.risk_incidents FOR SELECT
	USING ((SELECT kura.has_right('risk.read')));
CREATE POLICY risk_incidents_link ON kura.risk_incidents FOR INSERT
	WITH CHECK ((SELECT kura.has_right('risk.manage')) AND linked_by = kura.actor_id());
CREATE POLICY risk_incidents_unlink ON kura.risk_incidents FOR DELETE
	USING ((SELECT kura.has_right('risk.manage')));
DO $$
DECLARE
	r text;
BEGIN
	FOR r IN SELECT 'kura_' || name FROM kura.roles LOOP
		EXECUTE format('GRANT SELECT, INSERT, DELETE ON kura.risk_incidents TO %I', r);
	END LOOP;
END $$;

-- An incident's risks, for the incidents domain (incident.get, the printed report): the
-- body 008 left empty. SECURITY INVOKER (the default) on purpose: the caller's row-level
-- security on the links and the register decides, so whoever lacks risk.read gets no rows.
-- ref is the risk's reference as people quote it (R-12); level is its current level (the
-- residual one once assessed, else the inherent one), scored through the matrix as it is now.
CREATE OR REPLACE FUNCTION kura.incident_risks(p_incident bigint)
	RETURNS TABLE (risk_id bigint, ref text, title text, level text)
	LANGUAGE sql STABLE SET search_path = ''
	AS $$
	SELECT g.id, 'R-' || g.id, g.threat, g.current_level
	FROM kura.risk_incidents ri JOIN kura.risk_register g ON g.id = ri.risk_id
	WHERE ri.incident_id = p_incident
	ORDER BY g.level_rank DESC, g.id
	$$;

-- ---- the catalogue: ISO/IEC 27001:2022 Annex A (data/iso27001-2022-annex-a.csv) ----
-- The same rows as the CSV that kuractl controls import loads; tests/risks checks that an
-- import of the shipped file finds nothing to change.
INSERT INTO kura.controls (id, title) VALUES
	('5.1', 'Policies for information security'),
	('5.2', 'Information security roles and responsibilities'),
	('5.3', 'Segregation of duties'),
	('5.4', 'Management responsibilities'),
	('5.5', 'Contact with authorities'),
	('5.6', 'Contact with special interest groups'),
	('5.7', 'Threat intelligence'),
	('5.8', 'Information security in project management'),
	('5.9', 'Inventory of information and other associated assets'),
	('5.10', 'Acceptable use of information and other associated assets'),
	('5.11', 'Return of assets'),
	('5.12', 'Classification of information'),
	('5.13', 'Labelling of information'),
	('5.14', 'Information transfer'),
	('5.15', 'Access control'),
	('5.16', 'Identity management'),
	('5.17', 'Authentication information'),
	('5.18', 'Access rights'),
	('5.19', 'Information security in supplier relationships'),
	('5.20', 'Addressing information security within supplier agreements'),
	('5.21', 'Managing information security in the ICT supply chain'),
	('5.22', 'Monitoring, review and change management of supplier services'),
	('5.23', 'Information security for use of cloud services'),
	('5.24', 'Information security incident management planning and preparation'),
	('5.25', 'Assessment and decision on information security events'),
	('5.26', 'Response to information security incidents'),
	('5.27', 'Learning from information security incidents'),
	('5.28', 'Collection of evidence'),
	('5.29', 'Information security during disruption'),
	('5.30', 'ICT readiness for business continuity'),
	('5.31', 'Legal, statutory, regulatory and contractual requirements'),
	('5.32', 'Intellectual property rights'),
	('5.33', 'Protection of records'),
	('5.34', 'Privacy and protection of PII'),
	('5.35', 'Independent review of information security'),
	('5.36', 'Compliance with policies, rules and standards for information security'),
	('5.37', 'Documented operating procedures'),
	('6.1', 'Screening'),
	('6.2', 'Terms and conditions of employment'),
	('6.3', 'Information security awareness, education and training'),
	('6.4', 'Disciplinary process'),
	('6.5', 'Responsibilities after termination or change of employment'),
	('6.6', 'Confidentiality or non-disclosure agreements'),
	('6.7', 'Remote working'),
	('6.8', 'Information security event reporting'),
	('7.1', 'Physical security perimeters'),
	('7.2', 'Physical entry'),
	('7.3', 'Securing offices, rooms and facilities'),
	('7.4', 'Physical security monitoring'),
	('7.5', 'Protecting against physical and environmental threats'),
	('7.6', 'Working in secure areas'),
	('7.7', 'Clear desk and clear screen'),
	('7.8', 'Equipment siting and protection'),
	('7.9', 'Security of assets off-premises'),
	('7.10', 'Storage media'),
	('7.11', 'Supporting utilities'),
	('7.12', 'Cabling security'),
	('7.13', 'Equipment maintenance'),
	('7.14', 'Secure disposal or re-use of equipment'),
	('8.1', 'User endpoint devices'),
	('8.2', 'Privileged access rights'),
	('8.3', 'Information access restriction'),
	('8.4', 'Access to source code'),
	('8.5', 'Secure authentication'),
	('8.6', 'Capacity management'),
	('8.7', 'Protection against malware'),
	('8.8', 'Management of technical vulnerabilities'),
	('8.9', 'Configuration management'),
	('8.10', 'Information deletion'),
	('8.11', 'Data masking'),
	('8.12', 'Data leakage prevention'),
	('8.13', 'Information backup'),
	('8.14', 'Redundancy of information processing facilities'),
	('8.15', 'Logging'),
	('8.16', 'Monitoring activities'),
	('8.17', 'Clock synchronization'),
	('8.18', 'Use of privileged utility programs'),
	('8.19', 'Installation of software on operational systems'),
	('8.20', 'Networks security'),
	('8.21', 'Security of network services'),
	('8.22', 'Segregation of networks'),
	('8.23', 'Web filtering'),
	('8.24', 'Use of cryptography'),
	('8.25', 'Secure development life cycle'),
	('8.26', 'Application security requirements'),
	('8.27', 'Secure system architecture and engineering principles'),
	('8.28', 'Secure coding'),
	('8.29', 'Security testing in development and acceptance'),
	('8.30', 'Outsourced development'),
	('8.31', 'Separation of development, test and production environments'),
	('8.32', 'Change management'),
	('8.33', 'Test information'),
	('8.34', 'Protection of information systems during audit testing');
