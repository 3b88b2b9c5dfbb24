-- A prototype of the proposed free-text search (docs/performance.md), for measuring it on the
-- benchmark's database; the real one belongs in schema/ with triggers that keep it current.
-- Japanese search terms are often two characters (a family name, 異音), too short for
-- pg_trgm's trigrams, so the index is of bigrams: every two characters of the lower-cased
-- text, as a text[] under a GIN index; a term's bigrams must all be there, then LIKE checks
-- the term itself. Personal data has a column of its own, searched only with pii.read.
CREATE OR REPLACE FUNCTION kura.bench_bigrams(t text) RETURNS text[]
	LANGUAGE sql IMMUTABLE PARALLEL SAFE
	AS $$
	SELECT coalesce(array_agg(DISTINCT substr(l, i, 2)), '{}')
	FROM (SELECT lower(coalesce(t, '')) AS l) x,
		generate_series(1, greatest(char_length(x.l) - 1, 0)) i
	$$;

DROP TABLE IF EXISTS kura.bench_case_search;
CREATE TABLE kura.bench_case_search (
	case_id  bigint PRIMARY KEY,
	txt      text NOT NULL, -- receipt, medium, notes
	pii      text NOT NULL, -- customer name and phone
	grams    text[] NOT NULL,
	pii_grams text[] NOT NULL
);
SET maintenance_work_mem = '1GB';
INSERT INTO kura.bench_case_search
SELECT c.id, t.txt, p.pii, kura.bench_bigrams(t.txt), kura.bench_bigrams(p.pii)
FROM kura.cases c
LEFT JOIN kura.case_customers cu ON cu.case_id = c.id
CROSS JOIN LATERAL (SELECT lower(c.receipt || ' ' || c.medium || ' ' || coalesce(
	(SELECT string_agg(n.body, ' ') FROM kura.case_notes n WHERE n.case_id = c.id), ''))
	AS txt) t
CROSS JOIN LATERAL (SELECT lower(coalesce(cu.name, '') || ' ' || coalesce(cu.phone, '')) AS pii) p;
CREATE INDEX bench_case_search_grams ON kura.bench_case_search USING gin (grams);
CREATE INDEX bench_case_search_pii_grams ON kura.bench_case_search USING gin (pii_grams);
ANALYZE kura.bench_case_search;
GRANT SELECT ON kura.bench_case_search TO kura_operator, kura_technician, kura_shipping,
	kura_manager, kura_auditor, kura_admin;
