package brokertest

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/edusphere/edusphere"
	"github.com/google/uuid"
)

// Opener returns a fresh, open broker; the suite closes it (closing twice
// must be harmless, so the opener may also close it in t.Cleanup).
type Opener func(t *testing.T) edusphere.Broker

// PairOpener returns two open brokers sharing one backplane, as two
// processes of one deployment do.
type PairOpener func(t *testing.T) (a, b edusphere.Broker)

// wait is how long the suite waits for an event that must arrive.
const wait = 5 * time.Second

// quiet is how long the suite waits to be sure an event does not arrive.
const quiet = 200 * time.Millisecond

// Recorder is a BrokerHandler that keeps what it receives.
type Recorder struct {
	mu     sync.Mutex
	events []Received
	notify chan struct{}
}

// Received is one delivery seen by a Recorder.
type Received struct {
	Channel string
	Event   edusphere.Event
}

// NewRecorder returns an empty Recorder.
func NewRecorder() *Recorder { return &Recorder{notify: make(chan struct{}, 1)} }

// Handle is the BrokerHandler.
func (r *Recorder) Handle(channel string, ev edusphere.Event) {
	r.mu.Lock()
	r.events = append(r.events, Received{Channel: channel, Event: ev})
	r.mu.Unlock()
	select {
	case r.notify <- struct{}{}:
	default:
	}
}

// Events returns a copy of the deliveries so far.
func (r *Recorder) Events() []Received {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Received(nil), r.events...)
}

// WaitFor waits until at least n deliveries arrived, or d passed.
func (r *Recorder) WaitFor(n int, d time.Duration) []Received {
	return r.waitUntil(func(evs []Received) bool { return len(evs) >= n }, d)
}

// WaitForChannel waits until at least n deliveries arrived on channel, or
// d passed, and returns all deliveries so far.
func (r *Recorder) WaitForChannel(channel string, n int, d time.Duration) []Received {
	return r.waitUntil(func(evs []Received) bool {
		got := 0
		for _, e := range evs {
			if e.Channel == channel {
				got++
			}
		}
		return got >= n
	}, d)
}

// waitUntil waits until done holds for the deliveries so far, or d passed.
func (r *Recorder) waitUntil(done func([]Received) bool, d time.Duration) []Received {
	deadline := time.NewTimer(d)
	defer deadline.Stop()
	for {
		if evs := r.Events(); done(evs) {
			return evs
		}
		select {
		case <-r.notify:
		case <-deadline.C:
			return r.Events()
		}
	}
}

// sample returns an event carrying every field, with a frame whose exact
// bytes (spacing, escapes) must survive the trip.
func sample(i int) edusphere.Event {
	return edusphere.Event{
		Type:   edusphere.EventMessageCreated,
		RoomID: uuid.New(),
		UserID: uuid.New(),
		Frame:  json.RawMessage(fmt.Sprintf(`{"type": "chat_message", "n": %d, "body": "caf\u00e9 \ud83d\ude00"}`, i)),
		Seq:    int64(i + 1),
	}
}

func sameEvent(a, b edusphere.Event) bool {
	ra, _ := json.Marshal(a.Revocation)
	rb, _ := json.Marshal(b.Revocation)
	return a.Type == b.Type && a.RoomID == b.RoomID && a.UserID == b.UserID &&
		string(a.Frame) == string(b.Frame) && string(ra) == string(rb) && a.Seq == b.Seq
}

// Run runs the single-process suite against brokers from open.
func Run(t *testing.T, open Opener) {
	ctx := context.Background()

	t.Run("OK", func(t *testing.T) {
		b := open(t)
		defer b.Close()
		rec := NewRecorder()
		b.SetHandler(rec.Handle)
		if err := b.Subscribe(ctx, "room:a"); err != nil {
			t.Fatalf("Subscribe=%v, want nil", err)
		}
		ev := sample(1)
		if err := b.Publish(ctx, "room:a", ev); err != nil {
			t.Fatalf("Publish=%v, want nil", err)
		}
		got := rec.WaitFor(1, wait)
		if len(got) != 1 {
			t.Fatalf("deliveries=%d, want 1", len(got))
		}
		if got[0].Channel != "room:a" {
			t.Fatalf("Channel=%q, want %q", got[0].Channel, "room:a")
		}
		if !sameEvent(got[0].Event, ev) {
			t.Fatalf("Event=%+v (frame %s), want %+v (frame %s)", got[0].Event, got[0].Event.Frame, ev, ev.Frame)
		}
	})

	t.Run("Revocation", func(t *testing.T) {
		b := open(t)
		defer b.Close()
		rec := NewRecorder()
		b.SetHandler(rec.Handle)
		if err := b.Subscribe(ctx, edusphere.SystemChannel); err != nil {
			t.Fatalf("Subscribe=%v, want nil", err)
		}
		now := time.Date(2026, 1, 2, 3, 4, 5, 6000, time.UTC)
		ev := edusphere.Event{Type: edusphere.EventSessionRevoked, UserID: uuid.New(),
			Revocation: &edusphere.Revocation{UserID: uuid.New(), OrigIat: 1700000000, Created: now, Expires: now.Add(time.Hour)}}
		if err := b.Publish(ctx, edusphere.SystemChannel, ev); err != nil {
			t.Fatalf("Publish=%v, want nil", err)
		}
		got := rec.WaitFor(1, wait)
		if len(got) != 1 || !sameEvent(got[0].Event, ev) {
			t.Fatalf("deliveries=%+v, want one %+v", got, ev)
		}
		if r := got[0].Event.Revocation; !r.Created.Equal(now) || r.OrigIat != 1700000000 {
			t.Fatalf("Revocation=%+v, want created %v", r, now)
		}
	})

	t.Run("NotSubscribed", func(t *testing.T) {
		b := open(t)
		defer b.Close()
		rec := NewRecorder()
		b.SetHandler(rec.Handle)
		if err := b.Subscribe(ctx, "room:a"); err != nil {
			t.Fatalf("Subscribe=%v, want nil", err)
		}
		if err := b.Publish(ctx, "room:b", sample(1)); err != nil {
			t.Fatalf("Publish=%v, want nil", err)
		}
		// A marker on the subscribed channel proves the first one was skipped, not slow.
		if err := b.Publish(ctx, "room:a", sample(2)); err != nil {
			t.Fatalf("Publish=%v, want nil", err)
		}
		rec.WaitFor(1, wait)
		time.Sleep(quiet)
		got := rec.Events()
		if len(got) != 1 || got[0].Channel != "room:a" {
			t.Fatalf("deliveries=%+v, want only the room:a one", got)
		}
	})

	t.Run("Unsubscribe", func(t *testing.T) {
		b := open(t)
		defer b.Close()
		rec := NewRecorder()
		b.SetHandler(rec.Handle)
		for _, ch := range []string{"room:a", "room:b"} {
			if err := b.Subscribe(ctx, ch); err != nil {
				t.Fatalf("Subscribe(%s)=%v, want nil", ch, err)
			}
		}
		if err := b.Unsubscribe(ctx, "room:a"); err != nil {
			t.Fatalf("Unsubscribe=%v, want nil", err)
		}
		if err := b.Unsubscribe(ctx, "room:never"); err != nil {
			t.Fatalf("Unsubscribe(unknown)=%v, want nil", err)
		}
		_ = b.Publish(ctx, "room:a", sample(1))
		_ = b.Publish(ctx, "room:b", sample(2))
		rec.WaitFor(1, wait)
		time.Sleep(quiet)
		got := rec.Events()
		if len(got) != 1 || got[0].Channel != "room:b" {
			t.Fatalf("deliveries=%+v, want only the room:b one", got)
		}
		// Subscribing again resumes delivery.
		if err := b.Subscribe(ctx, "room:a"); err != nil {
			t.Fatalf("Subscribe again=%v, want nil", err)
		}
		_ = b.Publish(ctx, "room:a", sample(3))
		if got := rec.WaitFor(2, wait); len(got) != 2 || got[1].Channel != "room:a" {
			t.Fatalf("deliveries=%+v, want room:a after resubscribe", got)
		}
	})

	t.Run("SubscribeTwice", func(t *testing.T) {
		b := open(t)
		defer b.Close()
		rec := NewRecorder()
		b.SetHandler(rec.Handle)
		for range 2 {
			if err := b.Subscribe(ctx, "room:a"); err != nil {
				t.Fatalf("Subscribe=%v, want nil", err)
			}
		}
		_ = b.Publish(ctx, "room:a", sample(1))
		rec.WaitFor(1, wait)
		time.Sleep(quiet)
		if got := rec.Events(); len(got) != 1 {
			t.Fatalf("deliveries=%d, want 1", len(got))
		}
	})

	t.Run("Order", func(t *testing.T) {
		b := open(t)
		defer b.Close()
		rec := NewRecorder()
		b.SetHandler(rec.Handle)
		if err := b.Subscribe(ctx, "room:a"); err != nil {
			t.Fatalf("Subscribe=%v, want nil", err)
		}
		const n = 500
		want := make([]edusphere.Event, n)
		for i := range n {
			want[i] = sample(i)
			if err := b.Publish(ctx, "room:a", want[i]); err != nil {
				t.Fatalf("Publish=%v, want nil", err)
			}
		}
		got := rec.WaitFor(n, wait)
		if len(got) != n {
			t.Fatalf("deliveries=%d, want %d", len(got), n)
		}
		for i := range n {
			if !sameEvent(got[i].Event, want[i]) {
				t.Fatalf("delivery %d frame=%s, want %s", i, got[i].Event.Frame, want[i].Frame)
			}
		}
	})

	t.Run("Concurrent", func(t *testing.T) {
		b := open(t)
		defer b.Close()
		rec := NewRecorder()
		b.SetHandler(rec.Handle)
		if err := b.Subscribe(ctx, "room:stable"); err != nil {
			t.Fatalf("Subscribe=%v, want nil", err)
		}
		const workers, per = 8, 50
		var wg sync.WaitGroup
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ch := fmt.Sprintf("room:churn%d", w)
				for i := range per {
					_ = b.Subscribe(ctx, ch)
					_ = b.Publish(ctx, ch, sample(i))
					_ = b.Publish(ctx, "room:stable", sample(i))
					_ = b.Unsubscribe(ctx, ch)
				}
			}()
		}
		wg.Wait()
		// The churn channels' deliveries count too, so wait on the stable
		// channel's own.
		got := rec.WaitForChannel("room:stable", workers*per, wait)
		stable := 0
		for _, r := range got {
			if r.Channel == "room:stable" {
				stable++
			}
		}
		if stable != workers*per {
			t.Fatalf("stable deliveries=%d, want %d", stable, workers*per)
		}
	})

	t.Run("Ping", func(t *testing.T) {
		b := open(t)
		defer b.Close()
		if err := b.Ping(ctx); err != nil {
			t.Fatalf("Ping=%v, want nil", err)
		}
	})

	t.Run("ErrClosed", func(t *testing.T) {
		b := open(t)
		rec := NewRecorder()
		b.SetHandler(rec.Handle)
		if err := b.Subscribe(ctx, "room:a"); err != nil {
			t.Fatalf("Subscribe=%v, want nil", err)
		}
		if err := b.Close(); err != nil {
			t.Fatalf("Close=%v, want nil", err)
		}
		if err := b.Close(); err != nil {
			t.Fatalf("second Close=%v, want nil", err)
		}
		if err := b.Publish(ctx, "room:a", sample(1)); err == nil {
			t.Fatalf("Publish after Close=nil, want error")
		}
		if err := b.Subscribe(ctx, "room:b"); err == nil {
			t.Fatalf("Subscribe after Close=nil, want error")
		}
		if err := b.Ping(ctx); err == nil {
			t.Fatalf("Ping after Close=nil, want error")
		}
		time.Sleep(quiet)
		if got := rec.Events(); len(got) != 0 {
			t.Fatalf("deliveries after Close=%d, want 0", len(got))
		}
	})
}

// RunShared runs the cross-process suite against broker pairs from open.
func RunShared(t *testing.T, open PairOpener) {
	ctx := context.Background()

	t.Run("CrossProcess", func(t *testing.T) {
		a, b := open(t)
		defer a.Close()
		defer b.Close()
		ra, rb := NewRecorder(), NewRecorder()
		a.SetHandler(ra.Handle)
		b.SetHandler(rb.Handle)
		for _, br := range []edusphere.Broker{a, b} {
			if err := br.Subscribe(ctx, "room:a"); err != nil {
				t.Fatalf("Subscribe=%v, want nil", err)
			}
		}
		ev := sample(1)
		if err := a.Publish(ctx, "room:a", ev); err != nil {
			t.Fatalf("Publish=%v, want nil", err)
		}
		for name, r := range map[string]*Recorder{"publisher": ra, "other": rb} {
			got := r.WaitFor(1, wait)
			if len(got) != 1 || !sameEvent(got[0].Event, ev) {
				t.Fatalf("%s deliveries=%+v, want the event once", name, got)
			}
		}
	})

	t.Run("OtherNotSubscribed", func(t *testing.T) {
		a, b := open(t)
		defer a.Close()
		defer b.Close()
		ra, rb := NewRecorder(), NewRecorder()
		a.SetHandler(ra.Handle)
		b.SetHandler(rb.Handle)
		if err := a.Subscribe(ctx, "room:a"); err != nil {
			t.Fatalf("Subscribe=%v, want nil", err)
		}
		if err := b.Subscribe(ctx, "room:b"); err != nil {
			t.Fatalf("Subscribe=%v, want nil", err)
		}
		_ = b.Publish(ctx, "room:a", sample(1))
		if got := ra.WaitFor(1, wait); len(got) != 1 {
			t.Fatalf("subscriber deliveries=%d, want 1", len(got))
		}
		time.Sleep(quiet)
		if got := rb.Events(); len(got) != 0 {
			t.Fatalf("non-subscriber deliveries=%d, want 0", len(got))
		}
	})
}
