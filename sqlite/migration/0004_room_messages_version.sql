-- +goose Up
-- Each room counts the committed changes to its messages, bumped by
-- triggers in the changing transaction, so the read cache (package cache)
-- can keep a room's message list until the room's count moves. Counting
-- does not change the room as the catalog sees it: the catalog trigger on
-- rooms now fires only for the columns the catalog shows.
ALTER TABLE core_room ADD COLUMN messages_version INTEGER NOT NULL DEFAULT 0;

DROP TRIGGER core_room_catalog_update;
-- +goose StatementBegin
CREATE TRIGGER core_room_catalog_update AFTER UPDATE OF name, slug, host_id, topic_id, description, updated, created, participant_count ON core_room
BEGIN
    UPDATE edusphere_catalog SET version = version + 1;
END;
-- +goose StatementEnd

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

-- +goose Down
DROP TRIGGER core_message_room_version_update;
DROP TRIGGER core_message_room_version_delete;
DROP TRIGGER core_message_room_version_insert;
DROP TRIGGER core_room_catalog_update;
-- +goose StatementBegin
CREATE TRIGGER core_room_catalog_update AFTER UPDATE ON core_room
BEGIN
    UPDATE edusphere_catalog SET version = version + 1;
END;
-- +goose StatementEnd
ALTER TABLE core_room DROP COLUMN messages_version;
