-- +goose Up
-- The catalog version counts committed changes to users, topics, rooms and
-- participants. Statement triggers bump it inside the changing transaction,
-- so a reader that sees a change also sees its version; the server's read
-- cache (package cache) keeps catalog reads while the version stays the
-- same. Messages are not part of the catalog.
CREATE TABLE edusphere_catalog (
    id      smallint PRIMARY KEY CONSTRAINT edusphere_catalog_one_row CHECK (id = 1),
    version bigint NOT NULL
);
INSERT INTO edusphere_catalog (id, version) VALUES (1, 0);

-- +goose StatementBegin
CREATE FUNCTION edusphere_catalog_bump() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE edusphere_catalog SET version = version + 1 WHERE id = 1;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

CREATE TRIGGER core_user_catalog AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON core_user
    FOR EACH STATEMENT EXECUTE FUNCTION edusphere_catalog_bump();

CREATE TRIGGER core_topic_catalog AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON core_topic
    FOR EACH STATEMENT EXECUTE FUNCTION edusphere_catalog_bump();

CREATE TRIGGER core_room_catalog AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON core_room
    FOR EACH STATEMENT EXECUTE FUNCTION edusphere_catalog_bump();

CREATE TRIGGER core_room_participants_catalog AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON core_room_participants
    FOR EACH STATEMENT EXECUTE FUNCTION edusphere_catalog_bump();

-- +goose Down
DROP TRIGGER core_user_catalog ON core_user;
DROP TRIGGER core_topic_catalog ON core_topic;
DROP TRIGGER core_room_catalog ON core_room;
DROP TRIGGER core_room_participants_catalog ON core_room_participants;
DROP FUNCTION edusphere_catalog_bump();
DROP TABLE edusphere_catalog;
