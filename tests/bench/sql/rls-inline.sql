-- A prototype of the proposed access functions (docs/performance.md), to measure them on the
-- benchmark's database: the same rules, without SET search_path (every name in them is
-- qualified, and they grant nothing: they run as the caller), so that the planner inlines
-- them into each statement and its policies instead of planning three nested SQL functions
-- again at every execution. Undo: the definitions in schema/002_access.sql, or
-- KURA_BENCH_FRESH=1 make bench.
CREATE OR REPLACE FUNCTION kura.current_user_id() RETURNS bigint
	LANGUAGE sql STABLE
	AS $$ SELECT nullif(pg_catalog.current_setting('kura.user_id', true), '')::bigint $$;

CREATE OR REPLACE FUNCTION kura.actor_id() RETURNS bigint
	LANGUAGE sql STABLE
	AS $$
	SELECT u.id FROM kura.users u
	WHERE u.id OPERATOR(pg_catalog.=) nullif(pg_catalog.current_setting('kura.user_id', true), '')::bigint
	  AND u.disabled_at IS NULL
	  AND pg_catalog.current_setting('role') OPERATOR(pg_catalog.=) ('kura_' OPERATOR(pg_catalog.||) u.role)
	$$;

CREATE OR REPLACE FUNCTION kura.has_right(p text) RETURNS boolean
	LANGUAGE sql STABLE
	AS $$
	SELECT EXISTS (
		SELECT FROM kura.users u
		JOIN kura.role_segment_permissions rsp ON rsp.role OPERATOR(pg_catalog.=) u.role
		JOIN kura.permissions perm ON perm.name OPERATOR(pg_catalog.=) rsp.permission
		WHERE u.id OPERATOR(pg_catalog.=) nullif(pg_catalog.current_setting('kura.user_id', true), '')::bigint
		  AND u.disabled_at IS NULL
		  AND pg_catalog.current_setting('role') OPERATOR(pg_catalog.=) ('kura_' OPERATOR(pg_catalog.||) u.role)
		  AND pg_catalog.current_setting('kura.segment', true) OPERATOR(pg_catalog.=) rsp.segment
		  AND rsp.permission OPERATOR(pg_catalog.=) p
		  AND NOT (u.temporary AND perm.employees_only))
	$$;
