-- +goose Up
-- Room sequences, tombstones and read markers (docs/data.md, "Room
-- sequences", "Tombstones", "Read markers").
--
-- Every change to a room's messages (new, edit, delete) takes the next
-- number of the room's sequence, kept in edusphere_room_seq, in the same
-- transaction, which holds the room's row lock until it commits: writers
-- of one room take turns, so commit order is sequence order, while writers
-- of different rooms never wait for each other. core_room itself is not
-- used, because its updates move the catalog version (migration 0003) and
-- would empty the read cache on every message. The store's write path
-- assigns the numbers itself; the triggers below cover what it does not
-- do: a room's row when the room is made, and the tombstones of messages
-- deleted by a cascade (a deleted user's messages in other people's
-- rooms). The sequence also versions a room's message list for the read
-- cache.
CREATE TABLE edusphere_room_seq (
    room_id      uuid PRIMARY KEY,
    seq          bigint NOT NULL DEFAULT 0,
    -- The creation time of the room's latest message: the next one is
    -- created at least 1µs later, so creation order is sequence order.
    last_created timestamptz NULL,
    CONSTRAINT edusphere_room_seq_room_id_fkey FOREIGN KEY (room_id)
        REFERENCES core_room (id) ON DELETE CASCADE,
    CONSTRAINT edusphere_room_seq_seq_check CHECK (seq >= 0)
) WITH (fillfactor = 50); -- room for in-page (HOT) updates of busy rows

-- Existing messages are numbered in history order, (created, id).
ALTER TABLE core_message ADD COLUMN created_seq bigint, ADD COLUMN seq bigint;
UPDATE core_message m SET created_seq = n.rn, seq = n.rn
FROM (SELECT id, row_number() OVER (PARTITION BY room_id ORDER BY created, id) AS rn FROM core_message) AS n
WHERE m.id = n.id;
ALTER TABLE core_message ALTER COLUMN created_seq SET NOT NULL, ALTER COLUMN seq SET NOT NULL;
INSERT INTO edusphere_room_seq (room_id, seq, last_created)
SELECT r.id, count(m.id), max(m.created)
FROM core_room r LEFT JOIN core_message m ON m.room_id = r.id
GROUP BY r.id;
-- Catch-up reads changes after a sequence number; unread counts and
-- history pages read creations after (or before) one.
CREATE INDEX core_message_room_seq_idx ON core_message (room_id, seq);
CREATE INDEX core_message_room_created_seq_idx ON core_message (room_id, created_seq) INCLUDE (user_id);

CREATE TABLE edusphere_message_tombstone (
    id          uuid PRIMARY KEY,
    room_id     uuid NOT NULL,
    user_id     uuid NOT NULL, -- the author, who may be deleted too
    created_seq bigint NOT NULL,
    created     timestamptz NOT NULL,
    seq         bigint NOT NULL,
    deleted     timestamptz NOT NULL,
    CONSTRAINT edusphere_message_tombstone_room_id_fkey FOREIGN KEY (room_id)
        REFERENCES core_room (id) ON DELETE CASCADE
);
CREATE INDEX edusphere_message_tombstone_room_seq_idx ON edusphere_message_tombstone (room_id, seq);

CREATE TABLE edusphere_read_marker (
    user_id uuid NOT NULL,
    room_id uuid NOT NULL,
    seq     bigint NOT NULL DEFAULT 0,
    CONSTRAINT edusphere_read_marker_pkey PRIMARY KEY (user_id, room_id),
    CONSTRAINT edusphere_read_marker_user_id_fkey FOREIGN KEY (user_id)
        REFERENCES core_user (id) ON DELETE CASCADE,
    CONSTRAINT edusphere_read_marker_room_id_fkey FOREIGN KEY (room_id)
        REFERENCES core_room (id) ON DELETE CASCADE,
    CONSTRAINT edusphere_read_marker_seq_check CHECK (seq >= 0)
);
CREATE INDEX edusphere_read_marker_room_idx ON edusphere_read_marker (room_id);
-- Today's participants have read their rooms: nothing shows as unread
-- after the upgrade.
INSERT INTO edusphere_read_marker (user_id, room_id, seq)
SELECT p.user_id, p.room_id, s.seq
FROM core_room_participants p JOIN edusphere_room_seq s ON s.room_id = p.room_id;

-- +goose StatementBegin
CREATE FUNCTION edusphere_room_seq_insert() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO edusphere_room_seq (room_id) VALUES (NEW.id);
    RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER core_room_seq_insert AFTER INSERT ON core_room
    FOR EACH ROW EXECUTE FUNCTION edusphere_room_seq_insert();

-- A deleted room takes its sequence along before its messages go: the row
-- lock waits for the room's writers, and the cascade then leaves no
-- tombstones (they would go with the room anyway).
-- +goose StatementBegin
CREATE FUNCTION edusphere_room_seq_delete() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM edusphere_room_seq WHERE room_id = OLD.id;
    RETURN OLD;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER core_room_seq_delete BEFORE DELETE ON core_room
    FOR EACH ROW EXECUTE FUNCTION edusphere_room_seq_delete();

-- A deleted user's messages become tombstones in rooms all over the site.
-- Locking those rooms' rows first, in room order as the write path does,
-- keeps the deletion from deadlocking with chat writers.
-- +goose StatementBegin
CREATE FUNCTION edusphere_user_delete_lock() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM edusphere_room_seq s
    WHERE s.room_id IN (SELECT m.room_id FROM core_message m WHERE m.user_id = OLD.id
                        UNION SELECT r.id FROM core_room r WHERE r.host_id = OLD.id)
    ORDER BY s.room_id FOR UPDATE;
    RETURN OLD;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER core_user_seq_lock BEFORE DELETE ON core_user
    FOR EACH ROW EXECUTE FUNCTION edusphere_user_delete_lock();

-- Messages deleted without a tombstone (by a cascade; the write path
-- writes its own first) take the next numbers of their rooms, in creation
-- order, and leave tombstones; each room's tombstones older than its
-- latest 10,000 numbers (edusphere.TombstoneWindow) go. One run per
-- statement, whatever the number of rows.
-- +goose StatementBegin
CREATE FUNCTION edusphere_message_tombstone() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM edusphere_room_seq s
    WHERE s.room_id IN (SELECT o.room_id FROM old_rows o
                        WHERE NOT EXISTS (SELECT 1 FROM edusphere_message_tombstone t WHERE t.id = o.id))
    ORDER BY s.room_id FOR UPDATE;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    WITH todo AS (
        SELECT o.id, o.room_id, o.user_id, o.created_seq, o.created,
               row_number() OVER (PARTITION BY o.room_id ORDER BY o.created_seq, o.id) AS n,
               count(*) OVER (PARTITION BY o.room_id) AS total
        FROM old_rows o
        WHERE NOT EXISTS (SELECT 1 FROM edusphere_message_tombstone t WHERE t.id = o.id)
    ), bumped AS (
        UPDATE edusphere_room_seq s SET seq = s.seq + c.total
        FROM (SELECT DISTINCT room_id, total FROM todo) AS c
        WHERE s.room_id = c.room_id
        RETURNING s.room_id, s.seq - c.total AS base
    )
    INSERT INTO edusphere_message_tombstone (id, room_id, user_id, created_seq, created, seq, deleted)
    SELECT t.id, t.room_id, t.user_id, t.created_seq, t.created, b.base + t.n, now()
    FROM todo t JOIN bumped b ON b.room_id = t.room_id;
    DELETE FROM edusphere_message_tombstone d USING edusphere_room_seq s
    WHERE s.room_id IN (SELECT o.room_id FROM old_rows o)
      AND d.room_id = s.room_id AND d.seq <= s.seq - 10000;
    RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER core_message_tombstone AFTER DELETE ON core_message
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION edusphere_message_tombstone();

-- A participant's marker starts at the room's current number; leaving
-- removes it.
-- +goose StatementBegin
CREATE FUNCTION edusphere_read_marker_participant() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        DELETE FROM edusphere_read_marker WHERE user_id = OLD.user_id AND room_id = OLD.room_id;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO edusphere_read_marker (user_id, room_id, seq)
        SELECT NEW.user_id, NEW.room_id, s.seq FROM edusphere_room_seq s WHERE s.room_id = NEW.room_id
        ON CONFLICT DO NOTHING;
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER core_room_participants_marker
    AFTER INSERT OR DELETE OR UPDATE OF room_id, user_id ON core_room_participants
    FOR EACH ROW EXECUTE FUNCTION edusphere_read_marker_participant();

-- +goose Down
DROP TRIGGER core_room_participants_marker ON core_room_participants;
DROP FUNCTION edusphere_read_marker_participant();
DROP TRIGGER core_message_tombstone ON core_message;
DROP FUNCTION edusphere_message_tombstone();
DROP TRIGGER core_user_seq_lock ON core_user;
DROP FUNCTION edusphere_user_delete_lock();
DROP TRIGGER core_room_seq_delete ON core_room;
DROP FUNCTION edusphere_room_seq_delete();
DROP TRIGGER core_room_seq_insert ON core_room;
DROP FUNCTION edusphere_room_seq_insert();
DROP TABLE edusphere_read_marker;
DROP TABLE edusphere_message_tombstone;
DROP INDEX core_message_room_created_seq_idx;
DROP INDEX core_message_room_seq_idx;
ALTER TABLE core_message DROP COLUMN seq, DROP COLUMN created_seq;
DROP TABLE edusphere_room_seq;
