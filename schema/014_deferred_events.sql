-- Change events without serialising kurad's commits (docs/performance.md, R8). A transaction
-- that has called pg_notify takes one database-wide lock at commit and holds it while its
-- commit record is flushed: every writing request committed one after another. Now the
-- triggers hand their events to kura.event(): on kurad's connections (kura.defer_events on)
-- it collects them in the transaction's setting kura.events, which kurad reads with the
-- request's audit row and notifies after the commit, in a transaction of their own that
-- waits for no flush. Every other writer (kuractl, psql) notifies at once as before.
-- Listeners hear the same "topic id version" payloads either way (schema/005).

CREATE FUNCTION kura.event(p text) RETURNS void
	LANGUAGE plpgsql SET search_path = ''
	AS $$
DECLARE
	pending text := COALESCE(pg_catalog.current_setting('kura.events', true), '');
BEGIN
	IF pg_catalog.current_setting('kura.defer_events', true) IS DISTINCT FROM 'on' THEN
		PERFORM pg_catalog.pg_notify('kura_events', p);
	ELSIF pg_catalog.strpos(E'\n' || pending, E'\n' || p || E'\n') = 0 THEN
		-- One line per event, each once, as NOTIFY folds repeats within a transaction.
		PERFORM pg_catalog.set_config('kura.events', pending || p || E'\n', true);
	END IF;
END $$;

CREATE OR REPLACE FUNCTION kura.notify_session_end() RETURNS trigger
	LANGUAGE plpgsql SET search_path = ''
	AS $$
BEGIN
	PERFORM kura.event('session ' || OLD.id || ' 0');
	RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION kura.notify_case() RETURNS trigger
	LANGUAGE plpgsql SET search_path = ''
	AS $$
BEGIN
	PERFORM kura.event('case ' || NEW.receipt || ' ' || NEW.version);
	RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION kura.notify_note() RETURNS trigger
	LANGUAGE plpgsql SET search_path = ''
	AS $$
BEGIN
	PERFORM kura.event('note ' ||
		(SELECT receipt FROM kura.cases WHERE id = NEW.case_id) || ' ' || NEW.id);
	RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION kura.notify_case_part() RETURNS trigger
	LANGUAGE plpgsql SET search_path = ''
	AS $$
BEGIN
	PERFORM kura.event('case ' || c.receipt || ' ' || c.version)
	FROM kura.cases c WHERE c.id = NEW.case_id;
	RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION kura.notify_incident() RETURNS trigger
	LANGUAGE plpgsql SET search_path = ''
	AS $$
BEGIN
	PERFORM kura.event('incident ' || NEW.id || ' ' || NEW.version);
	RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION kura.notify_register() RETURNS trigger
	LANGUAGE plpgsql SET search_path = ''
	AS $$
BEGIN
	PERFORM kura.event(TG_ARGV[0] || ' ' || NEW.id || ' ' || NEW.version);
	RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION kura.notify_risk_matrix() RETURNS trigger
	LANGUAGE plpgsql SET search_path = ''
	AS $$
BEGIN
	PERFORM kura.event('risk_matrix 0 0');
	RETURN NULL;
END $$;
