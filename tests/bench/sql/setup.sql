-- Sessions for the pgbench scripts of this directory: one per pgbench client, of the first
-- operator, token hash sha256('bench-N'). Run as the database owner (bench.sh does).
DELETE FROM kura.sessions WHERE peer = 'pgbench';
INSERT INTO kura.sessions (token_hash, user_id, segment, peer)
SELECT sha256(convert_to('bench-' || n, 'UTF8')), u.id, 'call-centre', 'pgbench'
FROM generate_series(0, 63) n,
	(SELECT id FROM kura.users WHERE role = 'operator' AND NOT temporary ORDER BY id LIMIT 1) u;
