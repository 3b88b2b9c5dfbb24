-- Login protection: failed sign-ins are counted per account and per peer address, and a
-- growing delay (then a hard hourly cap) refuses further tries. Keys are SHA-256 of the
-- login name or address, so a password typed into the user field is never stored.

CREATE TABLE kura.login_failures (
	key      bytea PRIMARY KEY CHECK (length(key) = 32),
	failures int NOT NULL,
	first_at timestamptz NOT NULL, -- start of the counting window (one hour)
	last_at  timestamptz NOT NULL
);

-- Seconds to wait before key may try again: after `free` failures the wait doubles with
-- each failure up to max_wait; `cap` failures in an hour block until the hour is over.
CREATE FUNCTION kura.login_wait_one(p_key bytea, p_free int, p_cap int, p_max_wait int)
	RETURNS int
	LANGUAGE sql STABLE SECURITY DEFINER SET search_path = ''
	AS $$
	SELECT coalesce(max(GREATEST(0, ceil(extract(epoch FROM CASE
		WHEN f.failures >= p_cap THEN f.first_at + interval '1 hour' - now()
		WHEN f.failures >= p_free THEN f.last_at + make_interval(secs =>
			least(p_max_wait, 2 ^ (f.failures - p_free))) - now()
		ELSE interval '0' END)))::int), 0)
	FROM kura.login_failures f
	WHERE f.key = p_key AND f.first_at > now() - interval '1 hour'
	$$;

-- At most 100 tries an hour per account, waits from the 4th failure on. A peer address is
-- looser: a call centre's operators share the terminal host's address.
CREATE FUNCTION kura.login_wait(p_user_key bytea, p_peer_key bytea) RETURNS int
	LANGUAGE sql STABLE SECURITY DEFINER SET search_path = ''
	AS $$
	SELECT GREATEST(kura.login_wait_one(p_user_key, 3, 100, 300),
			kura.login_wait_one(p_peer_key, 30, 1000, 60))
	$$;

CREATE FUNCTION kura.login_failed(p_user_key bytea, p_peer_key bytea) RETURNS void
	LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = ''
	AS $$
	INSERT INTO kura.login_failures AS f (key, failures, first_at, last_at)
	SELECT k, 1, now(), now() FROM unnest(ARRAY[p_user_key, p_peer_key]) AS k
	ON CONFLICT (key) DO UPDATE SET
		failures = CASE WHEN f.first_at > now() - interval '1 hour'
			THEN f.failures + 1 ELSE 1 END,
		first_at = CASE WHEN f.first_at > now() - interval '1 hour'
			THEN f.first_at ELSE now() END,
		last_at = now()
	$$;

CREATE FUNCTION kura.login_succeeded(p_user_key bytea) RETURNS void
	LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = ''
	AS $$ DELETE FROM kura.login_failures WHERE key = p_user_key $$;

REVOKE ALL ON FUNCTION kura.login_wait_one(bytea, int, int, int), kura.login_wait(bytea, bytea),
	kura.login_failed(bytea, bytea), kura.login_succeeded(bytea) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION kura.login_wait(bytea, bytea), kura.login_failed(bytea, bytea),
	kura.login_succeeded(bytea) TO kura_app;
