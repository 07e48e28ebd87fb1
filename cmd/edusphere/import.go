package main

import "context"

// importFlags are import-django's flags.
type importFlags struct {
	from string // --from, the original's PostgreSQL URL
}

func (m *Main) importDjango(ctx context.Context) error { return nil }
