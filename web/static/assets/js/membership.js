// Membership: private rooms, leaving, removing and handing over, invitations
// (docs/graphql.md, "Private rooms", "Membership and invitations"). The room
// page, the room form and the home page call in here; nothing of it runs
// for rooms and users the features do not concern.
import { h, icon, timeEl, roomPath } from './dom.js';
import { gql } from './api.js';
import { toast, confirmDialog, busy } from './ui.js';

const M = {
  CreateRoom: `mutation CreateRoom($name: String!, $topicName: String!, $description: String, $isPrivate: Boolean, $membersCanInvite: Boolean) {
    createRoom(name: $name, topicName: $topicName, description: $description, isPrivate: $isPrivate, membersCanInvite: $membersCanInvite) {
      room { id name slug description topic { name } host { id username } }
    }
  }`,
  UpdateRoom: `mutation UpdateRoom($hostSlug: String!, $roomSlug: String!, $name: String, $topicName: String, $description: String,
    $isPrivate: Boolean, $membersCanInvite: Boolean) {
    updateRoom(hostSlug: $hostSlug, roomSlug: $roomSlug, name: $name, topicName: $topicName, description: $description,
      isPrivate: $isPrivate, membersCanInvite: $membersCanInvite) { room { id slug host { username } } }
  }`,
  RoomFlags: `query RoomFlags($hostSlug: String!, $roomSlug: String!) {
    room(hostSlug: $hostSlug, roomSlug: $roomSlug) { id isPrivate membersCanInvite }
  }`,
  LeaveRoom: `mutation LeaveRoom($roomId: UUID!) { leaveRoom(roomId: $roomId) { success } }`,
  RemoveParticipant: `mutation RemoveParticipant($roomId: UUID!, $userId: UUID!) {
    removeParticipant(roomId: $roomId, userId: $userId) { room { id } }
  }`,
  TransferRoom: `mutation TransferRoom($roomId: UUID!, $userId: UUID!) {
    transferRoom(roomId: $roomId, userId: $userId) { room { slug host { username } } }
  }`,
  InviteToRoom: `mutation InviteToRoom($roomId: UUID!, $username: String!) {
    inviteToRoom(roomId: $roomId, username: $username) { invitation { id user { username } } }
  }`,
  MyInvitations: `query MyInvitations {
    myInvitations(first: 50) { id created room { name slug host { username } } invitedBy { username } }
  }`,
  AcceptInvitation: `mutation AcceptInvitation($invitationId: UUID!) {
    acceptInvitation(invitationId: $invitationId) { room { slug host { username } } }
  }`,
  DeclineInvitation: `mutation DeclineInvitation($invitationId: UUID!) {
    declineInvitation(invitationId: $invitationId) { success }
  }`,
};

/** privateBadge returns the badge a private room shows next to its name. */
export function privateBadge() {
  return h('span', { class: 'badge badge-private', title: 'Only participants see this room' }, icon('lock', 12), 'Private');
}

/**
 * forRoom adds the membership actions to a room page: a private badge, the
 * leave and invite buttons, and the host's remove and hand-over buttons on
 * each participant. reload reads the page again after a change.
 */
export function forRoom(ctx, room, me, { reload }) {
  const isHost = () => me && room.host.id === me.id;
  const isParticipant = () => me && room.participants.some((p) => p.id === me.id);
  let flags = { isPrivate: false, membersCanInvite: false };

  async function leave() {
    if (!(await confirmDialog('Leave this room?', `You will no longer take part in “${room.name}”.`, 'Leave room'))) return;
    try {
      await gql('LeaveRoom', M.LeaveRoom, { roomId: room.id });
      toast(`You left ${room.name}.`, 'ok');
      if (flags.isPrivate) ctx.navigate('/');
      else reload();
    } catch (e) {
      toast(e.messages.join(' '), 'error');
    }
  }

  async function remove(p) {
    if (!(await confirmDialog(`Remove @${p.username}?`, `@${p.username} will leave “${room.name}” at once.`, 'Remove'))) return;
    try {
      await gql('RemoveParticipant', M.RemoveParticipant, { roomId: room.id, userId: p.id });
      toast(`@${p.username} was removed.`, 'ok');
      reload();
    } catch (e) {
      toast(e.messages.join(' '), 'error');
    }
  }

  async function handOver(p) {
    if (!(await confirmDialog(`Make @${p.username} the host?`, `@${p.username} will host “${room.name}”; you stay a participant.`, 'Hand over'))) return;
    try {
      const d = await gql('TransferRoom', M.TransferRoom, { roomId: room.id, userId: p.id });
      toast(`@${p.username} now hosts the room.`, 'ok');
      ctx.navigate(roomPath(d.transferRoom.room.host.username, d.transferRoom.room.slug), { replace: true });
    } catch (e) {
      toast(e.messages.join(' '), 'error');
    }
  }

  function inviteDialog() {
    const input = h('input', { type: 'text', id: 'invite-username', name: 'username', required: true, autocomplete: 'off', maxlength: 150 });
    const error = h('p', { class: 'field-error', id: 'invite-error', role: 'alert', hidden: true });
    const send = h('button', { type: 'submit', class: 'btn btn-primary' }, 'Send invitation');
    const cancel = h('button', { type: 'button', class: 'btn' }, 'Cancel');
    const form = h('form', { class: 'invite-form' },
      h('h2', { id: 'invite-title' }, 'Invite to ' + room.name),
      h('label', { for: 'invite-username' }, 'Username'), input, error,
      h('div', { class: 'actions' }, cancel, send));
    const dlg = h('dialog', { class: 'dialog', 'aria-labelledby': 'invite-title' }, form);
    cancel.addEventListener('click', () => dlg.close());
    dlg.addEventListener('close', () => dlg.remove());
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const username = input.value.trim().replace(/^@/, '');
      if (!username) return;
      busy(send, 'Sending…', async () => {
        try {
          await gql('InviteToRoom', M.InviteToRoom, { roomId: room.id, username });
          toast(`@${username} was invited.`, 'ok');
          dlg.close();
        } catch (e) {
          error.hidden = false;
          error.textContent = e.messages.join(' ');
          input.setAttribute('aria-invalid', 'true');
          input.setAttribute('aria-describedby', 'invite-error');
          input.focus();
        }
      });
    });
    document.body.append(dlg);
    dlg.showModal();
    input.focus();
  }

  return {
    /** decorate adds the badge and buttons once the room's flags are in. */
    async decorate(header) {
      if (!me) return;
      try {
        const d = await gql('RoomFlags', M.RoomFlags, { hostSlug: room.host.username, roomSlug: room.slug });
        if (d.room) flags = d.room;
      } catch { /* the page works without them */ }
      if (ctx.signal.aborted) return;
      if (flags.isPrivate) header.querySelector('.room-name')?.append(' ', privateBadge());
      if (!isParticipant()) return;
      let actions = header.querySelector('.room-actions');
      if (!actions) {
        actions = h('div', { class: 'room-actions' });
        header.querySelector('.room-header-top')?.append(actions);
      }
      if (isHost() || flags.membersCanInvite) {
        actions.prepend(h('button', { type: 'button', class: 'btn btn-sm', onclick: inviteDialog }, icon('plus', 16), 'Invite'));
      }
      if (!isHost()) {
        actions.append(h('button', { type: 'button', class: 'btn btn-sm btn-danger-ghost', onclick: leave }, 'Leave room'));
      }
    },
    /** actions returns the host's buttons for participant p, or null. */
    actions(p) {
      if (!isHost() || p.id === room.host.id) return null;
      return h('span', { class: 'participant-actions' },
        h('button', { type: 'button', class: 'link-btn small', 'aria-label': `Make host @${p.username}`, onclick: () => handOver(p) }, 'Make host'),
        h('button', { type: 'button', class: 'link-btn small danger', 'aria-label': `Remove @${p.username}`, onclick: () => remove(p) }, 'Remove'));
    },
  };
}

/** roomFormFields returns the private room toggles of the room form. */
export function roomFormFields(room) {
  const priv = h('input', { type: 'checkbox', id: 'room-private', name: 'isPrivate', checked: !!room?.isPrivate });
  const invite = h('input', { type: 'checkbox', id: 'room-members-invite', name: 'membersCanInvite', checked: !!room?.membersCanInvite });
  const el = h('fieldset', { class: 'form-field room-privacy' },
    h('legend', null, 'Privacy'),
    h('label', { class: 'check', for: 'room-private' }, priv, ' Private room — only people you invite can find and join it'),
    h('label', { class: 'check', for: 'room-members-invite' }, invite, ' Participants may invite others'));
  return { el, values: () => ({ isPrivate: priv.checked, membersCanInvite: invite.checked }) };
}

/** createRoom creates a room with its privacy flags in one request. */
export function createRoom(vars) {
  return gql('CreateRoom', M.CreateRoom, vars);
}

/** updateRoom updates a room with its privacy flags in one request. */
export function updateRoom(vars) {
  return gql('UpdateRoom', M.UpdateRoom, vars);
}

/** loadRoomFlags returns a room's isPrivate and membersCanInvite. */
export async function loadRoomFlags(hostSlug, roomSlug) {
  const d = await gql('RoomFlags', M.RoomFlags, { hostSlug, roomSlug });
  return d.room || {};
}

/** invitationsPanel returns the signed-in user's invitations panel. */
export function invitationsPanel(ctx) {
  const list = h('ul', { class: 'mini-list invitations' });
  const panel = h('section', { class: 'panel', 'aria-labelledby': 'invitations-heading', hidden: true },
    h('h2', { class: 'section-title', id: 'invitations-heading' }, icon('lock', 16), ' Invitations'), list);
  async function load() {
    let invs = [];
    try {
      invs = (await gql('MyInvitations', M.MyInvitations)).myInvitations || [];
    } catch { return; }
    if (ctx.signal.aborted) return;
    panel.hidden = invs.length === 0;
    list.replaceChildren(...invs.map((inv) => {
      const accept = h('button', { type: 'button', class: 'btn btn-sm btn-primary' }, 'Accept');
      const decline = h('button', { type: 'button', class: 'btn btn-sm' }, 'Decline');
      accept.addEventListener('click', () => busy(accept, 'Joining…', async () => {
        try {
          const d = await gql('AcceptInvitation', M.AcceptInvitation, { invitationId: inv.id });
          toast(`You joined ${inv.room.name}.`, 'ok');
          ctx.navigate(roomPath(d.acceptInvitation.room.host.username, d.acceptInvitation.room.slug));
        } catch (e) {
          toast(e.messages.join(' '), 'error');
          load();
        }
      }));
      decline.addEventListener('click', () => busy(decline, 'Declining…', async () => {
        try {
          await gql('DeclineInvitation', M.DeclineInvitation, { invitationId: inv.id });
          toast('Invitation declined.', 'ok');
        } catch (e) {
          toast(e.messages.join(' '), 'error');
        }
        load();
      }));
      return h('li', { class: 'invitation' },
        h('p', null, h('strong', null, inv.room.name), ' ', h('span', { class: 'muted small' }, `from @${inv.invitedBy.username} · `), timeEl(inv.created)),
        h('div', { class: 'actions' }, accept, decline));
    }));
  }
  load();
  return panel;
}
