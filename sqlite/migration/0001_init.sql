-- +goose Up
-- Table and column names follow the Django original (docs/data.md, Tables) so the
-- data reads the same in either server. Times are fixed-width UTC text
-- "YYYY-MM-DDTHH:MM:SS.ffffffZ", which sorts in time order and keeps
-- microseconds; ids are UUID text. Every rule the Go code checks is checked
-- again here so that no path around the services can store a bad row.

CREATE TABLE core_user (
    id           TEXT PRIMARY KEY NOT NULL CHECK (length(id) = 36),
    password     TEXT NOT NULL DEFAULT '',
    last_login   TEXT NULL,
    is_superuser INTEGER NOT NULL DEFAULT 0 CHECK (is_superuser IN (0, 1)),
    email        TEXT NOT NULL CHECK (email <> '' AND length(email) <= 254),
    username     TEXT NOT NULL UNIQUE CHECK (
                     username <> '' AND length(username) <= 200
                     AND username NOT GLOB '*[^-a-z0-9_]*'),
    name         TEXT NOT NULL CHECK (name <> '' AND length(name) <= 200),
    bio          TEXT NOT NULL DEFAULT '' CHECK (length(bio) <= 500),
    avatar       TEXT NOT NULL DEFAULT '' CHECK (length(avatar) <= 100),
    is_staff     INTEGER NOT NULL DEFAULT 0 CHECK (is_staff IN (0, 1)),
    is_active    INTEGER NOT NULL DEFAULT 1 CHECK (is_active IN (0, 1)),
    date_joined  TEXT NOT NULL
);
-- Emails are unique ignoring case (docs/data.md, Invariants).
CREATE UNIQUE INDEX core_user_email_lower_uniq ON core_user (lower(email));
CREATE INDEX core_user_date_joined ON core_user (date_joined, id);

CREATE TABLE core_topic (
    id   INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE
         CONSTRAINT no_spaces_in_topic CHECK (
             name <> '' AND length(name) <= 200 AND name NOT GLOB '*[^A-Za-z]*')
);
CREATE INDEX core_topic_name_lower ON core_topic (lower(name), id);

CREATE TABLE core_room (
    id          TEXT PRIMARY KEY NOT NULL CHECK (length(id) = 36),
    name        TEXT NOT NULL CHECK (
                    name <> '' AND length(name) <= 200 AND name NOT GLOB '*[^a-zA-Z0-9 ]*'),
    slug        TEXT NOT NULL CHECK (
                    slug <> '' AND length(slug) <= 200 AND slug NOT GLOB '*[^-a-zA-Z0-9_]*'),
    host_id     TEXT NOT NULL REFERENCES core_user (id) ON DELETE CASCADE,
    topic_id    INTEGER NOT NULL REFERENCES core_topic (id) ON DELETE CASCADE,
    description TEXT NOT NULL DEFAULT '' CHECK (length(description) <= 500),
    updated     TEXT NOT NULL,
    created     TEXT NOT NULL
);
-- One room name per host ignoring case, and one slug per host (docs/data.md, Invariants).
CREATE UNIQUE INDEX core_room_host_name_lower_uniq ON core_room (host_id, lower(name));
CREATE UNIQUE INDEX core_room_host_slug_uniq ON core_room (host_id, slug);
CREATE INDEX core_room_topic_id ON core_room (topic_id);
CREATE INDEX core_room_updated ON core_room (updated, created);
CREATE INDEX core_room_created ON core_room (created, id);

CREATE TABLE core_room_participants (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    room_id TEXT NOT NULL REFERENCES core_room (id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES core_user (id) ON DELETE CASCADE,
    UNIQUE (room_id, user_id)
);
CREATE INDEX core_room_participants_user_id ON core_room_participants (user_id, room_id);

CREATE TABLE core_message (
    id      TEXT PRIMARY KEY NOT NULL CHECK (length(id) = 36),
    user_id TEXT NOT NULL REFERENCES core_user (id) ON DELETE CASCADE,
    room_id TEXT NOT NULL REFERENCES core_room (id) ON DELETE CASCADE,
    body    TEXT NOT NULL CHECK (length(body) BETWEEN 1 AND 500),
    edited  INTEGER NOT NULL DEFAULT 0 CHECK (edited IN (0, 1)),
    updated TEXT NOT NULL,
    created TEXT NOT NULL
);
CREATE INDEX core_message_room_created ON core_message (room_id, created, id);
CREATE INDEX core_message_user_id ON core_message (user_id, created);
CREATE INDEX core_message_created ON core_message (created, id);

-- Refresh tokens are stored only as a SHA-256 hash; one family per login.
CREATE TABLE edusphere_refresh_token (
    id          TEXT PRIMARY KEY NOT NULL CHECK (length(id) = 36),
    user_id     TEXT NOT NULL REFERENCES core_user (id) ON DELETE CASCADE,
    family      TEXT NOT NULL,
    hash        BLOB NOT NULL UNIQUE,
    orig_iat    INTEGER NOT NULL,
    user_agent  TEXT NOT NULL DEFAULT '',
    address     TEXT NOT NULL DEFAULT '',
    created     TEXT NOT NULL,
    expires     TEXT NOT NULL,
    revoked     TEXT NULL,
    replaced_by TEXT NULL
);
CREATE INDEX edusphere_refresh_token_family ON edusphere_refresh_token (family);
CREATE INDEX edusphere_refresh_token_user_id ON edusphere_refresh_token (user_id);
CREATE INDEX edusphere_refresh_token_expires ON edusphere_refresh_token (expires);

-- The access-token deny-list (docs/auth.md, Revocation).
CREATE TABLE edusphere_revocation (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id  TEXT NOT NULL REFERENCES core_user (id) ON DELETE CASCADE,
    orig_iat INTEGER NOT NULL,
    created  TEXT NOT NULL,
    expires  TEXT NOT NULL
);
CREATE INDEX edusphere_revocation_created ON edusphere_revocation (created, id);
CREATE INDEX edusphere_revocation_expires ON edusphere_revocation (expires);
CREATE INDEX edusphere_revocation_user_id ON edusphere_revocation (user_id);

CREATE TABLE edusphere_admin_session (
    hash      BLOB PRIMARY KEY NOT NULL,
    user_id   TEXT NOT NULL REFERENCES core_user (id) ON DELETE CASCADE,
    created   TEXT NOT NULL,
    expires   TEXT NOT NULL,
    last_seen TEXT NOT NULL
);
CREATE INDEX edusphere_admin_session_user_id ON edusphere_admin_session (user_id);
CREATE INDEX edusphere_admin_session_expires ON edusphere_admin_session (expires);

-- The admin action log outlives its actors, so actor_id has no foreign key.
CREATE TABLE edusphere_admin_action (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    actor_id    TEXT NOT NULL,
    actor_email TEXT NOT NULL,
    action      TEXT NOT NULL,
    object_type TEXT NOT NULL,
    object_id   TEXT NOT NULL,
    object_repr TEXT NOT NULL,
    before_json TEXT NULL,
    after_json  TEXT NULL,
    created     TEXT NOT NULL
);
CREATE INDEX edusphere_admin_action_created ON edusphere_admin_action (created, id);
CREATE INDEX edusphere_admin_action_actor_id ON edusphere_admin_action (actor_id);
CREATE INDEX edusphere_admin_action_object ON edusphere_admin_action (object_type, object_id);

-- +goose Down
DROP TABLE edusphere_admin_action;
DROP TABLE edusphere_admin_session;
DROP TABLE edusphere_revocation;
DROP TABLE edusphere_refresh_token;
DROP TABLE core_message;
DROP TABLE core_room_participants;
DROP TABLE core_room;
DROP TABLE core_topic;
DROP TABLE core_user;
