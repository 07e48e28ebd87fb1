package seed

import "encoding/json"

// The documents the browser client sends, as Apollo prints them (with
// __typename in every object selection).
const (
	RoomsQuery = `query Rooms($search: String, $topic: [String]) {
  rooms(search: $search, topic: $topic) {
    name
    slug
    description
    created
    topic {
      name
      __typename
    }
    host {
      username
      __typename
    }
    __typename
  }
}`
	TopicsQuery = `query Topics {
  topics {
    name
    __typename
  }
}`
	RoomQuery = `query Room($hostSlug: String!, $roomSlug: String!) {
  room(hostSlug: $hostSlug, roomSlug: $roomSlug) {
    id
    name
    slug
    description
    created
    host {
      id
      username
      name
      avatar
      __typename
    }
    participants {
      id
      username
      avatar
      __typename
    }
    topic {
      name
      __typename
    }
    __typename
  }
}`
	RoomMessagesQuery = `query RoomMessages($hostSlug: String!, $roomSlug: String!) {
  messages(hostSlug: $hostSlug, roomSlug: $roomSlug) {
    id
    user {
      id
      username
      avatar
      __typename
    }
    body
    edited
    created
    updated
    __typename
  }
}`
)

func body(op, query string, vars map[string]any) []byte {
	b, err := json.Marshal(map[string]any{"operationName": op, "variables": vars, "query": query})
	if err != nil {
		panic(err) // only strings and maps of strings: cannot fail
	}
	return b
}

// HomePage returns the JSON bodies of the home page's requests, as the
// original client sends them:
// Rooms with {search: null, topic: null}, then Topics.
func HomePage() [][]byte {
	return [][]byte{
		body("Rooms", RoomsQuery, map[string]any{"search": nil, "topic": nil}),
		body("Topics", TopicsQuery, map[string]any{}),
	}
}

// RoomPage returns the JSON bodies of a room page's requests, as the
// original client sends them:
// Room, then RoomMessages.
func RoomPage(host, slug string) [][]byte {
	vars := map[string]any{"hostSlug": host, "roomSlug": slug}
	return [][]byte{
		body("Room", RoomQuery, vars),
		body("RoomMessages", RoomMessagesQuery, vars),
	}
}
