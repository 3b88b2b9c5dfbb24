-- The cost of every request (docs/performance.md, R1, R4 and R7). The rules are those of
-- 002_access.sql and 010_pii_reads.sql; only how they run changes.

-- R1. Every policy calls kura.has_right(), which calls kura.actor_id(). As SQL functions with
-- SET search_path and subqueries PostgreSQL cannot inline them, and a SQL function that is not
-- inlined is parsed and planned again at every statement that calls it (0.3 ms of a policy
-- around a 0.03 ms index scan). PL/pgSQL plans their queries once per connection.

-- Without the SET clause this one expression is inlined where it is used; it names nothing
-- that search_path could redirect.
CREATE OR REPLACE FUNCTION kura.current_user_id() RETURNS bigint
	LANGUAGE sql STABLE
	AS $$ SELECT nullif(pg_catalog.current_setting('kura.user_id', true), '')::bigint $$;

CREATE OR REPLACE FUNCTION kura.actor_id() RETURNS bigint
	LANGUAGE plpgsql STABLE SET search_path = ''
	AS $$
BEGIN
	RETURN (SELECT u.id FROM kura.users u
		WHERE u.id = kura.current_user_id() AND u.disabled_at IS NULL
		  AND pg_catalog.current_setting('role') = 'kura_' || u.role);
END $$;

CREATE OR REPLACE FUNCTION kura.has_right(p text) RETURNS boolean
	LANGUAGE plpgsql STABLE SET search_path = ''
	AS $$
BEGIN
	RETURN EXISTS (
		SELECT FROM kura.users u
		JOIN kura.role_segment_permissions rsp ON rsp.role = u.role
		JOIN kura.permissions perm ON perm.name = rsp.permission
		WHERE u.id = kura.actor_id()
		  AND pg_catalog.current_setting('kura.segment', true) = rsp.segment
		  AND rsp.permission = p
		  AND NOT (u.temporary AND perm.employees_only));
END $$;

CREATE OR REPLACE FUNCTION kura.rights_of(p_role text, p_segment text, p_temporary boolean)
	RETURNS text
	LANGUAGE plpgsql STABLE SET search_path = ''
	AS $$
BEGIN
	RETURN pg_catalog.array_to_string(ARRAY(
		SELECT rsp.permission FROM kura.role_segment_permissions rsp
		JOIN kura.permissions perm ON perm.name = rsp.permission
		WHERE rsp.role = p_role AND rsp.segment = p_segment
		  AND NOT (p_temporary AND perm.employees_only)
		ORDER BY 1), ',');
END $$;

-- R4. A read wrote the session row at every request, and the rows of all sessions share a
-- few pages that every request updated. last_seen now moves when it is a minute old, or half
-- the idle timeout when that is shorter (a session used more often than its timeout never
-- ends): the idle timeout holds to within a minute. kurad sets the acting role in the same
-- statement (server/db.c, session_touch).
CREATE OR REPLACE FUNCTION kura.session_touch(p_hash bytea, p_segment text,
		p_idle double precision, p_absolute double precision)
	RETURNS TABLE (session_id bigint, user_id bigint, login text, display_name text, role text,
		temporary boolean, rights text)
	LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = ''
	AS $$
#variable_conflict use_column
BEGIN
	RETURN QUERY
	WITH live AS (
		SELECT s.id, s.last_seen, s.segment, u.id AS uid, u.login, u.display_name, u.role,
			u.temporary
		FROM kura.sessions s JOIN kura.users u ON u.id = s.user_id
		WHERE s.token_hash = p_hash AND s.segment = p_segment AND u.disabled_at IS NULL
		  AND s.last_seen > now() - make_interval(secs => p_idle)
		  AND s.created_at > now() - make_interval(secs => p_absolute)),
	touched AS (
		UPDATE kura.sessions s SET last_seen = now() FROM live
		WHERE s.id = live.id
		  AND live.last_seen < now() - make_interval(secs => least(60, p_idle / 2)))
	SELECT live.id, live.uid, live.login, live.display_name, live.role, live.temporary,
		kura.rights_of(live.role, live.segment, live.temporary)
	FROM live;
END $$;

-- R7. The GIN index of the cases seen took its pending list on some inserts, so that an
-- unlucky read paid for the merging of many others.
ALTER INDEX kura.pii_reads_cases_idx SET (fastupdate = off);
