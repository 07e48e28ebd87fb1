-- +goose Up
-- The catalog version counts committed changes to users, topics, rooms and
-- participants. Statement triggers bump it inside the changing transaction,
-- so a reader that sees a change also sees its version; the server's read
-- cache (package cache) keeps catalog reads while the version stays the
-- same. Messages are not part of the catalog.
--
-- The count is spread over eight rows, one chosen by the writing
-- connection, and the version is their sum: a bump holds its row's lock
-- until commit, and one row would make every catalog write of the whole
-- site (log-ins included) wait for the one before it.
CREATE TABLE edusphere_catalog (
    id      smallint PRIMARY KEY CONSTRAINT edusphere_catalog_shard CHECK (id BETWEEN 0 AND 7),
    version bigint NOT NULL
);
INSERT INTO edusphere_catalog (id, version) SELECT i, 0 FROM generate_series(0, 7) AS i;

-- +goose StatementBegin
CREATE FUNCTION edusphere_catalog_bump() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE edusphere_catalog SET version = version + 1 WHERE id = pg_backend_pid() % 8;
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
