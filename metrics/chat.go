package metrics

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Chat counts the chat hub's work; it implements hub.Metrics.
type Chat struct {
	frames      *prometheus.CounterVec
	persisted   prometheus.Counter
	delivered   prometheus.Counter
	delay       prometheus.Histogram
	disconnects *prometheus.CounterVec
}

// NewChat registers the chat series in reg.
func NewChat(reg prometheus.Registerer) *Chat {
	m := &Chat{
		frames: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "edusphere", Name: "chat_frames_received_total",
			Help: "Client frames received on chat sockets, by kind (text, update, delete, invalid, rate_limited).",
		}, []string{"kind"}),
		persisted: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: "edusphere", Name: "chat_messages_persisted_total",
			Help: "Chat messages stored by this process.",
		}),
		delivered: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: "edusphere", Name: "chat_frames_delivered_total",
			Help: "Frames written to chat sockets by this process.",
		}),
		delay: prometheus.NewHistogram(prometheus.HistogramOpts{
			Namespace: "edusphere", Name: "chat_delivery_seconds",
			Help:    "Time from an event reaching this process's hub to its frame written to a socket; one sample per write batch, for the batch's oldest frame.",
			Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 10},
		}),
		disconnects: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "edusphere", Name: "ws_disconnects_total",
			Help: "Chat sockets ended, by reason (peer, lost, slow_consumer, going_away, user_disabled, room_deleted, too_big, other).",
		}, []string{"reason"}),
	}
	reg.MustRegister(m.frames, m.persisted, m.delivered, m.delay, m.disconnects)
	return m
}

// FrameReceived counts one client frame of kind.
func (m *Chat) FrameReceived(kind string) { m.frames.WithLabelValues(kind).Inc() }

// MessagePersisted counts one stored message.
func (m *Chat) MessagePersisted() { m.persisted.Inc() }

// FramesDelivered counts n written frames and the oldest one's wait.
func (m *Chat) FramesDelivered(n int, oldest time.Duration) {
	m.delivered.Add(float64(n))
	m.delay.Observe(oldest.Seconds())
}

// SocketClosed counts a socket's end by reason.
func (m *Chat) SocketClosed(reason string) { m.disconnects.WithLabelValues(reason).Inc() }
