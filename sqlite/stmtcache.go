package sqlite

import (
	"context"
	"database/sql/driver"
	"errors"

	"modernc.org/sqlite"
)

// maxCachedStmts bounds the statements one connection keeps prepared.
const maxCachedStmts = 256

// newConnector returns a connector for dsn whose connections keep their
// prepared statements by SQL text. The finders build their SQL from fixed
// pieces (values are always arguments, id lists one JSON argument), so the
// same few texts run again and again, and preparing one costs about as
// much as running it; a cached statement skips SQLite's parser. Past
// maxCachedStmts texts, statements are prepared and finalized per use.
func newConnector(dsn string) (driver.Connector, error) {
	c, err := sqlite.NewConnector(dsn)
	if err != nil {
		return nil, err
	}
	return cachingConnector{c}, nil
}

type cachingConnector struct{ driver.Connector }

func (c cachingConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	prep, ok1 := conn.(driver.ConnPrepareContext)
	begin, ok2 := conn.(driver.ConnBeginTx)
	if !ok1 || !ok2 {
		conn.Close()
		return nil, errors.New("sqlite driver: connection lacks PrepareContext or BeginTx")
	}
	return &cachingConn{Conn: conn, prep: prep, begin: begin, stmts: make(map[string]*cachedStmt)}, nil
}

// cachingConn is one SQLite connection with its statement cache. It has no
// ExecContext or QueryContext on purpose: database/sql then prepares every
// statement through PrepareContext, where the cache answers. database/sql
// uses a connection from one goroutine at a time, so the map needs no lock.
type cachingConn struct {
	driver.Conn
	prep  driver.ConnPrepareContext
	begin driver.ConnBeginTx
	stmts map[string]*cachedStmt
}

var (
	_ driver.ConnPrepareContext = (*cachingConn)(nil)
	_ driver.ConnBeginTx        = (*cachingConn)(nil)
	_ driver.Pinger             = (*cachingConn)(nil)
	_ driver.SessionResetter    = (*cachingConn)(nil)
	_ driver.Validator          = (*cachingConn)(nil)
)

// PrepareContext returns the cached statement for query when it is not
// running already (its rows still open), else a fresh one.
func (c *cachingConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	if s, ok := c.stmts[query]; ok && !s.busy {
		return s, nil
	}
	st, err := c.prep.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	if _, ok := c.stmts[query]; ok || len(c.stmts) >= maxCachedStmts {
		return st, nil // database/sql closes it after use
	}
	s := &cachedStmt{Stmt: st}
	c.stmts[query] = s
	return s, nil
}

func (c *cachingConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	return c.begin.BeginTx(ctx, opts)
}

func (c *cachingConn) Ping(ctx context.Context) error {
	if p, ok := c.Conn.(driver.Pinger); ok {
		return p.Ping(ctx)
	}
	return nil
}

func (c *cachingConn) ResetSession(ctx context.Context) error {
	if r, ok := c.Conn.(driver.SessionResetter); ok {
		return r.ResetSession(ctx)
	}
	return nil
}

func (c *cachingConn) IsValid() bool {
	if v, ok := c.Conn.(driver.Validator); ok {
		return v.IsValid()
	}
	return true
}

// Close finalizes the cached statements, then closes the connection.
func (c *cachingConn) Close() error {
	var errs []error
	for q, s := range c.stmts {
		errs = append(errs, s.Stmt.Close())
		delete(c.stmts, q)
	}
	errs = append(errs, c.Conn.Close())
	return errors.Join(errs...)
}

// cachedStmt is a prepared statement its connection keeps; Close leaves it
// prepared. busy is set while rows of it are open, when the statement
// cannot run again.
type cachedStmt struct {
	driver.Stmt
	busy bool
}

func (s *cachedStmt) Close() error { return nil }

func (s *cachedStmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	return s.Stmt.(driver.StmtExecContext).ExecContext(ctx, args)
}

func (s *cachedStmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	rows, err := s.Stmt.(driver.StmtQueryContext).QueryContext(ctx, args)
	if err != nil {
		return nil, err
	}
	s.busy = true
	return &cachedRows{Rows: rows, s: s}, nil
}

// cachedRows frees its statement for the next run when closed.
type cachedRows struct {
	driver.Rows
	s *cachedStmt
}

func (r *cachedRows) Close() error {
	err := r.Rows.Close()
	r.s.busy = false
	return err
}
