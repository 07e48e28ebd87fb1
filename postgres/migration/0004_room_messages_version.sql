-- +goose Up
-- Each room counts the committed changes to its messages, bumped by a
-- trigger in the changing transaction, so the read cache (package cache)
-- can keep a room's message list until the room's count moves. Counting
-- does not change the room as the catalog sees it: the catalog trigger on
-- rooms now fires only for the columns the catalog shows.
ALTER TABLE core_room ADD COLUMN messages_version bigint NOT NULL DEFAULT 0;

DROP TRIGGER core_room_catalog ON core_room;
CREATE TRIGGER core_room_catalog
    AFTER INSERT OR DELETE OR TRUNCATE OR UPDATE OF name, slug, host_id, topic_id, description, updated, created, participant_count ON core_room
    FOR EACH STATEMENT EXECUTE FUNCTION edusphere_catalog_bump();

-- +goose StatementBegin
CREATE FUNCTION core_message_room_version() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        UPDATE core_room SET messages_version = messages_version + 1 WHERE id = OLD.room_id;
    END IF;
    IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.room_id <> OLD.room_id) THEN
        UPDATE core_room SET messages_version = messages_version + 1 WHERE id = NEW.room_id;
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

CREATE TRIGGER core_message_room_version
    AFTER INSERT OR UPDATE OR DELETE ON core_message
    FOR EACH ROW EXECUTE FUNCTION core_message_room_version();

-- +goose Down
DROP TRIGGER core_message_room_version ON core_message;
DROP FUNCTION core_message_room_version();
DROP TRIGGER core_room_catalog ON core_room;
CREATE TRIGGER core_room_catalog AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON core_room
    FOR EACH STATEMENT EXECUTE FUNCTION edusphere_catalog_bump();
ALTER TABLE core_room DROP COLUMN messages_version;
