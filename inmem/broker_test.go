package inmem_test

import (
	"testing"

	"github.com/edusphere/edusphere"
	"github.com/edusphere/edusphere/brokertest"
	"github.com/edusphere/edusphere/inmem"
)

func TestBroker(t *testing.T) {
	brokertest.Run(t, func(t *testing.T) edusphere.Broker {
		b := inmem.NewBroker()
		t.Cleanup(func() { b.Close() })
		return b
	})
}
