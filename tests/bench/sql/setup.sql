-- Sessions for the pgbench scripts of this directory: one per pgbench client, of the first
-- operator, token hash sha256('bench-N'). Run as the database owner (bench.sh does).
DELETE FROM kura.sessions WHERE peer = 'pgbench';
INSERT INTO kura.sessions (token_hash, user_id, segment, peer)
SELECT sha256(convert_to('bench-' || n, 'UTF8')), u.id, 'call-centre', 'pgbench'
FROM generate_series(0, 63) n,
	(SELECT id FROM kura.users WHERE role = 'operator' AND NOT temporary ORDER BY id LIMIT 1) u;

-- A prototype of the proposed touch (docs/performance.md): the session's row is written only
-- when last_seen is a minute old, so that most reads write no row but their audit row. Made
-- here, in the benchmark's database only, for whoami-proposed and get-proposed.
CREATE OR REPLACE FUNCTION kura.bench_session_touch(p_hash bytea, p_segment text,
		p_idle double precision, p_absolute double precision)
	RETURNS TABLE (session_id bigint, user_id bigint, login text, display_name text, role text,
		temporary boolean, rights text)
	LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = ''
	AS $$
	WITH live AS (
		SELECT s.id, s.last_seen, u.id AS uid, u.login, u.display_name, u.role, u.temporary,
			s.segment
		FROM kura.sessions s JOIN kura.users u ON u.id = s.user_id
		WHERE s.token_hash = p_hash AND s.segment = p_segment AND u.disabled_at IS NULL
		  AND s.last_seen > now() - make_interval(secs => p_idle)
		  AND s.created_at > now() - make_interval(secs => p_absolute)),
	touched AS (
		UPDATE kura.sessions s SET last_seen = now() FROM live
		WHERE s.id = live.id AND live.last_seen < now() - interval '60 seconds')
	SELECT live.id, live.uid, live.login, live.display_name, live.role, live.temporary,
		kura.rights_of(live.role, live.segment, live.temporary)
	FROM live
	$$;
REVOKE ALL ON FUNCTION kura.bench_session_touch(bytea, text, double precision,
	double precision) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION kura.bench_session_touch(bytea, text, double precision,
	double precision) TO kura_app;
