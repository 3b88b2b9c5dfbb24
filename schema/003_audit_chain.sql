-- The audit log's hash chain (docs/audit.md): every row gets seq, prev_hash and hash from the
-- sealer, shortly after its transaction commits, in the order rows become visible. Requests
-- only ever INSERT unsealed rows, so they never wait on one another for the chain.

ALTER TABLE kura.audit_log
	ADD COLUMN seq bigint UNIQUE,
	ADD COLUMN prev_hash bytea CHECK (length(prev_hash) = 32),
	ADD COLUMN hash bytea CHECK (length(hash) = 32);
-- The sealer's work list: small, because rows leave it within a second.
CREATE INDEX audit_log_unsealed_idx ON kura.audit_log (id) WHERE seq IS NULL;

-- The canonical bytes of a row as chained with sequence number p_seq: each field in this
-- order as a 4-byte big-endian length and its bytes, or ffffffff for NULL. Numbers are
-- decimal text, at is 'YYYY-MM-DDTHH:MM:SS.ffffffZ' in UTC, text is UTF-8, request_id raw.
-- kuractl audit verify computes the same bytes in C; docs/audit.md describes them.
-- No SET search_path on these two, so that the planner inlines them into audit_seal (whose
-- search_path is empty): a SET makes every call save and restore settings, forty times
-- slower. They grant nothing, and every name in them is qualified.
CREATE FUNCTION kura.audit_field(v bytea) RETURNS bytea
	LANGUAGE sql IMMUTABLE
	AS $$
	SELECT CASE WHEN v IS NULL THEN '\xffffffff'::bytea
		ELSE pg_catalog.int4send(pg_catalog.length(v)) || v END
	$$;

CREATE FUNCTION kura.audit_record(a kura.audit_log, p_seq bigint) RETURNS bytea
	LANGUAGE sql STABLE
	AS $$
	SELECT kura.audit_field(pg_catalog.convert_to(p_seq::text, 'UTF8'))
		|| kura.audit_field(pg_catalog.convert_to(a.id::text, 'UTF8'))
		|| kura.audit_field(pg_catalog.convert_to(pg_catalog.to_char(a.at AT TIME ZONE 'UTC',
			'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'UTF8'))
		|| kura.audit_field(pg_catalog.convert_to(a.user_id::text, 'UTF8'))
		|| kura.audit_field(pg_catalog.convert_to(a.session_id::text, 'UTF8'))
		|| kura.audit_field(pg_catalog.convert_to(a.segment, 'UTF8'))
		|| kura.audit_field(pg_catalog.convert_to(a.peer, 'UTF8'))
		|| kura.audit_field(pg_catalog.convert_to(a.op, 'UTF8'))
		|| kura.audit_field(pg_catalog.convert_to(a.object, 'UTF8'))
		|| kura.audit_field(pg_catalog.convert_to(a.outcome, 'UTF8'))
		|| kura.audit_field(a.request_id)
	$$;

-- Seals up to max_rows of the unsealed rows visible now, oldest id first, continuing the
-- chain: hash = SHA-256(prev_hash || record), prev_hash of seq 1 = 32 zero bytes. Runs as
-- the owner so that no application role needs UPDATE on the audit log. Returns how many rows
-- it sealed. The transaction-level advisory lock makes concurrent calls take turns; it is
-- not the lock kurad instances elect their one sealer with.
CREATE FUNCTION kura.audit_seal(max_rows int) RETURNS int
	LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = ''
	AS $$
DECLARE
	last_seq bigint;
	last_hash bytea;
	r kura.audit_log;
	ids bigint[] := '{}';
	seqs bigint[] := '{}';
	prevs bytea[] := '{}';
	hashes bytea[] := '{}';
BEGIN
	IF max_rows IS NULL OR max_rows < 1 OR max_rows > 100000 THEN
		RAISE EXCEPTION 'max_rows must be 1 to 100000' USING ERRCODE = '22023';
	END IF;
	-- 'kurachan': taken before the snapshot of the statements below.
	PERFORM pg_catalog.pg_advisory_xact_lock(7743220896938615150);
	SELECT a.seq, a.hash INTO last_seq, last_hash
		FROM kura.audit_log a WHERE a.seq IS NOT NULL ORDER BY a.seq DESC LIMIT 1;
	IF last_seq IS NULL THEN
		last_seq := 0;
		last_hash := pg_catalog.decode(pg_catalog.repeat('00', 32), 'hex');
	END IF;
	FOR r IN SELECT * FROM kura.audit_log a WHERE a.seq IS NULL ORDER BY a.id LIMIT max_rows
	LOOP
		ids := ids || r.id;
		prevs := prevs || last_hash;
		last_seq := last_seq + 1;
		last_hash := pg_catalog.sha256(last_hash || kura.audit_record(r, last_seq));
		seqs := seqs || last_seq;
		hashes := hashes || last_hash;
	END LOOP;
	IF pg_catalog.cardinality(ids) > 0 THEN
		UPDATE kura.audit_log a SET seq = s.seq, prev_hash = s.prev_hash, hash = s.hash
			FROM unnest(ids, seqs, prevs, hashes) AS s(id, seq, prev_hash, hash)
			WHERE a.id = s.id;
	END IF;
	RETURN pg_catalog.cardinality(ids);
END $$;
REVOKE ALL ON FUNCTION kura.audit_seal(int) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION kura.audit_seal(int) TO kura_app;

-- Belt and braces, for everyone including the owner: a new row is unsealed, the only
-- change a row may see is being sealed once, and no row is deleted or truncated away. The
-- owner can still disable this trigger; the chain is what shows that it was.
CREATE FUNCTION kura.audit_log_guard() RETURNS trigger
	LANGUAGE plpgsql SET search_path = ''
	AS $$
BEGIN
	IF TG_OP = 'INSERT' THEN
		IF NEW.seq IS NOT NULL OR NEW.prev_hash IS NOT NULL OR NEW.hash IS NOT NULL THEN
			RAISE EXCEPTION 'kura.audit_log: new rows are unsealed; kura.audit_seal() chains them'
				USING ERRCODE = '42501';
		END IF;
		RETURN NEW;
	END IF;
	IF TG_OP = 'UPDATE' THEN
		IF OLD.seq IS NULL AND NEW.seq IS NOT NULL AND NEW.prev_hash IS NOT NULL
		   AND NEW.hash IS NOT NULL
		   AND (NEW.id, NEW.at, NEW.user_id, NEW.session_id, NEW.segment, NEW.peer, NEW.op,
			NEW.object, NEW.outcome, NEW.request_id)
		   IS NOT DISTINCT FROM (OLD.id, OLD.at, OLD.user_id, OLD.session_id, OLD.segment,
			OLD.peer, OLD.op, OLD.object, OLD.outcome, OLD.request_id) THEN
			RETURN NEW;
		END IF;
	END IF;
	RAISE EXCEPTION 'kura.audit_log is append-only: % refused', TG_OP USING ERRCODE = '42501';
END $$;
-- On INSERT the WHEN clause keeps the function out of every request's path.
CREATE TRIGGER audit_log_unsealed_insert BEFORE INSERT ON kura.audit_log
	FOR EACH ROW WHEN (NEW.seq IS NOT NULL OR NEW.prev_hash IS NOT NULL OR NEW.hash IS NOT NULL)
	EXECUTE FUNCTION kura.audit_log_guard();
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON kura.audit_log
	FOR EACH ROW EXECUTE FUNCTION kura.audit_log_guard();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON kura.audit_log
	FOR EACH STATEMENT EXECUTE FUNCTION kura.audit_log_guard();

-- Privileges: the application and acting roles may append the request's own columns only,
-- never the chain's, and have no UPDATE, DELETE or TRUNCATE at all.
DO $$
DECLARE
	r text;
BEGIN
	FOR r IN SELECT 'kura_app' UNION ALL SELECT 'kura_' || name FROM kura.roles LOOP
		EXECUTE format('REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON kura.audit_log FROM %I', r);
		EXECUTE format('GRANT INSERT (user_id, session_id, segment, peer, op, object, outcome,'
			' request_id) ON kura.audit_log TO %I', r);
	END LOOP;
END $$;
REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON kura.audit_log FROM PUBLIC;
