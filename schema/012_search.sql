-- Free-text search of case.list (docs/performance.md, R3): the searchable text of every case
-- in one row, kept by triggers, under an index that holds Japanese terms of two characters.
-- pg_trgm needs three characters to use an index, and a family name (中村) or a symptom (異音)
-- often has two; so the index is of bigrams: every two characters of the lower-cased text.
-- A term's bigrams must all be in a row's, then LIKE checks the term itself. The customer's
-- name and phone are in a table of their own, readable as kura.case_customers is: with
-- pii.read only.

-- The index keys of text t (lower-cased by the caller) in bucket b: every two characters of
-- it, each after the number of its bucket, a range of 16384 case ids (case_id / 16384). So
-- that the index can be asked for a term's cases bucket by bucket, newest first, and stop
-- after a page: without buckets it returns every case of a common term, in no order, for the
-- newest 50 (a stock phrase of the notes: 56 858 cases, 0.2 s of index and 1 s of rows).
-- The bucket is digits and a bigram two characters: no two keys mean the same. Duplicates
-- are left in (the index keeps each key once); qualified names and no SET clause: it is
-- called once per row indexed.
CREATE FUNCTION kura.search_keys(b bigint, t text) RETURNS text[]
	LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
	AS $$
	SELECT ARRAY(SELECT b::text || pg_catalog.substr(t, i, 2)
		FROM pg_catalog.generate_series(1, pg_catalog.char_length(t) - 1) i)
	$$;

-- Receipt, medium and every note of a case, lower-cased, one per line: a search term is a
-- single line (kurad refuses others), so it never matches across two fields, as ILIKE on
-- each field did.
CREATE TABLE kura.case_search (
	case_id bigint PRIMARY KEY,
	txt     text NOT NULL
);
-- The customer's name and phone, lower-cased, one per line.
CREATE TABLE kura.case_search_pii (
	case_id bigint PRIMARY KEY,
	txt     text NOT NULL
);

-- The rows of the cases with ids p_first to p_last, from their sources: for the triggers, the
-- fill below and kuractl demo seed (which drops the notes' index: the notes are grouped in
-- one pass, not looked up case by case).
CREATE FUNCTION kura.case_search_rows(p_first bigint, p_last bigint)
	RETURNS TABLE (case_id bigint, txt text)
	LANGUAGE sql STABLE
	AS $$
	SELECT c.id, pg_catalog.lower(c.receipt || E'\n' || c.medium || coalesce(n.txt, ''))
	FROM kura.cases c
	LEFT JOIN (SELECT n.case_id, pg_catalog.string_agg(E'\n' || n.body, '' ORDER BY n.id) AS txt
		FROM kura.case_notes n WHERE n.case_id BETWEEN p_first AND p_last
		GROUP BY n.case_id) n ON n.case_id = c.id
	WHERE c.id BETWEEN p_first AND p_last
	$$;
CREATE FUNCTION kura.case_search_pii_rows(p_first bigint, p_last bigint)
	RETURNS TABLE (case_id bigint, txt text)
	LANGUAGE sql STABLE
	AS $$
	SELECT cu.case_id, pg_catalog.lower(cu.name || E'\n' || coalesce(cu.phone, ''))
	FROM kura.case_customers cu WHERE cu.case_id BETWEEN p_first AND p_last
	$$;
REVOKE ALL ON FUNCTION kura.case_search_rows(bigint, bigint),
	kura.case_search_pii_rows(bigint, bigint) FROM PUBLIC;

SET maintenance_work_mem = '1GB';
INSERT INTO kura.case_search SELECT * FROM kura.case_search_rows(0, 9223372036854775807)
	ORDER BY 1;
INSERT INTO kura.case_search_pii SELECT * FROM kura.case_search_pii_rows(0, 9223372036854775807)
	ORDER BY 1;
-- fastupdate off: no search reads a pending list, and no write pays for flushing one.
CREATE INDEX case_search_keys ON kura.case_search
	USING gin (kura.search_keys(case_id / 16384, txt)) WITH (fastupdate = off);
CREATE INDEX case_search_pii_keys ON kura.case_search_pii
	USING gin (kura.search_keys(case_id / 16384, txt)) WITH (fastupdate = off);
ALTER TABLE kura.case_search ADD FOREIGN KEY (case_id) REFERENCES kura.cases;
ALTER TABLE kura.case_search_pii ADD FOREIGN KEY (case_id) REFERENCES kura.cases;
ANALYZE kura.case_search, kura.case_search_pii;
RESET maintenance_work_mem;

-- The triggers: a case's rows made anew from its sources whenever one of them changes. As
-- the owner, who reads every row: the search must see all of a case whoever wrote it. The
-- row is locked first, and the text read by the next statement, with a snapshot taken after
-- the lock: two notes added to a case at once both end up in it.
CREATE FUNCTION kura.case_search_put(p_case bigint) RETURNS void
	LANGUAGE sql SECURITY DEFINER SET search_path = ''
	AS $$
	SELECT FROM kura.case_search s WHERE s.case_id = p_case FOR UPDATE;
	INSERT INTO kura.case_search AS s SELECT * FROM kura.case_search_rows(p_case, p_case)
	ON CONFLICT (case_id) DO UPDATE SET txt = excluded.txt WHERE s.txt <> excluded.txt;
	$$;
CREATE FUNCTION kura.case_search_pii_put(p_case bigint) RETURNS void
	LANGUAGE sql SECURITY DEFINER SET search_path = ''
	AS $$
	DELETE FROM kura.case_search_pii s WHERE s.case_id = p_case
	  AND NOT EXISTS (SELECT FROM kura.case_customers cu WHERE cu.case_id = p_case);
	INSERT INTO kura.case_search_pii AS s SELECT * FROM kura.case_search_pii_rows(p_case, p_case)
	ON CONFLICT (case_id) DO UPDATE SET txt = excluded.txt WHERE s.txt <> excluded.txt;
	$$;
REVOKE ALL ON FUNCTION kura.case_search_put(bigint), kura.case_search_pii_put(bigint)
	FROM PUBLIC;

CREATE FUNCTION kura.case_search_changed() RETURNS trigger
	LANGUAGE plpgsql SECURITY DEFINER SET search_path = ''
	AS $$
BEGIN
	IF TG_TABLE_NAME = 'cases' THEN
		PERFORM kura.case_search_put(NEW.id);
	ELSIF TG_TABLE_NAME = 'case_notes' THEN
		IF TG_OP <> 'DELETE' THEN
			PERFORM kura.case_search_put(NEW.case_id);
		END IF;
		IF TG_OP = 'DELETE' OR (TG_OP = 'UPDATE' AND OLD.case_id <> NEW.case_id) THEN
			PERFORM kura.case_search_put(OLD.case_id);
		END IF;
	ELSE
		IF TG_OP <> 'DELETE' THEN
			PERFORM kura.case_search_pii_put(NEW.case_id);
		END IF;
		IF TG_OP = 'DELETE' OR (TG_OP = 'UPDATE' AND OLD.case_id <> NEW.case_id) THEN
			PERFORM kura.case_search_pii_put(OLD.case_id);
		END IF;
	END IF;
	RETURN NULL;
END $$;
REVOKE ALL ON FUNCTION kura.case_search_changed() FROM PUBLIC;
CREATE TRIGGER cases_search AFTER INSERT OR UPDATE OF receipt, medium ON kura.cases
	FOR EACH ROW EXECUTE FUNCTION kura.case_search_changed();
CREATE TRIGGER case_notes_search AFTER INSERT OR UPDATE OF case_id, body OR DELETE
	ON kura.case_notes FOR EACH ROW EXECUTE FUNCTION kura.case_search_changed();
CREATE TRIGGER case_customers_search AFTER INSERT OR UPDATE OF case_id, name, phone OR DELETE
	ON kura.case_customers FOR EACH ROW EXECUTE FUNCTION kura.case_search_changed();

-- Read as the sources are: the case's text with case.read, the customer's with pii.read (RLS
-- on the segment, and no privilege at all for a role that holds pii.read nowhere, which
-- kura.sync_pii_grants() below keeps as it keeps kura.case_customers). kura_app alone reads
-- both as empty.
ALTER TABLE kura.case_search ENABLE ROW LEVEL SECURITY;
CREATE POLICY case_search_read ON kura.case_search FOR SELECT
	USING ((SELECT kura.has_right('case.read')));
ALTER TABLE kura.case_search_pii ENABLE ROW LEVEL SECURITY;
CREATE POLICY case_search_pii_read ON kura.case_search_pii FOR SELECT
	USING ((SELECT kura.has_right('pii.read')));
DO $$
DECLARE
	r text;
BEGIN
	FOR r IN SELECT 'kura_' || name FROM kura.roles LOOP
		EXECUTE format('GRANT SELECT ON kura.case_search TO %I', r);
	END LOOP;
END $$;
GRANT SELECT ON kura.case_search, kura.case_search_pii TO kura_app;

-- The cases of [p_lo, p_hi) that hold the term, newest first, at most p_limit: read by id.
CREATE FUNCTION kura.case_search_walk(p_pattern text, p_stage text, p_pii boolean, p_lo bigint,
		p_hi bigint, p_limit int) RETURNS bigint[]
	LANGUAGE sql STABLE
	AS $$
	SELECT ARRAY(
		SELECT s.case_id FROM kura.case_search s
		LEFT JOIN kura.case_search_pii p ON p_pii AND p.case_id = s.case_id
		WHERE s.case_id >= p_lo AND s.case_id < p_hi
		  AND (s.txt LIKE p_pattern OR p.txt LIKE p_pattern)
		  AND (p_stage IS NULL
		       OR EXISTS (SELECT FROM kura.cases c WHERE c.id = s.case_id AND c.stage = p_stage))
		ORDER BY s.case_id DESC LIMIT p_limit)
	$$;
REVOKE ALL ON FUNCTION kura.case_search_walk(text, text, boolean, bigint, bigint, int)
	FROM PUBLIC;

-- Each bucket is asked for the term's three rarest-looking bigrams, not all of them: GIN
-- reads the postings of every key it is given before it intersects them, so a term found
-- nowhere paid, in every bucket, for its common bigrams (なし, しの in 該当なしの語: 0.9 ms a
-- bucket where its two rare ones take 0.2). LIKE checks the whole term.

-- The bigrams of the lower-cased term t that the index is asked for: at most three, kanji
-- first, then katakana, Latin and digits, kana and punctuation last.
CREATE FUNCTION kura.search_grams(t text) RETURNS text[]
	LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
	AS $$
	SELECT ARRAY(
		SELECT x.g FROM (SELECT DISTINCT pg_catalog.substr(t, i, 2) AS g
			FROM pg_catalog.generate_series(1, pg_catalog.char_length(t) - 1) i) x
		ORDER BY (SELECT pg_catalog.sum(CASE
				WHEN c ~ '[一-鿿]' THEN 3
				WHEN c ~ '[ァ-ヿ]' THEN 2
				WHEN c ~ '[ぁ-ゟ[:space:][:punct:]]' THEN 0
				ELSE 1 END)
			FROM pg_catalog.regexp_split_to_table(x.g, '') c) DESC, x.g
		LIMIT 3)
	$$;

-- The index keys of those bigrams in bucket b (as kura.search_keys() makes them).
CREATE FUNCTION kura.search_gram_keys(b bigint, grams text[]) RETURNS text[]
	LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
	AS $$ SELECT ARRAY(SELECT b::text || g FROM pg_catalog.unnest(grams) g) $$;

-- The search itself, for case.list: the ids of the page of cases, newest first, below p_after
-- (NULL: from the newest), at stage p_stage (NULL: any), whose receipt, medium or a note holds
-- the term (and with p_pii and pii.read, the customer's name or phone). p_term is the user's
-- term, p_pattern the same as a LIKE pattern ('%term%', with % _ \ escaped).
--
-- A function, as the owner, because the index cannot be used under row-level security: an
-- index condition on a table with a policy must be leakproof, and neither search_keys() nor
-- @> on arrays are (only a superuser can say so). It checks the rights the policies would
-- (case.read, pii.read on the acting segment), and the statement around it reads the cases
-- under their policies.
--
-- The newest 1000 cases are read by id first (a term in every tenth case fills its page
-- there); below them the index, bucket by bucket, each bucket's matches checked with LIKE and
-- sorted, until the page is full. A term of one character has no bigram: read by id.
CREATE FUNCTION kura.case_search(p_term text, p_pattern text, p_stage text, p_after bigint,
		p_limit int, p_pii boolean) RETURNS bigint[]
	LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = ''
	-- Its queries planned for the term at hand (a generic plan knows no keys to look up), and
	-- not compiled: the bucket loop looks costly to the planner, and compiling it took longer
	-- than running it (tens of milliseconds).
	SET plan_cache_mode = force_custom_plan SET jit = off
	AS $$
DECLARE
	pii constant boolean := p_pii AND kura.has_right('pii.read');
	pat constant text := pg_catalog.lower(p_pattern);
	term constant text := pg_catalog.lower(p_term);
	grams constant text[] := kura.search_grams(term);
	hi bigint; -- the page is below hi
	lo bigint; -- and below lo once the newest have been read
	ids bigint[];
BEGIN
	IF NOT kura.has_right('case.read') THEN
		RETURN '{}';
	END IF;
	hi := coalesce(p_after, (SELECT max(c.id) + 1 FROM kura.cases c));
	lo := CASE WHEN pg_catalog.char_length(term) < 2 THEN 0 ELSE hi - 1000 END;
	ids := kura.case_search_walk(pat, p_stage, pii, lo, hi, p_limit);
	IF cardinality(ids) = p_limit OR lo <= 0 THEN
		RETURN ids;
	END IF;
	RETURN ids || ARRAY(
		SELECT x.id FROM pg_catalog.generate_series((lo - 1) / 16384, 0, -1) b
		CROSS JOIN LATERAL (
			SELECT DISTINCT m.id FROM (
				SELECT s.case_id AS id FROM kura.case_search s
				WHERE kura.search_keys(s.case_id / 16384, s.txt) @> kura.search_gram_keys(b, grams)
				  AND s.case_id < lo AND s.txt LIKE pat
				UNION ALL
				SELECT p.case_id FROM kura.case_search_pii p
				WHERE pii
				  AND kura.search_keys(p.case_id / 16384, p.txt) @> kura.search_gram_keys(b, grams)
				  AND p.case_id < lo AND p.txt LIKE pat) m
			WHERE p_stage IS NULL
			   OR EXISTS (SELECT FROM kura.cases c WHERE c.id = m.id AND c.stage = p_stage)
			ORDER BY m.id DESC) x
		LIMIT p_limit - cardinality(ids));
END $$;
REVOKE ALL ON FUNCTION kura.case_search(text, text, text, bigint, int, boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION kura.case_search(text, text, text, bigint, int, boolean) TO kura_app;
DO $$
DECLARE
	r text;
BEGIN
	FOR r IN SELECT 'kura_' || name FROM kura.roles LOOP
		EXECUTE format('GRANT EXECUTE ON FUNCTION kura.case_search(text, text, text, bigint, int,'
			' boolean) TO %I', r);
	END LOOP;
END $$;

CREATE OR REPLACE FUNCTION kura.sync_pii_grants() RETURNS void
	LANGUAGE plpgsql SECURITY DEFINER SET search_path = ''
	AS $$
DECLARE
	r record;
BEGIN
	FOR r IN SELECT ro.name, EXISTS (SELECT FROM kura.role_segment_permissions p
			WHERE p.role = ro.name AND p.permission = 'pii.read') AS pii
		 FROM kura.roles ro LOOP
		IF r.pii THEN
			EXECUTE format('GRANT SELECT ON kura.case_customers, kura.case_search_pii TO %I',
				'kura_' || r.name);
		ELSE
			EXECUTE format('REVOKE SELECT ON kura.case_customers, kura.case_search_pii FROM %I',
				'kura_' || r.name);
		END IF;
	END LOOP;
END $$;
SELECT kura.sync_pii_grants();
