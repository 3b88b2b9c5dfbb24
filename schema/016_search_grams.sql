-- Search's slowest terms (docs/performance.md, R14). Each bucket was asked for all the
-- term's bigrams, and GIN reads the postings of every key it is given before it intersects
-- them: a term found nowhere paid, in every bucket, for its common bigrams (なし, しの in
-- 該当なしの語: 0.9 ms a bucket where its two rare ones take 0.2). Now the index is asked for
-- the term's three rarest-looking bigrams (kanji first, then katakana, Latin and digits, kana
-- and punctuation last); LIKE checks the whole term as before, so the results are the same.

-- The bigrams of the lower-cased term t that the index is asked for: at most three.
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

-- As in 012_search.sql, with the bigrams above.
CREATE OR REPLACE FUNCTION kura.case_search(p_term text, p_pattern text, p_stage text, p_after bigint,
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
	grams constant text[] := kura.search_grams(pg_catalog.lower(p_term));
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
