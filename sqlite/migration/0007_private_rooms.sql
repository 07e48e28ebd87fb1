-- +goose Up
-- Private rooms and invitations (docs/data.md, "Private rooms",
-- "Invitations"). A private room is seen only by its participants; a
-- pending invitation lets one user join it. Accepting, declining or
-- revoking deletes the invitation.
ALTER TABLE core_room ADD COLUMN is_private INTEGER NOT NULL DEFAULT 0 CHECK (is_private IN (0, 1));
ALTER TABLE core_room ADD COLUMN members_can_invite INTEGER NOT NULL DEFAULT 0 CHECK (members_can_invite IN (0, 1));

CREATE TABLE edusphere_room_invitation (
    id         TEXT PRIMARY KEY NOT NULL CHECK (length(id) = 36),
    room_id    TEXT NOT NULL REFERENCES core_room (id) ON DELETE CASCADE,
    user_id    TEXT NOT NULL REFERENCES core_user (id) ON DELETE CASCADE,
    inviter_id TEXT NOT NULL REFERENCES core_user (id) ON DELETE CASCADE,
    created    TEXT NOT NULL,
    UNIQUE (room_id, user_id)
);
CREATE INDEX edusphere_room_invitation_user ON edusphere_room_invitation (user_id, created);
CREATE INDEX edusphere_room_invitation_inviter ON edusphere_room_invitation (inviter_id, created);

-- +goose Down
DROP TABLE edusphere_room_invitation;
ALTER TABLE core_room DROP COLUMN members_can_invite;
ALTER TABLE core_room DROP COLUMN is_private;
