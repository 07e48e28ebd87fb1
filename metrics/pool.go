package metrics

import (
	"github.com/prometheus/client_golang/prometheus"
)

// PoolStats is one connection pool's state at a scrape.
type PoolStats struct {
	Max         int     // most connections the pool opens
	InUse       int     // connections running a statement or transaction
	Idle        int     // open connections waiting for work
	Waits       int64   // acquisitions that waited for a connection, since start
	WaitSeconds float64 // total time spent waiting, since start
}

// pools reads the stats of named pools at every scrape.
type pools struct {
	stats func() map[string]PoolStats

	max, inUse, idle, waits, waitSeconds *prometheus.Desc
}

// RegisterPools registers the database pool series; stats returns each
// pool's state by name ("postgres", or "sqlite_writer" and
// "sqlite_readers"), and is called at every scrape.
func RegisterPools(reg prometheus.Registerer, stats func() map[string]PoolStats) {
	desc := func(name, help string) *prometheus.Desc {
		return prometheus.NewDesc("edusphere_db_"+name, help, []string{"pool"}, nil)
	}
	reg.MustRegister(&pools{
		stats:       stats,
		max:         desc("connections_max", "Most connections the pool opens."),
		inUse:       desc("connections_in_use", "Connections running a statement or transaction."),
		idle:        desc("connections_idle", "Open connections waiting for work."),
		waits:       desc("connection_waits_total", "Times a statement waited for a free connection."),
		waitSeconds: desc("connection_wait_seconds_total", "Total time statements waited for a free connection."),
	})
}

func (p *pools) Describe(ch chan<- *prometheus.Desc) {
	ch <- p.max
	ch <- p.inUse
	ch <- p.idle
	ch <- p.waits
	ch <- p.waitSeconds
}

func (p *pools) Collect(ch chan<- prometheus.Metric) {
	for name, s := range p.stats() {
		ch <- prometheus.MustNewConstMetric(p.max, prometheus.GaugeValue, float64(s.Max), name)
		ch <- prometheus.MustNewConstMetric(p.inUse, prometheus.GaugeValue, float64(s.InUse), name)
		ch <- prometheus.MustNewConstMetric(p.idle, prometheus.GaugeValue, float64(s.Idle), name)
		ch <- prometheus.MustNewConstMetric(p.waits, prometheus.CounterValue, float64(s.Waits), name)
		ch <- prometheus.MustNewConstMetric(p.waitSeconds, prometheus.CounterValue, s.WaitSeconds, name)
	}
}
