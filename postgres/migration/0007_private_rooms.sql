-- +goose Up
-- Private rooms and invitations (docs/data.md, "Private rooms",
-- "Invitations"). A private room is seen only by its participants; a
-- pending invitation lets one user join it. Accepting, declining or
-- revoking deletes the invitation.
ALTER TABLE core_room ADD COLUMN is_private boolean NOT NULL DEFAULT false,
    ADD COLUMN members_can_invite boolean NOT NULL DEFAULT false;

CREATE TABLE edusphere_room_invitation (
    id         uuid PRIMARY KEY,
    room_id    uuid NOT NULL,
    user_id    uuid NOT NULL,
    inviter_id uuid NOT NULL,
    created    timestamptz NOT NULL,
    CONSTRAINT edusphere_room_invitation_room_user_key UNIQUE (room_id, user_id),
    CONSTRAINT edusphere_room_invitation_room_id_fkey FOREIGN KEY (room_id)
        REFERENCES core_room (id) ON DELETE CASCADE,
    CONSTRAINT edusphere_room_invitation_user_id_fkey FOREIGN KEY (user_id)
        REFERENCES core_user (id) ON DELETE CASCADE,
    CONSTRAINT edusphere_room_invitation_inviter_id_fkey FOREIGN KEY (inviter_id)
        REFERENCES core_user (id) ON DELETE CASCADE
);
CREATE INDEX edusphere_room_invitation_user_idx ON edusphere_room_invitation (user_id, created);
CREATE INDEX edusphere_room_invitation_inviter_idx ON edusphere_room_invitation (inviter_id, created);

-- +goose Down
DROP TABLE edusphere_room_invitation;
ALTER TABLE core_room DROP COLUMN members_can_invite, DROP COLUMN is_private;
