-- Stored replies are kept a week (docs/protocol.md, docs/performance.md R9). A client resends
-- a write within seconds or minutes of sending it; kept for ever, the stored replies grew by
-- a row a write (ten million after a million cases) under an index every write inserts into.
CREATE INDEX request_replies_at_idx ON kura.request_replies (at);

-- Removes up to p_max stored replies older than p_keep_days, oldest first; returns how many.
-- kurad's sealer runs it (server/sealer.c), as the owner: no application role may delete a
-- stored reply.
CREATE FUNCTION kura.reply_expire(p_keep_days int, p_max int) RETURNS int
	LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = ''
	AS $$
DECLARE
	n int;
BEGIN
	IF p_keep_days IS NULL OR p_keep_days < 1 OR p_max IS NULL OR p_max < 1 THEN
		RAISE EXCEPTION 'kura: keep at least a day, remove at least one' USING ERRCODE = '22023';
	END IF;
	DELETE FROM kura.request_replies WHERE request_id = ANY (ARRAY(
		SELECT r.request_id FROM kura.request_replies r
		WHERE r.at < now() - make_interval(days => p_keep_days)
		ORDER BY r.at LIMIT p_max));
	GET DIAGNOSTICS n = ROW_COUNT;
	RETURN n;
END $$;
REVOKE ALL ON FUNCTION kura.reply_expire(int, int) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION kura.reply_expire(int, int) TO kura_app;
