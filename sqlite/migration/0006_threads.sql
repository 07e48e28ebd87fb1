-- +goose Up
-- Replies, search and reports (docs/data.md, "Replies", "Search",
-- "Reports").
--
-- A reply names its parent in reply_to, without a foreign key: deleting
-- the parent leaves the reply, which then shows the parent as deleted.
ALTER TABLE core_message ADD COLUMN reply_to TEXT NULL;

-- Search: an FTS5 index of the bodies, kept by the triggers below in the
-- transaction of every insert, edit and delete. It holds no copy of the
-- text (contentless) and is keyed by edusphere_message_search, whose
-- INTEGER PRIMARY KEY, unlike core_message's implicit rowid, survives a
-- VACUUM. Its numbers follow the order messages are stored in, which is
-- their creation order, so a search reads the index newest first and stops
-- after a page (docs/data.md, "Search"); room_id lets it check the
-- searcher's rooms without reading the message. Words are matched
-- case-insensitively and with their diacritics (as PostgreSQL's 'simple'
-- configuration does); the prefix indexes make prefix queries of 2 and 3
-- characters cheap.
CREATE TABLE edusphere_message_search (
    rowid      INTEGER PRIMARY KEY,
    message_id TEXT NOT NULL UNIQUE,
    room_id    TEXT NOT NULL
);
CREATE VIRTUAL TABLE edusphere_message_fts USING fts5 (
    body, content = '', contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 0', prefix = '2 3'
);
INSERT INTO edusphere_message_search (message_id, room_id) SELECT id, room_id FROM core_message ORDER BY created, id;
INSERT INTO edusphere_message_fts (rowid, body)
SELECT s.rowid, m.body FROM edusphere_message_search s JOIN core_message m ON m.id = s.message_id;
-- +goose StatementBegin
CREATE TRIGGER edusphere_message_search_insert AFTER INSERT ON core_message
BEGIN
    INSERT INTO edusphere_message_search (message_id, room_id) VALUES (NEW.id, NEW.room_id);
    INSERT INTO edusphere_message_fts (rowid, body) VALUES (last_insert_rowid(), NEW.body);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER edusphere_message_search_update AFTER UPDATE OF body ON core_message
BEGIN
    DELETE FROM edusphere_message_fts
        WHERE rowid = (SELECT rowid FROM edusphere_message_search WHERE message_id = OLD.id);
    INSERT INTO edusphere_message_fts (rowid, body)
        SELECT rowid, NEW.body FROM edusphere_message_search WHERE message_id = OLD.id;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER edusphere_message_search_delete AFTER DELETE ON core_message
BEGIN
    DELETE FROM edusphere_message_fts
        WHERE rowid = (SELECT rowid FROM edusphere_message_search WHERE message_id = OLD.id);
    DELETE FROM edusphere_message_search WHERE message_id = OLD.id;
END;
-- +goose StatementEnd

-- Reports: a participant's report of a message, with the message's room,
-- author and body as they were. One open report per reporter and message.
CREATE TABLE edusphere_report (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    message_id  TEXT NOT NULL, -- the message may be deleted later
    room_id     TEXT NOT NULL REFERENCES core_room (id) ON DELETE CASCADE,
    author_id   TEXT NOT NULL, -- the author may be deleted later
    body        TEXT NOT NULL,
    reporter_id TEXT NOT NULL REFERENCES core_user (id) ON DELETE CASCADE,
    reason      TEXT NOT NULL CHECK (length(reason) BETWEEN 1 AND 500),
    status      TEXT NOT NULL DEFAULT 'open'
                CHECK (status IN ('open', 'dismissed', 'deleted', 'deactivated')),
    created     TEXT NOT NULL,
    resolved_by TEXT NULL REFERENCES core_user (id) ON DELETE SET NULL,
    resolved    TEXT NULL
);
CREATE UNIQUE INDEX edusphere_report_open ON edusphere_report (message_id, reporter_id) WHERE status = 'open';
CREATE INDEX edusphere_report_status ON edusphere_report (status, created);

-- +goose Down
DROP TABLE edusphere_report;
DROP TRIGGER edusphere_message_search_delete;
DROP TRIGGER edusphere_message_search_update;
DROP TRIGGER edusphere_message_search_insert;
DROP TABLE edusphere_message_fts;
DROP TABLE edusphere_message_search;
ALTER TABLE core_message DROP COLUMN reply_to;
