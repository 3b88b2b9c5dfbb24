-- The case sheet (現品票): stamps per stage, shelves and the custody ledger, analysis devices
-- bound one to one, work logs, approved documents, customer reply, shipping, retention and
-- erasure. docs/casesheet.md describes it; kura.case_stamp() is the one way a stage ends.
-- Errors raised here start with "kura: " and carry no user data: kurad passes them on.

INSERT INTO kura.permissions VALUES
	('rights.admin', 'may edit the rights table', true),
	('stamp.intake', 'may stamp the intake stage', false),
	('stamp.analysis', 'may stamp the analysis-start stage', false),
	('stamp.report', 'may stamp the investigation-report stage', false),
	('stamp.reply', 'may record the customer''s reply and stamp its stage', false),
	('stamp.recovery', 'may stamp the recovery-or-cancellation stage', false),
		-- employees only: confirming the return address needs reading it
	('stamp.shipping', 'may record the shipment and stamp its stage', true),
	('stamp.erasure', 'may stamp the erasure stage', false),
	('note.write', 'may add notes to a case', false),
	('worklog.read', 'may read analysis work logs', false),
	('worklog.write', 'may write analysis work logs', false),
	('document.issue', 'may issue reports, estimates and data lists', false),
	('document.approve', 'may approve documents issued by others', true),
	('custody.move', 'may move media between locations', false),
	('device.admin', 'may manage the registers of devices and locations', true);

INSERT INTO kura.role_segment_permissions (role, segment, permission)
SELECT r, s, p FROM (VALUES
	('operator', 'call-centre', 'stamp.intake'),
	('operator', 'call-centre', 'stamp.reply'),
	('operator', 'call-centre', 'note.write'),
	('technician', 'tech-centre', 'stamp.analysis'),
	('technician', 'tech-centre', 'stamp.report'),
	('technician', 'tech-centre', 'stamp.recovery'),
	('technician', 'tech-centre', 'stamp.erasure'),
	('technician', 'tech-centre', 'note.write'),
	('technician', 'tech-centre', 'worklog.read'),
	('technician', 'tech-centre', 'worklog.write'),
	('technician', 'tech-centre', 'document.issue'),
	('technician', 'tech-centre', 'custody.move'),
	('shipping', 'tech-centre', 'stamp.shipping'),
	('shipping', 'tech-centre', 'note.write'),
	('shipping', 'tech-centre', 'custody.move'),
	('manager', 'call-centre', 'note.write'),
	('manager', 'call-centre', 'document.approve'),
	('manager', 'tech-centre', 'note.write'),
	('manager', 'tech-centre', 'document.approve'),
	('manager', 'tech-centre', 'worklog.read'),
	('manager', 'management', 'document.approve'),
	
	('manager', 'management', 'device.admin'),
	('auditor', 'tech-centre', 'worklog.read'),
	('admin', 'call-centre', 'device.admin'),
	('admin', 'management', 'device.admin'),
	('admin', 'management', 'rights.admin')
) AS v(r, s, p);

-- Which right stamps each stage.
ALTER TABLE kura.stages ADD COLUMN stamp_right text REFERENCES kura.permissions;
UPDATE kura.stages SET stamp_right = 'stamp.' || name WHERE name <> 'closed';

-- ---- locations and the custody ledger ----
CREATE TABLE kura.locations (
	name     text PRIMARY KEY CHECK (name ~ '^[a-z][a-z0-9-]{1,31}$'),
	label    text NOT NULL CHECK (length(label) BETWEEN 1 AND 60),
	label_ja text NOT NULL DEFAULT '',
	held     boolean NOT NULL DEFAULT true -- media here are in the centre's custody
);
INSERT INTO kura.locations VALUES
	('intake-counter', 'Intake counter', '受付カウンター', true),
	('before-analysis', 'Before-analysis shelf', '初期解析前棚', true),
	('analysis-bench', 'Analysis bench', '解析台', true),
	('awaiting-shipment', 'Awaiting-shipment shelf', '発送待ち棚', true),
	('backup', 'Backup shelf', 'バックアップ棚', true),
	('shipped', 'Shipped', '発送済', false),
	('repair-centre', 'Repair centre', '修理センター', false),
	('erased', 'Erased', '消去済', false);

ALTER TABLE kura.case_items ADD COLUMN location text NOT NULL DEFAULT 'intake-counter'
	REFERENCES kura.locations;
ALTER TABLE kura.case_items ADD COLUMN location_since timestamptz NOT NULL DEFAULT now();
CREATE INDEX case_items_location_idx ON kura.case_items (location);

CREATE TABLE kura.custody_events (
	id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	case_id       bigint NOT NULL REFERENCES kura.cases,
	label         text NOT NULL REFERENCES kura.case_items (label),
	at            timestamptz NOT NULL DEFAULT now(),
	by_user       bigint NOT NULL REFERENCES kura.users,
	from_location text REFERENCES kura.locations,
	to_location   text NOT NULL REFERENCES kura.locations,
	reason        text NOT NULL
);
CREATE INDEX custody_events_case_idx ON kura.custody_events (case_id, id);

-- Every item's arrival is the first custody event.
CREATE FUNCTION kura.custody_received() RETURNS trigger
	LANGUAGE plpgsql SET search_path = ''
	AS $$
BEGIN
	INSERT INTO kura.custody_events (case_id, label, by_user, from_location, to_location, reason)
	VALUES (NEW.case_id, NEW.label, kura.actor_id(), NULL, NEW.location, 'received');
	RETURN NULL;
END $$;
CREATE TRIGGER case_items_received AFTER INSERT ON kura.case_items
	FOR EACH ROW EXECUTE FUNCTION kura.custody_received();

-- Moves items (one label, or every item of a case that is still held) to a location.
CREATE FUNCTION kura.custody_move(p_case bigint, p_label text, p_to text, p_reason text)
	RETURNS int
	LANGUAGE plpgsql SET search_path = ''
	AS $$
DECLARE
	n int;
BEGIN
	WITH moved AS (
		UPDATE kura.case_items i SET location = p_to, location_since = now()
		FROM kura.case_items old
		WHERE old.case_id = i.case_id AND old.seq = i.seq AND i.case_id = p_case
		  AND (p_label IS NULL OR i.label = p_label) AND i.location <> p_to
		  AND (p_label IS NOT NULL OR (SELECT held FROM kura.locations WHERE name = old.location))
		RETURNING i.case_id, i.label, old.location AS from_location)
	INSERT INTO kura.custody_events (case_id, label, by_user, from_location, to_location, reason)
	SELECT case_id, label, kura.actor_id(), from_location, p_to, p_reason FROM moved;
	GET DIAGNOSTICS n = ROW_COUNT;
	RETURN n;
END $$;

-- ---- devices, bound one to one ----
CREATE TABLE kura.devices (
	id         text PRIMARY KEY CHECK (id ~ '^[A-Z0-9][A-Z0-9-]{0,15}$'),
	label      text NOT NULL CHECK (length(label) BETWEEN 1 AND 60),
	kind       text NOT NULL CHECK (kind IN ('analysis', 'eraser')),
	active     boolean NOT NULL DEFAULT true,
	created_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO kura.devices (id, label, kind) VALUES
	('AN-01', 'Analysis station 1 (解析装置1)', 'analysis'),
	('AN-02', 'Analysis station 2 (解析装置2)', 'analysis'),
	('AN-03', 'Analysis station 3 (解析装置3)', 'analysis'),
	('ER-01', 'Data eraser 1 (データ消去装置1)', 'eraser');

CREATE TABLE kura.device_bindings (
	id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	device_id   text NOT NULL REFERENCES kura.devices,
	case_id     bigint NOT NULL REFERENCES kura.cases,
	bound_at    timestamptz NOT NULL DEFAULT now(),
	bound_by    bigint NOT NULL REFERENCES kura.users,
	released_at timestamptz,
	released_by bigint REFERENCES kura.users
);
-- A device has at most one open binding and a case at most one: of two technicians racing
-- for one device, exactly one wins.
CREATE UNIQUE INDEX device_bindings_device_open ON kura.device_bindings (device_id)
	WHERE released_at IS NULL;
CREATE UNIQUE INDEX device_bindings_case_open ON kura.device_bindings (case_id)
	WHERE released_at IS NULL;

-- ---- stamps, reply, shipment, retention ----
CREATE TABLE kura.case_stamps (
	case_id  bigint NOT NULL REFERENCES kura.cases,
	stage    text NOT NULL REFERENCES kura.stages,
	at       timestamptz NOT NULL DEFAULT now(),
	by_user  bigint NOT NULL REFERENCES kura.users,
	segment  text NOT NULL REFERENCES kura.segments,
	verified text NOT NULL, -- the receipt number typed again
	remark   text CHECK (length(remark) <= 500),
	outcome  text,
	device   text REFERENCES kura.devices,
	PRIMARY KEY (case_id, stage)
);

ALTER TABLE kura.cases
	ADD COLUMN assigned_to bigint REFERENCES kura.users,
	ADD COLUMN reply_decision text CHECK (reply_decision IN ('proceed', 'cancel')),
	ADD COLUMN reply_fax_date date,
	ADD COLUMN reply_by bigint REFERENCES kura.users,
	ADD COLUMN reply_at timestamptz,
	ADD COLUMN ship_address_confirmed boolean,
	ADD COLUMN ship_carrier text CHECK (length(ship_carrier) BETWEEN 1 AND 60),
	ADD COLUMN ship_tracking text CHECK (ship_tracking ~ '^[A-Za-z0-9-]{4,40}$'),
	ADD COLUMN ship_repair boolean,
	ADD COLUMN ship_by bigint REFERENCES kura.users,
	ADD COLUMN ship_at timestamptz,
	ADD COLUMN shipped_at timestamptz,
	ADD COLUMN erasure_due timestamptz,
	ADD COLUMN closed_at timestamptz;
CREATE INDEX cases_assigned_idx ON kura.cases (assigned_to) WHERE closed_at IS NULL;
CREATE INDEX cases_erasure_due_idx ON kura.cases (erasure_due) WHERE stage = 'erasure';

-- ---- work logs and documents ----
CREATE TABLE kura.work_logs (
	id      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	case_id bigint NOT NULL REFERENCES kura.cases,
	at      timestamptz NOT NULL DEFAULT now(),
	by_user bigint NOT NULL REFERENCES kura.users,
	kind    text NOT NULL CHECK (kind IN ('logical', 'physical')),
	minutes int NOT NULL CHECK (minutes BETWEEN 1 AND 1440),
	body    text NOT NULL CHECK (length(body) BETWEEN 1 AND 4000)
);
CREATE INDEX work_logs_case_idx ON kura.work_logs (case_id, id);

CREATE TABLE kura.documents (
	case_id     bigint NOT NULL REFERENCES kura.cases,
	kind        text NOT NULL CHECK (kind IN ('report', 'estimate', 'data_list')),
	version     int NOT NULL CHECK (version >= 1),
	content     text NOT NULL CHECK (length(content) BETWEEN 1 AND 200000),
	sha256      bytea NOT NULL,
	issued_by   bigint NOT NULL REFERENCES kura.users,
	issued_at   timestamptz NOT NULL DEFAULT now(),
	approved_by bigint REFERENCES kura.users,
	approved_at timestamptz,
	PRIMARY KEY (case_id, kind, version),
	CHECK (approved_by IS NULL OR approved_by <> issued_by),
	-- The hash is the content's, always.
	CHECK (sha256 = pg_catalog.sha256(pg_catalog.convert_to(content, 'UTF8')))
);

-- An approved document is immutable (a change is a new version); approval happens once.
CREATE FUNCTION kura.documents_guard() RETURNS trigger
	LANGUAGE plpgsql SET search_path = ''
	AS $$
BEGIN
	IF TG_OP = 'DELETE' THEN
		RAISE EXCEPTION 'kura: documents are never deleted' USING ERRCODE = '55000';
	END IF;
	IF OLD.approved_by IS NOT NULL OR NEW.content IS DISTINCT FROM OLD.content
	   OR NEW.sha256 IS DISTINCT FROM OLD.sha256 OR NEW.issued_by IS DISTINCT FROM OLD.issued_by
	   OR NEW.issued_at IS DISTINCT FROM OLD.issued_at THEN
		RAISE EXCEPTION 'kura: an approved document cannot change: issue a new version'
			USING ERRCODE = '55000';
	END IF;
	RETURN NEW;
END $$;
CREATE TRIGGER documents_guard BEFORE UPDATE OR DELETE ON kura.documents
	FOR EACH ROW EXECUTE FUNCTION kura.documents_guard();

-- Notes the user has seen, per case (for the "new notes" queue).
CREATE TABLE kura.note_marks (
	user_id      bigint NOT NULL REFERENCES kura.users,
	case_id      bigint NOT NULL REFERENCES kura.cases,
	last_note_id bigint NOT NULL,
	PRIMARY KEY (user_id, case_id)
);

-- A note raises an event so the other side's client shows it at once.
CREATE FUNCTION kura.notify_note() RETURNS trigger
	LANGUAGE plpgsql SET search_path = ''
	AS $$
BEGIN
	PERFORM pg_catalog.pg_notify('kura_events', 'note ' ||
		(SELECT receipt FROM kura.cases WHERE id = NEW.case_id) || ' ' || NEW.id);
	RETURN NULL;
END $$;
CREATE TRIGGER case_notes_notify AFTER INSERT ON kura.case_notes
	FOR EACH ROW EXECUTE FUNCTION kura.notify_note();

-- Documents, work logs and custody moves change what a case shows without changing its row:
-- they announce the case too, so open views refetch.
CREATE FUNCTION kura.notify_case_part() RETURNS trigger
	LANGUAGE plpgsql SET search_path = ''
	AS $$
BEGIN
	PERFORM pg_catalog.pg_notify('kura_events', 'case ' || c.receipt || ' ' || c.version)
	FROM kura.cases c WHERE c.id = NEW.case_id;
	RETURN NULL;
END $$;
CREATE TRIGGER documents_notify AFTER INSERT OR UPDATE ON kura.documents
	FOR EACH ROW EXECUTE FUNCTION kura.notify_case_part();
CREATE TRIGGER work_logs_notify AFTER INSERT ON kura.work_logs
	FOR EACH ROW EXECUTE FUNCTION kura.notify_case_part();
CREATE TRIGGER custody_events_notify AFTER INSERT ON kura.custody_events
	FOR EACH ROW EXECUTE FUNCTION kura.notify_case_part();

-- ---- a closed case is closed to every change ----
CREATE FUNCTION kura.case_open_guard() RETURNS trigger
	LANGUAGE plpgsql SET search_path = ''
	AS $$
BEGIN
	IF TG_TABLE_NAME = 'cases' THEN
		IF OLD.closed_at IS NOT NULL THEN
			RAISE EXCEPTION 'kura: the case is closed (erased): nothing may change'
				USING ERRCODE = '55000';
		END IF;
	ELSIF EXISTS (SELECT FROM kura.cases WHERE id = NEW.case_id AND closed_at IS NOT NULL) THEN
		RAISE EXCEPTION 'kura: the case is closed (erased): nothing may change'
			USING ERRCODE = '55000';
	END IF;
	RETURN NEW;
END $$;
CREATE TRIGGER cases_open BEFORE UPDATE ON kura.cases
	FOR EACH ROW EXECUTE FUNCTION kura.case_open_guard();
CREATE TRIGGER case_notes_open BEFORE INSERT ON kura.case_notes
	FOR EACH ROW EXECUTE FUNCTION kura.case_open_guard();
CREATE TRIGGER case_items_open BEFORE UPDATE ON kura.case_items
	FOR EACH ROW EXECUTE FUNCTION kura.case_open_guard();
CREATE TRIGGER work_logs_open BEFORE INSERT ON kura.work_logs
	FOR EACH ROW EXECUTE FUNCTION kura.case_open_guard();
CREATE TRIGGER documents_open BEFORE INSERT OR UPDATE ON kura.documents
	FOR EACH ROW EXECUTE FUNCTION kura.case_open_guard();
CREATE TRIGGER device_bindings_open BEFORE INSERT ON kura.device_bindings
	FOR EACH ROW EXECUTE FUNCTION kura.case_open_guard();

-- ---- the stamp ----
-- Completes the case's current stage: the one way a stage ends. It checks, in order:
-- verification, the case, its stage, the acting user's right for that stage (kura.has_right
-- reads the acting role, which SECURITY DEFINER does not change), what the stage needs; then
-- makes the stamp's effects with the owner's privileges, so that outside it nobody but a
-- custody.move holder moves media and nobody moves a case on. Returns the new current stage
-- and the stamp's outcome.
CREATE FUNCTION kura.case_stamp(p_receipt text, p_verify text, p_stage text, p_remark text,
		p_device text, p_eraser text, p_method text, p_retention_days int)
		RETURNS TABLE (stage text, outcome text, at text)
	LANGUAGE plpgsql SECURITY DEFINER SET search_path = ''
	AS $$
DECLARE
	c kura.cases;
	me bigint := kura.actor_id();
	nxt text;
	out text;
	dev text;
	missing text;
BEGIN
	IF p_verify IS DISTINCT FROM p_receipt THEN
		RAISE EXCEPTION 'kura: verification failed: the receipt number typed again does not match this case'
			USING ERRCODE = '22023';
	END IF;
	SELECT * INTO c FROM kura.cases WHERE receipt = p_receipt FOR UPDATE;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'kura: no case with receipt number %', p_receipt USING ERRCODE = 'P0002';
	END IF;
	IF c.closed_at IS NOT NULL THEN
		RAISE EXCEPTION 'kura: the case is closed (erased): nothing may change' USING ERRCODE = '55000';
	END IF;
	IF c.stage <> p_stage THEN
		RAISE EXCEPTION 'kura: case % is at stage %, not %', p_receipt, c.stage, p_stage
			USING ERRCODE = '55000';
	END IF;
		IF me IS NULL OR NOT kura.has_right('stamp.' || p_stage) THEN
		RAISE EXCEPTION 'kura: your role may not stamp the % stage on this network', p_stage
			USING ERRCODE = '42501';
	END IF;

	IF p_stage = 'intake' THEN
		PERFORM kura.custody_move(c.id, NULL, 'before-analysis', 'intake stamped');
	ELSIF p_stage = 'analysis' THEN
		IF p_device IS NULL THEN
			RAISE EXCEPTION 'kura: name the analysis device to bind to this case' USING ERRCODE = '22023';
		END IF;
		IF NOT EXISTS (SELECT FROM kura.devices d WHERE d.id = p_device AND d.kind = 'analysis' AND d.active) THEN
			RAISE EXCEPTION 'kura: % is not an active analysis device', p_device USING ERRCODE = '22023';
		END IF;
		BEGIN
			INSERT INTO kura.device_bindings (device_id, case_id, bound_by) VALUES (p_device, c.id, me);
		EXCEPTION WHEN unique_violation THEN
			RAISE EXCEPTION 'kura: device % is bound to another case', p_device USING ERRCODE = '23505';
		END;
		dev := p_device;
		UPDATE kura.cases SET assigned_to = me WHERE id = c.id;
		PERFORM kura.custody_move(c.id, NULL, 'analysis-bench', 'analysis started');
	ELSIF p_stage = 'report' THEN
		SELECT string_agg(k, ', ') INTO missing
		FROM unnest(ARRAY['report', 'estimate', 'data_list']) AS k
		WHERE NOT EXISTS (SELECT FROM kura.documents d WHERE d.case_id = c.id AND d.kind = k
			AND d.approved_by IS NOT NULL
			AND d.version = (SELECT max(version) FROM kura.documents x WHERE x.case_id = c.id AND x.kind = k));
		IF missing IS NOT NULL THEN
			RAISE EXCEPTION 'kura: the latest % must be issued and approved first', missing
				USING ERRCODE = '55000';
		END IF;
	ELSIF p_stage = 'reply' THEN
		IF c.reply_decision IS NULL THEN
			RAISE EXCEPTION 'kura: record the customer''s reply first' USING ERRCODE = '55000';
		END IF;
		out := c.reply_decision;
	ELSIF p_stage = 'recovery' THEN
		out := CASE c.reply_decision WHEN 'proceed' THEN 'recovered' ELSE 'cancelled' END;
		UPDATE kura.device_bindings SET released_at = now(), released_by = me
		WHERE case_id = c.id AND released_at IS NULL;
		PERFORM kura.custody_move(c.id, NULL, 'awaiting-shipment', 'recovery stamped: ' || out);
	ELSIF p_stage = 'shipping' THEN
		IF NOT coalesce(c.ship_repair, false)
		   AND (c.ship_tracking IS NULL OR NOT coalesce(c.ship_address_confirmed, false)) THEN
			RAISE EXCEPTION 'kura: record the shipment (address confirmed, carrier, tracking) or the repair-centre transfer first'
				USING ERRCODE = '55000';
		END IF;
		out := CASE WHEN c.ship_repair THEN 'repair' ELSE 'shipped' END;
		PERFORM kura.custody_move(c.id, NULL,
			CASE WHEN c.ship_repair THEN 'repair-centre' ELSE 'shipped' END, 'shipping stamped');
		UPDATE kura.cases SET shipped_at = now(),
			erasure_due = now() + make_interval(days => p_retention_days)
		WHERE id = c.id;
	ELSIF p_stage = 'erasure' THEN
		IF now() < c.erasure_due THEN
			RAISE EXCEPTION 'kura: the image must be kept until % (UTC)',
				to_char(c.erasure_due AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI') USING ERRCODE = '55000';
		END IF;
		IF p_eraser IS NULL OR NOT EXISTS (SELECT FROM kura.devices d WHERE d.id = p_eraser
				AND d.kind = 'eraser' AND d.active) THEN
			RAISE EXCEPTION 'kura: name the active eraser device used' USING ERRCODE = '22023';
		END IF;
		IF p_method IS NULL THEN
			RAISE EXCEPTION 'kura: name the erasure method' USING ERRCODE = '22023';
		END IF;
		dev := p_eraser;
		out := p_method;
	ELSE
		RAISE EXCEPTION 'kura: % is not a stage that can be stamped', p_stage USING ERRCODE = '22023';
	END IF;

	INSERT INTO kura.case_stamps (case_id, stage, by_user, segment, verified, remark, outcome, device)
	VALUES (c.id, p_stage, me, pg_catalog.current_setting('kura.segment'), p_verify, p_remark, out, dev);
	SELECT s.name INTO nxt FROM kura.stages s
	WHERE s.position = (SELECT position + 1 FROM kura.stages WHERE name = p_stage);
	UPDATE kura.cases SET stage = nxt, version = version + 1,
		closed_at = CASE WHEN nxt = 'closed' THEN now() END
	WHERE id = c.id;
	RETURN QUERY SELECT nxt, out,
		to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"');
END $$;

-- ---- privileges and row security ----
REVOKE ALL ON FUNCTION kura.case_stamp(text, text, text, text, text, text, text, int) FROM PUBLIC;
DO $$
DECLARE
	r text;
BEGIN
	FOR r IN SELECT 'kura_' || name FROM kura.roles LOOP
		EXECUTE format('GRANT EXECUTE ON FUNCTION kura.case_stamp(text, text, text, text, text,'
			' text, text, int) TO %I', r);
	END LOOP;
END $$;
DO $$
DECLARE
	r text;
BEGIN
	FOR r IN SELECT 'kura_' || name FROM kura.roles LOOP
		EXECUTE format('GRANT SELECT ON kura.locations, kura.devices TO %I', r);
		EXECUTE format('GRANT INSERT ON kura.locations, kura.devices TO %I', r);
		EXECUTE format('GRANT SELECT, INSERT ON kura.custody_events, kura.case_stamps,'
			' kura.work_logs, kura.documents TO %I', r);
		EXECUTE format('GRANT SELECT, INSERT, UPDATE ON kura.device_bindings, kura.note_marks TO %I', r);
		EXECUTE format('GRANT UPDATE (approved_by, approved_at) ON kura.documents TO %I', r);
		EXECUTE format('GRANT UPDATE (location, location_since) ON kura.case_items TO %I', r);
		EXECUTE format('GRANT UPDATE (stage, version, assigned_to, reply_decision, reply_fax_date,'
			' reply_by, reply_at, ship_address_confirmed, ship_carrier, ship_tracking,'
			' ship_repair, ship_by, ship_at, shipped_at, erasure_due, closed_at)'
			' ON kura.cases TO %I', r);
	END LOOP;
END $$;

-- Changing a case: the row is reachable with case.read; which columns may change is the
-- business of kura.cases_change_guard() below, by the right each change needs.
CREATE POLICY cases_change ON kura.cases FOR UPDATE
	USING ((SELECT kura.has_right('case.read'))) WITH CHECK ((SELECT kura.has_right('case.read')));

-- The reply needs stamp.reply, the shipment stamp.shipping, and moving the case on (stage,
-- the technician assigned, shipping and retention dates, closing) the right of the stage being
-- stamped, so that SQL under an acting role can do no more than kurad lets it.
CREATE FUNCTION kura.cases_change_guard() RETURNS trigger
	LANGUAGE plpgsql SET search_path = ''
	AS $$
BEGIN
	-- The owner's own maintenance (no acting role) is not a request.
	IF pg_catalog.current_setting('role') = 'none' THEN
		RETURN NEW;
	END IF;
	IF (NEW.reply_decision, NEW.reply_fax_date, NEW.reply_by, NEW.reply_at)
	   IS DISTINCT FROM (OLD.reply_decision, OLD.reply_fax_date, OLD.reply_by, OLD.reply_at)
	   AND NOT kura.has_right('stamp.reply') THEN
		RAISE EXCEPTION 'kura: recording the customer''s reply needs the right stamp.reply'
			USING ERRCODE = '42501';
	END IF;
	IF (NEW.ship_address_confirmed, NEW.ship_carrier, NEW.ship_tracking, NEW.ship_repair,
	    NEW.ship_by, NEW.ship_at)
	   IS DISTINCT FROM (OLD.ship_address_confirmed, OLD.ship_carrier, OLD.ship_tracking,
	    OLD.ship_repair, OLD.ship_by, OLD.ship_at)
	   AND NOT kura.has_right('stamp.shipping') THEN
		RAISE EXCEPTION 'kura: recording the shipment needs the right stamp.shipping'
			USING ERRCODE = '42501';
	END IF;
	IF (NEW.stage, NEW.assigned_to, NEW.shipped_at, NEW.erasure_due, NEW.closed_at)
	   IS DISTINCT FROM (OLD.stage, OLD.assigned_to, OLD.shipped_at, OLD.erasure_due, OLD.closed_at)
	   AND NOT kura.has_right('stamp.' || OLD.stage) THEN
		RAISE EXCEPTION 'kura: only the stamp of its current stage moves a case on'
			USING ERRCODE = '42501';
	END IF;
	RETURN NEW;
END $$;
CREATE TRIGGER cases_change_guard BEFORE UPDATE ON kura.cases
	FOR EACH ROW EXECUTE FUNCTION kura.cases_change_guard();

-- Moving media outside a stamp (kura.case_stamp moves a case's items itself) needs
-- custody.move.
CREATE FUNCTION kura.may_move_media(p_case bigint) RETURNS boolean
	LANGUAGE sql STABLE SET search_path = ''
	AS $$ SELECT kura.has_right('custody.move') AND p_case IS NOT NULL $$;
CREATE POLICY items_move ON kura.case_items FOR UPDATE
	USING (kura.may_move_media(case_id)) WITH CHECK (kura.may_move_media(case_id));

ALTER TABLE kura.case_stamps ENABLE ROW LEVEL SECURITY;
CREATE POLICY stamps_read ON kura.case_stamps FOR SELECT USING ((SELECT kura.has_right('case.read')));
CREATE POLICY stamps_write ON kura.case_stamps FOR INSERT
	WITH CHECK (kura.has_right('stamp.' || stage) AND by_user = kura.actor_id());

ALTER TABLE kura.custody_events ENABLE ROW LEVEL SECURITY;
CREATE POLICY custody_read ON kura.custody_events FOR SELECT USING ((SELECT kura.has_right('case.read')));
-- A custody event: a move by someone who may move the case's media, or the arrival of an
-- item at intake.
CREATE POLICY custody_write ON kura.custody_events FOR INSERT
	WITH CHECK (by_user = kura.actor_id() AND (kura.may_move_media(case_id)
		OR (reason = 'received' AND from_location IS NULL
			AND (SELECT kura.has_right('case.create')))));

ALTER TABLE kura.device_bindings ENABLE ROW LEVEL SECURITY;
CREATE POLICY bindings_read ON kura.device_bindings FOR SELECT USING ((SELECT kura.has_right('case.read')));
CREATE POLICY bindings_bind ON kura.device_bindings FOR INSERT
	WITH CHECK ((SELECT kura.has_right('stamp.analysis')) AND bound_by = kura.actor_id());
CREATE POLICY bindings_release ON kura.device_bindings FOR UPDATE
	USING ((SELECT kura.has_right('stamp.recovery'))) WITH CHECK (released_by = kura.actor_id());

ALTER TABLE kura.devices ENABLE ROW LEVEL SECURITY;
CREATE POLICY devices_read ON kura.devices FOR SELECT USING ((SELECT kura.has_right('case.read')));
CREATE POLICY devices_add ON kura.devices FOR INSERT WITH CHECK ((SELECT kura.has_right('device.admin')));

ALTER TABLE kura.locations ENABLE ROW LEVEL SECURITY;
CREATE POLICY locations_read ON kura.locations FOR SELECT USING (true);
CREATE POLICY locations_add ON kura.locations FOR INSERT WITH CHECK ((SELECT kura.has_right('device.admin')));

-- Work logs stay in the tech centre: worklog.* is seeded there only.
ALTER TABLE kura.work_logs ENABLE ROW LEVEL SECURITY;
CREATE POLICY worklogs_read ON kura.work_logs FOR SELECT USING ((SELECT kura.has_right('worklog.read')));
CREATE POLICY worklogs_write ON kura.work_logs FOR INSERT
	WITH CHECK ((SELECT kura.has_right('worklog.write')) AND by_user = kura.actor_id());

ALTER TABLE kura.documents ENABLE ROW LEVEL SECURITY;
CREATE POLICY documents_read ON kura.documents FOR SELECT USING ((SELECT kura.has_right('case.read')));
CREATE POLICY documents_issue ON kura.documents FOR INSERT
	WITH CHECK ((SELECT kura.has_right('document.issue')) AND issued_by = kura.actor_id()
		AND approved_by IS NULL);
CREATE POLICY documents_approve ON kura.documents FOR UPDATE
	USING ((SELECT kura.has_right('document.approve')) AND issued_by <> kura.actor_id())
	WITH CHECK (approved_by = kura.actor_id());

ALTER TABLE kura.note_marks ENABLE ROW LEVEL SECURITY;
CREATE POLICY note_marks_own ON kura.note_marks FOR ALL
	USING (user_id = kura.actor_id()) WITH CHECK (user_id = kura.actor_id());

-- Notes are written with note.write from now on (intake notes come with case.create).
DROP POLICY notes_create ON kura.case_notes;
CREATE POLICY notes_create ON kura.case_notes FOR INSERT
	WITH CHECK (((SELECT kura.has_right('case.create')) OR (SELECT kura.has_right('note.write')))
		AND author = kura.actor_id());
