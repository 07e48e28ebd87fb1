package unread_test

import (
	"testing"

	"github.com/edusphere/edusphere/internal/unread"
	"github.com/google/uuid"
)

func TestMemo(t *testing.T) {
	var m unread.Memo
	m.Max = 2
	k := unread.Key{User: uuid.New(), Room: uuid.New(), Marker: 3, RoomSeq: 9}
	if _, ok := m.Get(k); ok {
		t.Fatalf("Get on an empty memo found a count")
	}
	m.Put(k, 6)
	if n, ok := m.Get(k); !ok || n != 6 {
		t.Fatalf("Get=%d, %v, want 6", n, ok)
	}
	moved := k
	moved.RoomSeq++
	if _, ok := m.Get(moved); ok {
		t.Fatalf("a count was found for another room state")
	}
	m.Put(moved, 7)
	m.Put(unread.Key{User: k.User, Room: uuid.New()}, 0) // the third entry starts over
	if _, ok := m.Get(k); ok {
		t.Fatalf("the memo grew past Max")
	}
}
