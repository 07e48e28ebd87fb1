-- +goose Up
-- The catalog version counts committed changes to users, topics, rooms and
-- participants. Triggers bump it inside the changing transaction, so a
-- reader that sees a change also sees its version; the server's read cache
-- (package cache) keeps catalog reads while the version stays the same.
-- Messages are not part of the catalog.
CREATE TABLE edusphere_catalog (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    version INTEGER NOT NULL
);
INSERT INTO edusphere_catalog (id, version) VALUES (1, 0);

-- +goose StatementBegin
CREATE TRIGGER core_user_catalog_insert AFTER INSERT ON core_user
BEGIN
    UPDATE edusphere_catalog SET version = version + 1;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER core_user_catalog_update AFTER UPDATE ON core_user
BEGIN
    UPDATE edusphere_catalog SET version = version + 1;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER core_user_catalog_delete AFTER DELETE ON core_user
BEGIN
    UPDATE edusphere_catalog SET version = version + 1;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER core_topic_catalog_insert AFTER INSERT ON core_topic
BEGIN
    UPDATE edusphere_catalog SET version = version + 1;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER core_topic_catalog_update AFTER UPDATE ON core_topic
BEGIN
    UPDATE edusphere_catalog SET version = version + 1;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER core_topic_catalog_delete AFTER DELETE ON core_topic
BEGIN
    UPDATE edusphere_catalog SET version = version + 1;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER core_room_catalog_insert AFTER INSERT ON core_room
BEGIN
    UPDATE edusphere_catalog SET version = version + 1;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER core_room_catalog_update AFTER UPDATE ON core_room
BEGIN
    UPDATE edusphere_catalog SET version = version + 1;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER core_room_catalog_delete AFTER DELETE ON core_room
BEGIN
    UPDATE edusphere_catalog SET version = version + 1;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER core_room_participants_catalog_insert AFTER INSERT ON core_room_participants
BEGIN
    UPDATE edusphere_catalog SET version = version + 1;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER core_room_participants_catalog_update AFTER UPDATE ON core_room_participants
BEGIN
    UPDATE edusphere_catalog SET version = version + 1;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER core_room_participants_catalog_delete AFTER DELETE ON core_room_participants
BEGIN
    UPDATE edusphere_catalog SET version = version + 1;
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER core_user_catalog_insert;
DROP TRIGGER core_user_catalog_update;
DROP TRIGGER core_user_catalog_delete;
DROP TRIGGER core_topic_catalog_insert;
DROP TRIGGER core_topic_catalog_update;
DROP TRIGGER core_topic_catalog_delete;
DROP TRIGGER core_room_catalog_insert;
DROP TRIGGER core_room_catalog_update;
DROP TRIGGER core_room_catalog_delete;
DROP TRIGGER core_room_participants_catalog_insert;
DROP TRIGGER core_room_participants_catalog_update;
DROP TRIGGER core_room_participants_catalog_delete;
DROP TABLE edusphere_catalog;
