package mock

import (
	"context"

	"github.com/edusphere/edusphere"
)

var _ edusphere.Broker = (*Broker)(nil)

// Broker is an edusphere.Broker whose methods call the matching Fn field;
// calling a method whose field is nil panics, naming the method.
type Broker struct {
	SetHandlerFn  func(h edusphere.BrokerHandler)
	SubscribeFn   func(ctx context.Context, channel string) error
	UnsubscribeFn func(ctx context.Context, channel string) error
	PublishFn     func(ctx context.Context, channel string, ev edusphere.Event) error
	PingFn        func(ctx context.Context) error
	CloseFn       func() error
}

// SetHandler calls SetHandlerFn.
func (mk *Broker) SetHandler(h edusphere.BrokerHandler) {
	if mk.SetHandlerFn == nil {
		panic("mock: Broker.SetHandler called without SetHandlerFn")
	}
	mk.SetHandlerFn(h)
}

// Subscribe calls SubscribeFn.
func (mk *Broker) Subscribe(ctx context.Context, channel string) error {
	if mk.SubscribeFn == nil {
		panic("mock: Broker.Subscribe called without SubscribeFn")
	}
	return mk.SubscribeFn(ctx, channel)
}

// Unsubscribe calls UnsubscribeFn.
func (mk *Broker) Unsubscribe(ctx context.Context, channel string) error {
	if mk.UnsubscribeFn == nil {
		panic("mock: Broker.Unsubscribe called without UnsubscribeFn")
	}
	return mk.UnsubscribeFn(ctx, channel)
}

// Publish calls PublishFn.
func (mk *Broker) Publish(ctx context.Context, channel string, ev edusphere.Event) error {
	if mk.PublishFn == nil {
		panic("mock: Broker.Publish called without PublishFn")
	}
	return mk.PublishFn(ctx, channel, ev)
}

// Ping calls PingFn.
func (mk *Broker) Ping(ctx context.Context) error {
	if mk.PingFn == nil {
		panic("mock: Broker.Ping called without PingFn")
	}
	return mk.PingFn(ctx)
}

// Close calls CloseFn.
func (mk *Broker) Close() error {
	if mk.CloseFn == nil {
		panic("mock: Broker.Close called without CloseFn")
	}
	return mk.CloseFn()
}
