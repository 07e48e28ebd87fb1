package hub

import (
	"hash/maphash"
	"sync"

	"github.com/edusphere/edusphere"
)

// publishQueue bounds the committed changes waiting for one publisher;
// the writer waits while it is full.
const publishQueue = 4096

// publishers publish committed chat changes off the writer's goroutines
// (Config.PublishWorkers): with a broker whose publish is a network round
// trip (Redis), publishing each change of a batch in turn on the writer's
// goroutine would hold the next batch for one round trip per change. A
// room's changes always go to the same publisher, which publishes them in
// the order the writer committed them.
type publishers struct {
	seed   maphash.Seed
	queues []chan published
	wg     sync.WaitGroup
}

// published is one committed change waiting for its publish.
type published struct {
	author *edusphere.User
	reply  *Reply
	res    edusphere.ChatResult
}

func (h *Hub) startPublishers(n int) *publishers {
	p := &publishers{seed: maphash.MakeSeed()}
	for range n {
		q := make(chan published, publishQueue)
		p.queues = append(p.queues, q)
		p.wg.Go(func() {
			for c := range q {
				h.notify.ChatCommitted(h.ctx, c.res, c.author, c.reply)
			}
		})
	}
	return p
}

// publish queues a committed change for its room's publisher.
func (p *publishers) publish(c published) {
	room := c.res.RoomID()
	p.queues[maphash.Comparable(p.seed, room)%uint64(len(p.queues))] <- c
}

// close publishes what is queued and stops the publishers.
func (p *publishers) close() {
	for _, q := range p.queues {
		close(q)
	}
	p.wg.Wait()
}
