-- Defense in depth: PostgreSQL enforces the same rights as kurad.
-- kurad connects as kura_app and, once it knows who is asking, runs the rest of the request
-- as kura_<role> with kura.user_id and kura.segment set (SET LOCAL via set_config). Row-level
-- security and grants then give that role exactly the scope the server gives it; kura_app on
-- its own sees every protected table as empty.

-- kura_app holds the acting roles' privileges only after SET ROLE, never by inheritance.
ALTER ROLE kura_app NOINHERIT;

-- One database role per kura role, granted to kura_app for SET ROLE.
DO $$
DECLARE
	r text;
BEGIN
	FOR r IN SELECT name FROM kura.roles LOOP
		IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'kura_' || r) THEN
			EXECUTE format('CREATE ROLE %I NOLOGIN NOSUPERUSER NOBYPASSRLS', 'kura_' || r);
		END IF;
		EXECUTE format('GRANT %I TO kura_app', 'kura_' || r);
		EXECUTE format('GRANT USAGE ON SCHEMA kura TO %I', 'kura_' || r);
	END LOOP;
END $$;

-- kura_app keeps only what signing in needs; everything else goes through the acting role.
REVOKE ALL ON kura.users, kura.sessions, kura.request_replies, kura.receipt_counters,
	kura.cases, kura.case_customers, kura.case_items, kura.case_notes, kura.audit_log
	FROM kura_app;

-- The acting user, as kurad set it for this transaction (NULL when none).
CREATE FUNCTION kura.current_user_id() RETURNS bigint
	LANGUAGE sql STABLE SET search_path = ''
	AS $$ SELECT nullif(pg_catalog.current_setting('kura.user_id', true), '')::bigint $$;

-- The acting user, but only while the acting role kurad set (SET ROLE kura_<role>, which
-- SECURITY DEFINER functions do not change) is that user's role and the user is enabled;
-- NULL otherwise. Every "own rows" policy uses this, not kura.current_user_id().
CREATE FUNCTION kura.actor_id() RETURNS bigint
	LANGUAGE sql STABLE SET search_path = ''
	AS $$
	SELECT u.id FROM kura.users u
	WHERE u.id = kura.current_user_id() AND u.disabled_at IS NULL
	  AND pg_catalog.current_setting('role') = 'kura_' || u.role
	$$;

-- Whether the acting user holds right p on the acting segment.
CREATE FUNCTION kura.has_right(p text) RETURNS boolean
	LANGUAGE sql STABLE SET search_path = ''
	AS $$
	SELECT EXISTS (
		SELECT FROM kura.users u
		JOIN kura.role_segment_permissions rsp ON rsp.role = u.role
		JOIN kura.permissions perm ON perm.name = rsp.permission
		WHERE u.id = kura.actor_id()
		  AND pg_catalog.current_setting('kura.segment', true) = rsp.segment
		  AND rsp.permission = p
		  AND NOT (u.temporary AND perm.employees_only))
	$$;

-- The rights of a role on a segment, as kurad reads them: without the employees-only ones
-- for temporary staff. The one place that rule is applied for the server.
CREATE FUNCTION kura.rights_of(p_role text, p_segment text, p_temporary boolean) RETURNS text
	LANGUAGE sql STABLE SET search_path = ''
	AS $$
	SELECT array_to_string(ARRAY(
		SELECT rsp.permission FROM kura.role_segment_permissions rsp
		JOIN kura.permissions perm ON perm.name = rsp.permission
		WHERE rsp.role = p_role AND rsp.segment = p_segment
		  AND NOT (p_temporary AND perm.employees_only)
		ORDER BY 1), ',')
	$$;

-- Table privileges for every acting role; RLS below narrows them to the right rows.
DO $$
DECLARE
	r text;
BEGIN
	FOR r IN SELECT 'kura_' || name FROM kura.roles LOOP
		EXECUTE format('GRANT SELECT ON kura.segments, kura.roles, kura.permissions,'
			' kura.role_segment_permissions, kura.stages TO %I', r);
		-- The staff directory without password hashes.
		EXECUTE format('GRANT SELECT (id, login, display_name, role, temporary, disabled_at)'
			' ON kura.users TO %I', r);
		EXECUTE format('GRANT SELECT, INSERT ON kura.cases, kura.case_items, kura.case_notes,'
			' kura.request_replies TO %I', r);
		EXECUTE format('GRANT SELECT, INSERT, UPDATE ON kura.receipt_counters TO %I', r);
		EXECUTE format('GRANT INSERT ON kura.case_customers TO %I', r);
		EXECUTE format('GRANT SELECT, INSERT ON kura.audit_log TO %I', r);
	END LOOP;
END $$;
-- kura_app reads protected tables as empty (RLS) and may write audit rows of refusals.
GRANT SELECT ON kura.cases, kura.case_items, kura.case_notes, kura.case_customers TO kura_app;
GRANT SELECT (id, login, display_name, role, temporary, disabled_at) ON kura.users TO kura_app;
GRANT SELECT, INSERT ON kura.audit_log TO kura_app;

-- Column privileges on personal data follow the rights table: a role that holds pii.read on
-- no segment cannot read kura.case_customers at all. Run again after rights change.
CREATE FUNCTION kura.sync_pii_grants() RETURNS void
	LANGUAGE plpgsql SECURITY DEFINER SET search_path = ''
	AS $$
DECLARE
	r record;
BEGIN
	FOR r IN SELECT ro.name, EXISTS (SELECT FROM kura.role_segment_permissions p
			WHERE p.role = ro.name AND p.permission = 'pii.read') AS pii
		 FROM kura.roles ro LOOP
		IF r.pii THEN
			EXECUTE format('GRANT SELECT ON kura.case_customers TO %I', 'kura_' || r.name);
		ELSE
			EXECUTE format('REVOKE SELECT ON kura.case_customers FROM %I', 'kura_' || r.name);
		END IF;
	END LOOP;
END $$;
REVOKE ALL ON FUNCTION kura.sync_pii_grants() FROM PUBLIC;
SELECT kura.sync_pii_grants();

ALTER TABLE kura.cases ENABLE ROW LEVEL SECURITY;
CREATE POLICY cases_read ON kura.cases FOR SELECT USING ((SELECT kura.has_right('case.read')));
CREATE POLICY cases_create ON kura.cases FOR INSERT
	WITH CHECK ((SELECT kura.has_right('case.create')) AND created_by = kura.actor_id());

ALTER TABLE kura.case_customers ENABLE ROW LEVEL SECURITY;
CREATE POLICY customers_read ON kura.case_customers FOR SELECT
	USING ((SELECT kura.has_right('pii.read')));
CREATE POLICY customers_create ON kura.case_customers FOR INSERT
	WITH CHECK ((SELECT kura.has_right('case.create')));

ALTER TABLE kura.case_items ENABLE ROW LEVEL SECURITY;
CREATE POLICY items_read ON kura.case_items FOR SELECT USING ((SELECT kura.has_right('case.read')));
CREATE POLICY items_create ON kura.case_items FOR INSERT
	WITH CHECK ((SELECT kura.has_right('case.create')));

ALTER TABLE kura.case_notes ENABLE ROW LEVEL SECURITY;
CREATE POLICY notes_read ON kura.case_notes FOR SELECT USING ((SELECT kura.has_right('case.read')));
CREATE POLICY notes_create ON kura.case_notes FOR INSERT
	WITH CHECK ((SELECT kura.has_right('case.create')) AND author = kura.actor_id());

ALTER TABLE kura.receipt_counters ENABLE ROW LEVEL SECURITY;
CREATE POLICY receipt_counters_issue ON kura.receipt_counters FOR ALL
	USING ((SELECT kura.has_right('case.create')))
	WITH CHECK ((SELECT kura.has_right('case.create')));

-- Request replies are the user's own.
ALTER TABLE kura.request_replies ENABLE ROW LEVEL SECURITY;
CREATE POLICY replies_own ON kura.request_replies FOR ALL
	USING (user_id = kura.actor_id()) WITH CHECK (user_id = kura.actor_id());

-- The audit log: anyone acting may append (refusals are audited too); only audit.read reads.
-- No role has UPDATE, DELETE or TRUNCATE.
ALTER TABLE kura.audit_log ENABLE ROW LEVEL SECURITY;
CREATE POLICY audit_append ON kura.audit_log FOR INSERT WITH CHECK (true);
CREATE POLICY audit_read ON kura.audit_log FOR SELECT USING ((SELECT kura.has_right('audit.read')));

-- Signing in and sessions go through these functions: kura_app cannot read the users or
-- sessions tables themselves.
CREATE FUNCTION kura.login_user(p_login text)
	RETURNS TABLE (id bigint, login text, display_name text, role text, temporary boolean,
		password_hash text, disabled boolean)
	LANGUAGE sql STABLE SECURITY DEFINER SET search_path = ''
	AS $$
	SELECT u.id, u.login, u.display_name, u.role, u.temporary, u.password_hash,
	       u.disabled_at IS NOT NULL
	FROM kura.users u WHERE u.login = p_login
	$$;

CREATE FUNCTION kura.session_open(p_hash bytea, p_user bigint, p_segment text, p_peer text)
	RETURNS bigint
	LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = ''
	AS $$
	INSERT INTO kura.sessions (token_hash, user_id, segment, peer)
	SELECT p_hash, u.id, p_segment, p_peer FROM kura.users u
	WHERE u.id = p_user AND u.disabled_at IS NULL
	RETURNING id
	$$;

-- A live session of this segment, touched, with its user's rights on the segment.
CREATE FUNCTION kura.session_touch(p_hash bytea, p_segment text, p_idle double precision,
		p_absolute double precision)
	RETURNS TABLE (session_id bigint, user_id bigint, login text, display_name text, role text,
		temporary boolean, rights text)
	LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = ''
	AS $$
	UPDATE kura.sessions s SET last_seen = now() FROM kura.users u
	WHERE s.token_hash = p_hash AND s.segment = p_segment AND u.id = s.user_id
	  AND u.disabled_at IS NULL
	  AND s.last_seen > now() - make_interval(secs => p_idle)
	  AND s.created_at > now() - make_interval(secs => p_absolute)
	RETURNING s.id, u.id, u.login, u.display_name, u.role, u.temporary,
		kura.rights_of(u.role, s.segment, u.temporary)
	$$;

-- The stored reply of a request id, looked up before the session is resolved: it is returned
-- only to the same session token; another token learns only that the id is taken.
CREATE FUNCTION kura.reply_find(p_request bytea, p_token_hash bytea)
	RETURNS TABLE (user_id bigint, op text, object text, reply bytea, same_token boolean)
	LANGUAGE sql STABLE SECURITY DEFINER SET search_path = ''
	AS $$
	SELECT r.user_id, r.op, r.object,
	       CASE WHEN r.token_hash = p_token_hash THEN r.reply END,
	       r.token_hash = p_token_hash
	FROM kura.request_replies r WHERE r.request_id = p_request
	$$;

-- Ends the acting user's own session.
CREATE FUNCTION kura.session_close(p_session bigint) RETURNS boolean
	LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = ''
	AS $$
	WITH d AS (DELETE FROM kura.sessions WHERE id = p_session
			AND user_id = kura.actor_id() RETURNING 1)
	SELECT EXISTS (SELECT FROM d)
	$$;

REVOKE ALL ON FUNCTION kura.reply_find(bytea, bytea) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION kura.reply_find(bytea, bytea) TO kura_app;
REVOKE ALL ON FUNCTION kura.login_user(text), kura.session_open(bytea, bigint, text, text),
	kura.session_touch(bytea, text, double precision, double precision),
	kura.session_close(bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION kura.rights_of(text, text, boolean) TO kura_app;
GRANT EXECUTE ON FUNCTION kura.login_user(text), kura.session_open(bytea, bigint, text, text),
	kura.session_touch(bytea, text, double precision, double precision) TO kura_app;
DO $$
DECLARE
	r text;
BEGIN
	FOR r IN SELECT 'kura_' || name FROM kura.roles LOOP
		EXECUTE format('GRANT EXECUTE ON FUNCTION kura.session_close(bigint) TO %I', r);
	END LOOP;
END $$;
