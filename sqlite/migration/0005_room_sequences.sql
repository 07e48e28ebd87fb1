-- +goose Up
-- Room sequences, tombstones and read markers (docs/data.md, "Room
-- sequences", "Tombstones", "Read markers").
--
-- Every change to a room's messages (new, edit, delete) takes the next
-- number of the room's sequence, kept in edusphere_room_seq, in the same
-- transaction. The store's write path assigns the numbers itself; the
-- triggers below cover what it does not do: a room's row when the room is
-- made, and the tombstones of messages deleted by a cascade (a deleted
-- user's messages in other people's rooms). The sequence also versions a
-- room's message list for the read cache, replacing the messages_version
-- counter of migration 0004.
CREATE TABLE edusphere_room_seq (
    room_id      TEXT PRIMARY KEY NOT NULL REFERENCES core_room (id) ON DELETE CASCADE,
    seq          INTEGER NOT NULL DEFAULT 0 CHECK (seq >= 0),
    -- The creation time of the room's latest message: the next one is
    -- created at least 1µs later, so creation order is sequence order.
    last_created TEXT NULL
) WITHOUT ROWID;

-- Existing messages are numbered in history order, (created, id).
ALTER TABLE core_message ADD COLUMN created_seq INTEGER NOT NULL DEFAULT 0;
ALTER TABLE core_message ADD COLUMN seq INTEGER NOT NULL DEFAULT 0;
UPDATE core_message SET created_seq = n.rn, seq = n.rn
FROM (SELECT id, row_number() OVER (PARTITION BY room_id ORDER BY created, id) AS rn FROM core_message) AS n
WHERE core_message.id = n.id;
INSERT INTO edusphere_room_seq (room_id, seq, last_created)
SELECT r.id,
       (SELECT count(*) FROM core_message m WHERE m.room_id = r.id),
       (SELECT max(m.created) FROM core_message m WHERE m.room_id = r.id)
FROM core_room r;
-- Catch-up reads changes after a sequence number; unread counts and
-- history pages read creations after (or before) one. user_id makes the
-- second cover the unread count, which skips the reader's own messages.
CREATE INDEX core_message_room_seq ON core_message (room_id, seq);
CREATE INDEX core_message_room_created_seq ON core_message (room_id, created_seq, user_id);

CREATE TABLE edusphere_message_tombstone (
    id          TEXT PRIMARY KEY NOT NULL,
    room_id     TEXT NOT NULL REFERENCES core_room (id) ON DELETE CASCADE,
    user_id     TEXT NOT NULL, -- the author, who may be deleted too
    created_seq INTEGER NOT NULL,
    created     TEXT NOT NULL,
    seq         INTEGER NOT NULL,
    deleted     TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX edusphere_message_tombstone_room_seq ON edusphere_message_tombstone (room_id, seq);

CREATE TABLE edusphere_read_marker (
    user_id TEXT NOT NULL REFERENCES core_user (id) ON DELETE CASCADE,
    room_id TEXT NOT NULL REFERENCES core_room (id) ON DELETE CASCADE,
    seq     INTEGER NOT NULL DEFAULT 0 CHECK (seq >= 0),
    PRIMARY KEY (user_id, room_id)
) WITHOUT ROWID;
CREATE INDEX edusphere_read_marker_room ON edusphere_read_marker (room_id);
-- Today's participants have read their rooms: nothing shows as unread
-- after the upgrade.
INSERT INTO edusphere_read_marker (user_id, room_id, seq)
SELECT p.user_id, p.room_id, s.seq
FROM core_room_participants p JOIN edusphere_room_seq s ON s.room_id = p.room_id;

-- +goose StatementBegin
CREATE TRIGGER core_room_seq_insert AFTER INSERT ON core_room
BEGIN
    INSERT INTO edusphere_room_seq (room_id) VALUES (NEW.id);
END;
-- +goose StatementEnd

-- A deleted room takes its sequence along before its messages go, so the
-- cascade leaves no tombstones (they would go with the room anyway).
-- +goose StatementBegin
CREATE TRIGGER core_room_seq_delete BEFORE DELETE ON core_room
BEGIN
    DELETE FROM edusphere_room_seq WHERE room_id = OLD.id;
END;
-- +goose StatementEnd

-- A message deleted without a tombstone (by a cascade; the write path
-- writes its own first) takes the next number of its room and leaves a
-- tombstone; the room's tombstones older than its latest 10,000 numbers
-- (edusphere.TombstoneWindow) go.
-- +goose StatementBegin
CREATE TRIGGER core_message_tombstone AFTER DELETE ON core_message
WHEN EXISTS (SELECT 1 FROM edusphere_room_seq WHERE room_id = OLD.room_id)
 AND NOT EXISTS (SELECT 1 FROM edusphere_message_tombstone WHERE id = OLD.id)
BEGIN
    UPDATE edusphere_room_seq SET seq = seq + 1 WHERE room_id = OLD.room_id;
    INSERT INTO edusphere_message_tombstone (id, room_id, user_id, created_seq, created, seq, deleted)
    SELECT OLD.id, OLD.room_id, OLD.user_id, OLD.created_seq, OLD.created, s.seq,
           strftime('%Y-%m-%dT%H:%M:%f', 'now') || '000Z'
    FROM edusphere_room_seq s WHERE s.room_id = OLD.room_id;
    DELETE FROM edusphere_message_tombstone
    WHERE room_id = OLD.room_id
      AND seq <= (SELECT seq FROM edusphere_room_seq WHERE room_id = OLD.room_id) - 10000;
END;
-- +goose StatementEnd

-- A participant's marker starts at the room's current number; leaving
-- removes it.
-- +goose StatementBegin
CREATE TRIGGER core_room_participants_marker_insert AFTER INSERT ON core_room_participants
BEGIN
    INSERT OR IGNORE INTO edusphere_read_marker (user_id, room_id, seq)
    SELECT NEW.user_id, NEW.room_id, s.seq FROM edusphere_room_seq s WHERE s.room_id = NEW.room_id;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER core_room_participants_marker_delete AFTER DELETE ON core_room_participants
BEGIN
    DELETE FROM edusphere_read_marker WHERE user_id = OLD.user_id AND room_id = OLD.room_id;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER core_room_participants_marker_move AFTER UPDATE OF room_id, user_id ON core_room_participants
BEGIN
    DELETE FROM edusphere_read_marker WHERE user_id = OLD.user_id AND room_id = OLD.room_id;
    INSERT OR IGNORE INTO edusphere_read_marker (user_id, room_id, seq)
    SELECT NEW.user_id, NEW.room_id, s.seq FROM edusphere_room_seq s WHERE s.room_id = NEW.room_id;
END;
-- +goose StatementEnd

-- The room sequence supersedes migration 0004's counter.
DROP TRIGGER core_message_room_version_insert;
DROP TRIGGER core_message_room_version_delete;
DROP TRIGGER core_message_room_version_update;
ALTER TABLE core_room DROP COLUMN messages_version;

-- +goose Down
ALTER TABLE core_room ADD COLUMN messages_version INTEGER NOT NULL DEFAULT 0;
-- +goose StatementBegin
CREATE TRIGGER core_message_room_version_insert AFTER INSERT ON core_message
BEGIN
    UPDATE core_room SET messages_version = messages_version + 1 WHERE id = NEW.room_id;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER core_message_room_version_delete AFTER DELETE ON core_message
BEGIN
    UPDATE core_room SET messages_version = messages_version + 1 WHERE id = OLD.room_id;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER core_message_room_version_update AFTER UPDATE ON core_message
BEGIN
    UPDATE core_room SET messages_version = messages_version + 1 WHERE id = OLD.room_id;
    UPDATE core_room SET messages_version = messages_version + 1
        WHERE id = NEW.room_id AND NEW.room_id <> OLD.room_id;
END;
-- +goose StatementEnd
DROP TRIGGER core_room_participants_marker_move;
DROP TRIGGER core_room_participants_marker_delete;
DROP TRIGGER core_room_participants_marker_insert;
DROP TRIGGER core_message_tombstone;
DROP TRIGGER core_room_seq_delete;
DROP TRIGGER core_room_seq_insert;
DROP TABLE edusphere_read_marker;
DROP TABLE edusphere_message_tombstone;
DROP INDEX core_message_room_created_seq;
DROP INDEX core_message_room_seq;
ALTER TABLE core_message DROP COLUMN seq;
ALTER TABLE core_message DROP COLUMN created_seq;
DROP TABLE edusphere_room_seq;
