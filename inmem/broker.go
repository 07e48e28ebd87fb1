package inmem

import (
	"context"
	"errors"
	"sync"

	"github.com/edusphere/edusphere"
)

// Ensure Broker implements edusphere.Broker.
var _ edusphere.Broker = (*Broker)(nil)

// ErrClosed is returned by every method called after Close.
var ErrClosed = errors.New("inmem broker: closed")

// Broker delivers events to the handler of the same process. Publish calls
// the handler synchronously on the publisher's goroutine, so the handler
// must not block (the hub only queues bytes).
type Broker struct {
	mu       sync.RWMutex
	handler  edusphere.BrokerHandler
	channels map[string]struct{}
	closed   bool
}

// NewBroker returns an open broker with no subscriptions.
func NewBroker() *Broker {
	return &Broker{channels: make(map[string]struct{})}
}

// SetHandler sets the handler of incoming events.
func (b *Broker) SetHandler(h edusphere.BrokerHandler) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.handler = h
}

// Subscribe starts delivering channel's events. Subscribing twice is a no-op.
func (b *Broker) Subscribe(ctx context.Context, channel string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return ErrClosed
	}
	b.channels[channel] = struct{}{}
	return nil
}

// Unsubscribe stops delivering channel's events. Unknown channels are ignored.
func (b *Broker) Unsubscribe(ctx context.Context, channel string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return ErrClosed
	}
	delete(b.channels, channel)
	return nil
}

// Publish calls the handler with ev when channel is subscribed. The lock is
// released before the call so the handler may itself subscribe or publish.
func (b *Broker) Publish(ctx context.Context, channel string, ev edusphere.Event) error {
	b.mu.RLock()
	closed := b.closed
	_, ok := b.channels[channel]
	h := b.handler
	b.mu.RUnlock()
	if closed {
		return ErrClosed
	}
	if ok && h != nil {
		h(channel, ev)
	}
	return nil
}

// Ping reports ErrClosed after Close and nil otherwise: a single process
// can always deliver to itself.
func (b *Broker) Ping(ctx context.Context) error {
	b.mu.RLock()
	defer b.mu.RUnlock()
	if b.closed {
		return ErrClosed
	}
	return nil
}

// Close stops delivery. Closing twice is a no-op.
func (b *Broker) Close() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.closed = true
	b.channels = make(map[string]struct{})
	return nil
}
