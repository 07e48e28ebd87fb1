package metrics

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/edusphere/edusphere"
)

// Broker wraps an edusphere.Broker and times every publish.
type Broker struct {
	edusphere.Broker
	duration prometheus.Histogram
	errors   prometheus.Counter
}

var _ edusphere.Broker = (*Broker)(nil)

// NewBroker returns b with its publishes measured in reg.
func NewBroker(b edusphere.Broker, reg prometheus.Registerer) *Broker {
	m := &Broker{
		Broker: b,
		duration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Namespace: "edusphere", Name: "broker_publish_seconds",
			Help:    "Time to publish one event through the broker (Redis round trip, or the local hand-off).",
			Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 5},
		}),
		errors: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: "edusphere", Name: "broker_publish_errors_total",
			Help: "Publishes the broker refused; their events reached this process's sockets only.",
		}),
	}
	reg.MustRegister(m.duration, m.errors)
	return m
}

// Publish publishes through the wrapped broker and records the outcome.
func (m *Broker) Publish(ctx context.Context, channel string, ev edusphere.Event) error {
	start := time.Now()
	err := m.Broker.Publish(ctx, channel, ev)
	m.duration.Observe(time.Since(start).Seconds())
	if err != nil {
		m.errors.Inc()
	}
	return err
}
