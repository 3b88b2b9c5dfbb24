-- Change events and account administration.
-- Events: triggers NOTIFY channel kura_events with "topic id version"; every kurad LISTENs
-- and publishes {topic, id, version} to its clients, who refetch under their own rights.
-- Events never carry content.

CREATE FUNCTION kura.notify_session_end() RETURNS trigger
	LANGUAGE plpgsql SET search_path = ''
	AS $$
BEGIN
	PERFORM pg_catalog.pg_notify('kura_events', 'session ' || OLD.id || ' 0');
	RETURN NULL;
END $$;
CREATE TRIGGER sessions_end AFTER DELETE ON kura.sessions
	FOR EACH ROW EXECUTE FUNCTION kura.notify_session_end();

CREATE FUNCTION kura.notify_case() RETURNS trigger
	LANGUAGE plpgsql SET search_path = ''
	AS $$
BEGIN
	PERFORM pg_catalog.pg_notify('kura_events', 'case ' || NEW.receipt || ' ' || NEW.version);
	RETURN NULL;
END $$;
CREATE TRIGGER cases_changed AFTER INSERT OR UPDATE ON kura.cases
	FOR EACH ROW EXECUTE FUNCTION kura.notify_case();

-- Administration through functions that check user.admin themselves: the acting roles have
-- no privileges on users or sessions. Disabling a user or changing their role ends every
-- session of theirs in the same transaction (seed 004: IDs of people who move or leave are
-- changed or removed at once).
CREATE FUNCTION kura.admin_check() RETURNS void
	LANGUAGE plpgsql STABLE SET search_path = ''
	AS $$
BEGIN
	IF NOT kura.has_right('user.admin') THEN
		RAISE EXCEPTION 'user.admin required' USING ERRCODE = '42501';
	END IF;
END $$;

CREATE FUNCTION kura.admin_sessions()
	RETURNS TABLE (id bigint, login text, role text, segment text, peer text,
		created_at timestamptz, last_seen timestamptz)
	LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = ''
	AS $$
BEGIN
	PERFORM kura.admin_check();
	RETURN QUERY SELECT s.id, u.login, u.role, s.segment, s.peer, s.created_at, s.last_seen
		FROM kura.sessions s JOIN kura.users u ON u.id = s.user_id ORDER BY s.id;
END $$;

CREATE FUNCTION kura.admin_session_kill(p_session bigint) RETURNS boolean
	LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = ''
	AS $$
BEGIN
	PERFORM kura.admin_check();
	DELETE FROM kura.sessions WHERE id = p_session;
	RETURN FOUND;
END $$;

CREATE FUNCTION kura.admin_users()
	RETURNS TABLE (login text, display_name text, role text, temporary boolean,
		disabled boolean, sessions bigint)
	LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = ''
	AS $$
BEGIN
	PERFORM kura.admin_check();
	RETURN QUERY SELECT u.login, u.display_name, u.role, u.temporary, u.disabled_at IS NOT NULL,
		(SELECT count(*) FROM kura.sessions s WHERE s.user_id = u.id)
		FROM kura.users u ORDER BY u.login;
END $$;

-- Returns the number of sessions ended, or NULL when there is no such user.
CREATE FUNCTION kura.admin_user_disable(p_login text) RETURNS bigint
	LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = ''
	AS $$
DECLARE
	uid bigint;
	n bigint;
BEGIN
	PERFORM kura.admin_check();
	UPDATE kura.users SET disabled_at = coalesce(disabled_at, now()) WHERE login = p_login
		RETURNING id INTO uid;
	IF uid IS NULL THEN
		RETURN NULL;
	END IF;
	WITH d AS (DELETE FROM kura.sessions WHERE user_id = uid RETURNING 1)
	SELECT count(*) INTO n FROM d;
	RETURN n;
END $$;

CREATE FUNCTION kura.admin_user_set_role(p_login text, p_role text) RETURNS bigint
	LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = ''
	AS $$
DECLARE
	uid bigint;
	n bigint;
BEGIN
	PERFORM kura.admin_check();
	UPDATE kura.users SET role = p_role WHERE login = p_login RETURNING id INTO uid;
	IF uid IS NULL THEN
		RETURN NULL;
	END IF;
	WITH d AS (DELETE FROM kura.sessions WHERE user_id = uid RETURNING 1)
	SELECT count(*) INTO n FROM d;
	RETURN n;
END $$;

REVOKE ALL ON FUNCTION kura.admin_check(), kura.admin_sessions(),
	kura.admin_session_kill(bigint), kura.admin_users(), kura.admin_user_disable(text),
	kura.admin_user_set_role(text, text) FROM PUBLIC;
DO $$
DECLARE
	r text;
BEGIN
	FOR r IN SELECT 'kura_' || name FROM kura.roles LOOP
		EXECUTE format('GRANT EXECUTE ON FUNCTION kura.admin_check(), kura.admin_sessions(),'
			' kura.admin_session_kill(bigint), kura.admin_users(),'
			' kura.admin_user_disable(text), kura.admin_user_set_role(text, text) TO %I', r);
	END LOOP;
END $$;
