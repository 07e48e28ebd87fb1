// Every GraphQL document the client sends, by operation name. Only the
// public schema (gql/schema/*.graphqls, docs/graphql.md) is used.

const ROOM_CARD = 'id name slug description created updated topic { id name } host { id username name avatar } participants { id }';
const ROOM_FULL = 'id name slug description created updated host { id username name avatar } participants { id username name avatar } topic { id name }';
const MESSAGE = 'id user { id username name avatar } body edited created updated replyTo { id author { id username } excerpt deleted }';

export const Q = {
  Rooms: `query Rooms($search: String, $topic: [String], $hostSlug: String) {
  rooms(search: $search, topic: $topic, hostSlug: $hostSlug) { ${ROOM_CARD} }
}`,
  RoomsParticipatedByUser: `query RoomsParticipatedByUser($userSlug: String!) {
  roomsParticipatedByUser(userSlug: $userSlug) { ${ROOM_CARD} }
}`,
  RoomsNotParticipatedByUser: `query RoomsNotParticipatedByUser($userSlug: String!) {
  roomsNotParticipatedByUser(userSlug: $userSlug) { ${ROOM_CARD} }
}`,
  Topics: `query Topics($search: String) { topics(search: $search) { id name } }`,
  Room: `query Room($hostSlug: String!, $roomSlug: String!) {
  room(hostSlug: $hostSlug, roomSlug: $roomSlug) { ${ROOM_FULL} }
}`,
  RoomMessages: `query RoomMessages($hostSlug: String!, $roomSlug: String!) {
  messages(hostSlug: $hostSlug, roomSlug: $roomSlug) { ${MESSAGE} }
}`,
  RoomWithMessages: `query RoomWithMessages($hostSlug: String!, $roomSlug: String!) {
  room(hostSlug: $hostSlug, roomSlug: $roomSlug) { ${ROOM_FULL} }
  messages(hostSlug: $hostSlug, roomSlug: $roomSlug) { ${MESSAGE} }
}`,
  RoomWithPage: `query RoomWithPage($hostSlug: String!, $roomSlug: String!, $last: Int) {
  room(hostSlug: $hostSlug, roomSlug: $roomSlug) { ${ROOM_FULL} seq unreadCount }
  messagePage(hostSlug: $hostSlug, roomSlug: $roomSlug, last: $last) { messages { ${MESSAGE} seq } hasMore next seq }
}`,
  MessagePage: `query MessagePage($hostSlug: String!, $roomSlug: String!, $last: Int, $before: ID) {
  messagePage(hostSlug: $hostSlug, roomSlug: $roomSlug, last: $last, before: $before) { messages { ${MESSAGE} seq } hasMore next seq }
}`,
  MarkRoomRead: `mutation MarkRoomRead($roomId: UUID!, $seq: Int!) { markRoomRead(roomId: $roomId, seq: $seq) { roomId readSeq unreadCount seq } }`,
  UnreadCounts: `query UnreadCounts { unreadCounts { roomId seq readSeq unreadCount } }`,
  MyRooms: `query MyRooms { myRooms { id name slug host { id username } unreadCount } }`,
  MessagesByUser: `query MessagesByUser($userSlug: String!) {
  messagesByUser(userSlug: $userSlug) { id body edited created updated room { id slug name host { username } } }
}`,
  User: `query User($username: String!) { user(userSlug: $username) { id username name avatar bio } }`,
  AuthStatus: `query AuthStatus { authStatus { isAuthenticated user { id username name avatar } } }`,
  TokenAuth: `mutation TokenAuth($email: String!, $password: String!) {
  tokenAuth(email: $email, password: $password) { success payload refreshExpiresIn user { id username name avatar } }
}`,
  RefreshToken: `mutation RefreshToken { refreshToken { payload refreshExpiresIn } }`,
  RegisterUser: `mutation RegisterUser($username: String!, $name: String!, $email: String!, $password1: String!, $password2: String!) {
  registerUser(username: $username, name: $name, email: $email, password1: $password1, password2: $password2) { success user { id username name } }
}`,
  LogoutUser: `mutation LogoutUser { deleteToken { deleted } deleteRefreshToken { deleted } }`,
  UpdateUser: `mutation UpdateUser($username: String, $name: String, $bio: String, $avatar: Upload) {
  updateUser(username: $username, name: $name, bio: $bio, avatar: $avatar) { user { id username name bio avatar } }
}`,
  CreateRoom: `mutation CreateRoom($name: String!, $topicName: String!, $description: String) {
  createRoom(name: $name, topicName: $topicName, description: $description) { room { id name slug description topic { name } host { id username } } }
}`,
  UpdateRoom: `mutation UpdateRoom($hostSlug: String!, $roomSlug: String!, $name: String, $topicName: String, $description: String) {
  updateRoom(hostSlug: $hostSlug, roomSlug: $roomSlug, name: $name, topicName: $topicName, description: $description) { room { ${ROOM_FULL} } }
}`,
  DeleteRoom: `mutation DeleteRoom($hostSlug: String!, $roomSlug: String!) { deleteRoom(hostSlug: $hostSlug, roomSlug: $roomSlug) { success } }`,
  SearchMessages: `query SearchMessages($query: String!, $room: UUID, $first: Int, $after: String) {
  searchMessages(query: $query, room: $room, first: $first, after: $after) {
    results { cursor snippet message { id body created user { id username } room { id name slug host { username } } } }
    hasNextPage endCursor
  }
}`,
  ReportMessage: `mutation ReportMessage($messageId: UUID!, $reason: String!) { reportMessage(messageId: $messageId, reason: $reason) { success } }`,
  JoinRoom: `mutation JoinRoom($hostSlug: String!, $roomSlug: String!) { joinRoom(hostSlug: $hostSlug, roomSlug: $roomSlug) { room { ${ROOM_FULL} } } }`,
};
