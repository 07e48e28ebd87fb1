package presence

// Kill stops s the way SIGKILL stops a process: the heartbeat and the
// worker end, and nothing is removed from the store.
func (s *Service) Kill() {
	s.mu.Lock()
	s.closing = true
	s.mu.Unlock()
	s.cancel()
	s.done.Wait()
}
