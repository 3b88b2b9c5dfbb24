-- A prototype of the proposed access functions (docs/performance.md), to measure them on the
-- benchmark's database: the same rules in PL/pgSQL, whose statements are planned once per
-- connection, where a SQL function with a subquery (not inlinable) is parsed and planned
-- again at every execution of every statement whose policy calls it. Undo: the definitions
-- in schema/002_access.sql, or KURA_BENCH_FRESH=1 make bench.
CREATE OR REPLACE FUNCTION kura.actor_id() RETURNS bigint
	LANGUAGE plpgsql STABLE SET search_path = ''
	AS $$
BEGIN
	RETURN (SELECT u.id FROM kura.users u
		WHERE u.id = nullif(pg_catalog.current_setting('kura.user_id', true), '')::bigint
		  AND u.disabled_at IS NULL
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
		WHERE u.id = nullif(pg_catalog.current_setting('kura.user_id', true), '')::bigint
		  AND u.disabled_at IS NULL
		  AND pg_catalog.current_setting('role') = 'kura_' || u.role
		  AND pg_catalog.current_setting('kura.segment', true) = rsp.segment
		  AND rsp.permission = p
		  AND NOT (u.temporary AND perm.employees_only));
END $$;

CREATE OR REPLACE FUNCTION kura.rights_of(p_role text, p_segment text, p_temporary boolean)
	RETURNS text
	LANGUAGE plpgsql STABLE SET search_path = ''
	AS $$
BEGIN
	RETURN array_to_string(ARRAY(
		SELECT rsp.permission FROM kura.role_segment_permissions rsp
		JOIN kura.permissions perm ON perm.name = rsp.permission
		WHERE rsp.role = p_role AND rsp.segment = p_segment
		  AND NOT (p_temporary AND perm.employees_only)
		ORDER BY 1), ',');
END $$;
