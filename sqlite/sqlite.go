package sqlite

import (
	"context"
	"crypto/rand"
	"database/sql"
	"embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"runtime"
	"strings"
	"sync/atomic"
	"time"

	"github.com/edusphere/edusphere"
	"github.com/edusphere/edusphere/internal/unread"
	"github.com/google/uuid"
	"github.com/pressly/goose/v3"
	"modernc.org/sqlite"
)

//go:embed migration/*.sql
var migrationFS embed.FS

// SQLite result codes the error mapping needs (extended codes).
const (
	codeConstraintCheck      = 275
	codeConstraintForeignKey = 787
	codeConstraintPrimaryKey = 1555
	codeConstraintUnique     = 2067
)

// busyTimeout is how long a connection waits for another writer, in ms.
const busyTimeout = 10000

// migrationLockLease bounds how long a crashed migrator can block others.
const migrationLockLease = 2 * time.Minute

// DB is an SQLite database: one writer connection, so write transactions
// queue in Go instead of failing with SQLITE_BUSY, and a pool of readers.
type DB struct {
	// Now tells the time; nil means real time. Set it before Open. Every
	// transaction reads "now" from it once, so created and updated agree.
	Now edusphere.Clock

	// BeforeChatCommit, when set, runs inside each transaction of
	// MessageService.CommitChat just before it commits; an error fails the
	// transaction as a whole. Tests inject failures with it. Set it before
	// the DB is used.
	BeforeChatCommit func(ops []edusphere.ChatOp) error

	dsn   string
	base  string        // the SQLite URI Open connected to, without pragmas
	w     *sql.DB       // writer: one connection, transactions BEGIN IMMEDIATE
	r     *sql.DB       // readers
	keep  *sql.Conn     // holds a private in-memory database open
	ckpt  *checkpointer // copies the log into the file; nil in memory
	count atomic.Int64

	unread unread.Memo // unread counts by the state they were counted at
}

// NewDB returns a DB for dsn: a file path, or ":memory:" for a private
// in-memory database that all of the DB's connections share.
func NewDB(dsn string) *DB {
	return &DB{dsn: dsn}
}

// Open connects, applies the pragmas and pings. It does not migrate.
func (db *DB) Open(ctx context.Context) error {
	if db.dsn == "" {
		return fmt.Errorf("open db: dsn required")
	}
	base, memory := db.baseURI()
	db.base = base
	pragmas := fmt.Sprintf("_pragma=foreign_keys(1)&_pragma=busy_timeout(%d)&_pragma=synchronous(NORMAL)", busyTimeout)
	if !memory {
		pragmas = "_pragma=journal_mode(WAL)&" + pragmas
	}
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	writerPragmas := pragmas
	if !memory {
		// The checkpointer, not a commit, copies the log (checkpoint.go).
		writerPragmas += "&_pragma=wal_autocheckpoint(0)"
	}
	writer, err := newConnector(base + sep + writerPragmas + "&_txlock=immediate")
	if err != nil {
		return fmt.Errorf("open writer: %w", err)
	}
	readers, err := newConnector(base + sep + pragmas + "&_pragma=query_only(1)")
	if err != nil {
		return fmt.Errorf("open readers: %w", err)
	}
	db.w = sql.OpenDB(writer)
	db.w.SetMaxOpenConns(1)
	db.w.SetConnMaxLifetime(0)
	db.w.SetConnMaxIdleTime(0)
	db.r = sql.OpenDB(readers)
	n := max(4, runtime.GOMAXPROCS(0)) + 1
	db.r.SetMaxOpenConns(n)
	db.r.SetMaxIdleConns(n)
	db.r.SetConnMaxLifetime(0)
	db.r.SetConnMaxIdleTime(0)
	// The writer creates the database file (or the in-memory database) and
	// switches it to WAL before any reader opens it.
	if err := db.w.PingContext(ctx); err != nil {
		db.Close()
		return fmt.Errorf("ping writer: %w", err)
	}
	if memory {
		// A shared-cache in-memory database lives while one connection is open.
		if db.keep, err = db.r.Conn(ctx); err != nil {
			db.Close()
			return fmt.Errorf("hold memory db: %w", err)
		}
	}
	if err := db.r.PingContext(ctx); err != nil {
		db.Close()
		return fmt.Errorf("ping readers: %w", err)
	}
	if !memory {
		c, err := newConnector(base + sep + pragmas)
		if err != nil {
			db.Close()
			return fmt.Errorf("open checkpointer: %w", err)
		}
		cdb := sql.OpenDB(c)
		cdb.SetMaxOpenConns(1)
		cdb.SetConnMaxIdleTime(0)
		db.ckpt = startCheckpointer(cdb, CheckpointInterval)
	}
	return nil
}

// CheckpointStats tells what the checkpointer has done; zero for an
// in-memory database.
func (db *DB) CheckpointStats() CheckpointStats {
	if db.ckpt == nil {
		return CheckpointStats{}
	}
	return db.ckpt.Stats()
}

// baseURI returns the SQLite URI for the dsn and whether it is in memory.
func (db *DB) baseURI() (string, bool) {
	if db.dsn == ":memory:" {
		// A unique name keeps two DBs of one process apart; cache=shared
		// lets all connections of this DB see the same data.
		b := make([]byte, 12)
		rand.Read(b)
		return "file:edusphere-" + hex.EncodeToString(b) + "?mode=memory&cache=shared", true
	}
	if strings.HasPrefix(db.dsn, "file:") {
		return db.dsn, strings.Contains(db.dsn, "mode=memory")
	}
	return "file:" + (&url.URL{Path: db.dsn}).EscapedPath(), false
}

// Close closes every connection.
func (db *DB) Close() error {
	var errs []error
	if db.ckpt != nil {
		errs = append(errs, db.ckpt.close())
		db.ckpt = nil
	}
	if db.keep != nil {
		errs = append(errs, db.keep.Close())
		db.keep = nil
	}
	if db.r != nil {
		errs = append(errs, db.r.Close())
	}
	if db.w != nil {
		errs = append(errs, db.w.Close())
	}
	return errors.Join(errs...)
}

// Ping checks that the writer and a reader answer.
func (db *DB) Ping(ctx context.Context) error {
	if db.w == nil {
		return fmt.Errorf("ping: db not open")
	}
	if err := db.w.PingContext(ctx); err != nil {
		return fmt.Errorf("ping writer: %w", err)
	}
	if err := db.r.PingContext(ctx); err != nil {
		return fmt.Errorf("ping readers: %w", err)
	}
	return nil
}

// PoolStats returns the statistics of the writer connection and of the
// reader pool (for metrics); zero values before Open.
func (db *DB) PoolStats() (writer, readers sql.DBStats) {
	if db.w == nil || db.r == nil {
		return
	}
	return db.w.Stats(), db.r.Stats()
}

// StatementCount returns how many SQL statements the services ran so far;
// tests use it to catch N+1 query patterns.
func (db *DB) StatementCount() int64 { return db.count.Load() }

// CatalogVersion returns the number of committed changes to users, topics,
// rooms and participants so far (migration 0003): equal versions mean
// equal catalog data. It is one statement outside any transaction, as it
// runs before every cached read.
func (db *DB) CatalogVersion(ctx context.Context) (int64, error) {
	if db.r == nil {
		return 0, fmt.Errorf("catalog version: db not open")
	}
	db.count.Add(1)
	var v int64
	if err := db.r.QueryRowContext(ctx, `SELECT version FROM edusphere_catalog WHERE id = 1`).Scan(&v); err != nil {
		return 0, fmt.Errorf("catalog version: %w", err)
	}
	return v, nil
}

// MessagesVersion returns the room's sequence number, which moves with
// every committed change to its messages (docs/data.md, "Room sequences"),
// or ENOTFOUND. It is one statement outside any transaction, as it runs
// before every cached read of a message list.
func (db *DB) MessagesVersion(ctx context.Context, roomID uuid.UUID) (int64, error) {
	if db.r == nil {
		return 0, fmt.Errorf("messages version: db not open")
	}
	db.count.Add(1)
	var v int64
	err := db.r.QueryRowContext(ctx, `SELECT seq FROM edusphere_room_seq WHERE room_id = ?`, roomID).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, edusphere.NotFound(edusphere.MsgRoomNotFound)
	} else if err != nil {
		return 0, fmt.Errorf("messages version: %w", err)
	}
	return v, nil
}

// Services returns every service of the root bundle backed by db.
func (db *DB) Services() edusphere.Services {
	return edusphere.Services{
		Users:    &UserService{db: db},
		Topics:   &TopicService{db: db},
		Rooms:    &RoomService{db: db},
		Messages: &MessageService{db: db},
		Sessions: &SessionService{db: db},
		AdminLog: &AdminLogService{db: db},

		ReadMarkers: &ReadMarkerService{db: db},
		Invitations: &InvitationService{db: db},
		Search:      &SearchService{db: db},
		Reports:     &ReportService{db: db},
	}
}

// Migrate applies the pending embedded migrations with goose. A lease row
// serialises migrators, so running it twice, or from two processes on one
// file at once, applies each migration exactly once.
func (db *DB) Migrate(ctx context.Context) error {
	if db.w == nil {
		return fmt.Errorf("migrate: db not open")
	}
	owner := uuid.NewString()
	if err := db.lockMigrations(ctx, owner); err != nil {
		return fmt.Errorf("lock migrations: %w", err)
	}
	defer db.w.ExecContext(context.WithoutCancel(ctx),
		`DELETE FROM edusphere_migration_lock WHERE id = 1 AND owner = ?`, owner)

	sub, err := fs.Sub(migrationFS, "migration")
	if err != nil {
		return fmt.Errorf("migration fs: %w", err)
	}
	p, err := goose.NewProvider(goose.DialectSQLite3, db.w, sub, goose.WithDisableGlobalRegistry(true))
	if err != nil {
		return fmt.Errorf("migration provider: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("migrate up: %w", err)
	}
	return nil
}

// lockMigrations takes the migration lease, waiting while another migrator
// holds an unexpired one. Each attempt is one IMMEDIATE transaction, so two
// processes cannot both see the lease free.
func (db *DB) lockMigrations(ctx context.Context, owner string) error {
	for {
		ok, err := db.tryLockMigrations(ctx, owner)
		if err != nil {
			return err
		} else if ok {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func (db *DB) tryLockMigrations(ctx context.Context, owner string) (bool, error) {
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return false, fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS edusphere_migration_lock (
		id INTEGER PRIMARY KEY CHECK (id = 1), owner TEXT NOT NULL, expires INTEGER NOT NULL)`); err != nil {
		return false, fmt.Errorf("create lock table: %w", err)
	}
	now := time.Now()
	if _, err := tx.ExecContext(ctx, `DELETE FROM edusphere_migration_lock WHERE expires < ?`, now.UnixMilli()); err != nil {
		return false, fmt.Errorf("expire lock: %w", err)
	}
	res, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO edusphere_migration_lock (id, owner, expires) VALUES (1, ?, ?)`,
		owner, now.Add(migrationLockLease).UnixMilli())
	if err != nil {
		return false, fmt.Errorf("insert lock: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("insert lock: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return false, fmt.Errorf("commit lock: %w", err)
	}
	return n == 1, nil
}

// Tx is one transaction with the time it started. Lower-case helpers take
// a *Tx and run a single step; the exported service methods own the Tx.
type Tx struct {
	tx  *sql.Tx
	db  *DB
	now time.Time
}

// begin starts a write transaction on the writer (BEGIN IMMEDIATE, so the
// write lock is taken up front and checks inside it cannot race) or a read
// transaction on the reader pool, which sees one consistent snapshot.
func (db *DB) begin(ctx context.Context, write bool) (*Tx, error) {
	if db.w == nil {
		return nil, fmt.Errorf("begin: db not open")
	}
	pool := db.r
	if write {
		pool = db.w
	}
	tx, err := pool.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("begin: %w", err)
	}
	return &Tx{tx: tx, db: db, now: db.Now.Now()}, nil
}

// Commit commits the transaction.
func (tx *Tx) Commit() error {
	if err := tx.tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// Rollback rolls back; after Commit it does nothing.
func (tx *Tx) Rollback() error { return tx.tx.Rollback() }

func (tx *Tx) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	tx.db.count.Add(1)
	return tx.tx.ExecContext(ctx, query, args...)
}

func (tx *Tx) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	tx.db.count.Add(1)
	return tx.tx.QueryContext(ctx, query, args...)
}

func (tx *Tx) queryRow(ctx context.Context, query string, args ...any) *sql.Row {
	tx.db.count.Add(1)
	return tx.tx.QueryRowContext(ctx, query, args...)
}

// deleteByID deletes the row of table with id in a write transaction; the
// foreign keys cascade. No such row is ENOTFOUND with notFound.
func (db *DB) deleteByID(ctx context.Context, table string, id any, notFound string) error {
	tx, err := db.begin(ctx, true)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	res, err := tx.exec(ctx, `DELETE FROM `+table+` WHERE id = ?`, id)
	if err != nil {
		return mapError("delete from "+table, err, "")
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("delete from %s: %w", table, err)
	} else if n == 0 {
		return edusphere.NotFound(notFound)
	}
	return tx.Commit()
}

// query runs one reading statement on the reader pool outside any
// transaction: one snapshot, and on a shared-cache memory database all of
// its table locks taken at once, so it cannot deadlock with the writer as
// a read transaction of several statements can.
func (db *DB) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if db.r == nil {
		return nil, fmt.Errorf("query: db not open")
	}
	db.count.Add(1)
	return db.r.QueryContext(ctx, query, args...)
}

// exists runs a query selecting one row and reports whether it found one.
func (tx *Tx) exists(ctx context.Context, query string, args ...any) (bool, error) {
	var one int
	err := tx.queryRow(ctx, query, args...).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	} else if err != nil {
		return false, err
	}
	return true, nil
}

// timeLayout is fixed width so that text order is time order.
const timeLayout = "2006-01-02T15:04:05.000000Z"

// encTime renders t in UTC at microsecond precision.
func encTime(t time.Time) string {
	return t.UTC().Truncate(time.Microsecond).Format(timeLayout)
}

// encTimePtr renders t, or NULL for nil.
func encTimePtr(t *time.Time) any {
	if t == nil {
		return nil
	}
	return encTime(*t)
}

func decTime(v any) (time.Time, error) {
	var s string
	switch x := v.(type) {
	case string:
		s = x
	case []byte:
		s = string(x)
	case time.Time:
		return x.UTC(), nil
	default:
		return time.Time{}, fmt.Errorf("scan time: unexpected %T", v)
	}
	t, err := time.Parse(timeLayout, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("scan time: %w", err)
	}
	return t, nil
}

// timeScanner scans a time column into *p.
type timeScanner struct{ p *time.Time }

func (s timeScanner) Scan(v any) error {
	t, err := decTime(v)
	if err != nil {
		return err
	}
	*s.p = t
	return nil
}

// nullTimeScanner scans a nullable time column into *p.
type nullTimeScanner struct{ p **time.Time }

func (s nullTimeScanner) Scan(v any) error {
	if v == nil {
		*s.p = nil
		return nil
	}
	t, err := decTime(v)
	if err != nil {
		return err
	}
	*s.p = &t
	return nil
}

// nullUUIDScanner scans a nullable UUID column into *p.
type nullUUIDScanner struct{ p **uuid.UUID }

func (s nullUUIDScanner) Scan(v any) error {
	if v == nil {
		*s.p = nil
		return nil
	}
	var id uuid.UUID
	if err := id.Scan(v); err != nil {
		return err
	}
	*s.p = &id
	return nil
}

// where collects the conditions and arguments of a WHERE clause.
type where struct {
	conds []string
	args  []any
}

func (w *where) add(cond string, args ...any) {
	w.conds = append(w.conds, cond)
	w.args = append(w.args, args...)
}

// in adds "col IN (values)" with the values as one JSON array argument, so
// the statement text is the same whatever their number and SQLite parses a
// short statement instead of one with a placeholder per value.
func in[T any](w *where, col string, vals []T) {
	w.add(col+" IN "+valuesQuery, jsonList(vals))
}

// valuesQuery is the subquery listing the values of a jsonList argument.
const valuesQuery = "(SELECT value FROM json_each(?))"

// jsonList renders ids (UUIDs, integers) or names as a JSON array.
func jsonList[T any](vals []T) string {
	list, err := json.Marshal(vals)
	if err != nil {
		panic(fmt.Sprintf("json list: %v", err)) // ids and strings always marshal
	}
	return string(list)
}

func (w *where) String() string {
	if len(w.conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(w.conds, " AND ")
}

// likeContains returns a LIKE pattern matching s literally as a substring;
// use it with ESCAPE '\'. SQLite's LIKE ignores ASCII case.
func likeContains(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(s) + "%"
}

// findPage runs a finder's query, whose last column is totalColumn's, and
// reads each row with scan, which also stores that column in *total. A
// page past the last row counts the matching rows with count instead. what
// names the rows in errors.
func findPage[T any](ctx context.Context, tx *Tx, what, query, count string, args []any, offset int,
	scan func(rows *sql.Rows, total *int) (*T, error)) ([]*T, int, error) {
	rows, err := tx.query(ctx, query, args...)
	if err != nil {
		return nil, 0, fmt.Errorf("find %s: %w", what, err)
	}
	defer rows.Close()
	var items []*T
	total := 0
	for rows.Next() {
		it, err := scan(rows, &total)
		if err != nil {
			return nil, 0, fmt.Errorf("scan %s: %w", what, err)
		}
		items = append(items, it)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("find %s: %w", what, err)
	}
	if total < 0 {
		total = len(items)
	}
	if len(items) == 0 && offset > 0 {
		if err := tx.queryRow(ctx, count, args...).Scan(&total); err != nil {
			return nil, 0, fmt.Errorf("count %s: %w", what, err)
		}
	}
	return items, total, nil
}

// totalColumn selects the number of rows a filter matches before paging: a
// window count when a page cuts the list, otherwise -1, after which the
// finder takes the number of rows it read (the window would make SQLite
// collect every row before returning the first).
func totalColumn(limit, offset int) string {
	if limit > 0 || offset > 0 {
		return "count(*) OVER ()"
	}
	return "-1"
}

// limitOffset renders LIMIT and OFFSET; a zero limit means no limit.
func limitOffset(limit, offset int) string {
	if limit <= 0 {
		limit = -1
	}
	return fmt.Sprintf(" LIMIT %d OFFSET %d", limit, max(offset, 0))
}

// sqliteCode returns the extended result code of a driver error, or 0.
func sqliteCode(err error) (int, string) {
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code(), se.Error()
	}
	return 0, ""
}

// Messages of the session service, which the API never shows.
const (
	msgTokenUsed      = "Refresh token was already used."
	msgTokenNotFound  = "Refresh token not found"
	msgSessionTaken   = "Session already exists."
	msgSessionMissing = "Session not found"
)

// mapError turns a driver error into a domain error at the boundary:
// unique violations become ECONFLICT with the repr message of the rule,
// foreign-key violations ENOTFOUND with notFound, anything else is wrapped
// with the step. Domain errors pass through unchanged.
func mapError(step string, err error, notFound string) error {
	if err == nil {
		return nil
	}
	var de *edusphere.Error
	if errors.As(err, &de) {
		return err
	}
	code, msg := sqliteCode(err)
	switch code {
	case codeConstraintUnique, codeConstraintPrimaryKey:
		switch {
		case strings.Contains(msg, "core_user.username"):
			return edusphere.ModelFieldError(edusphere.ECONFLICT, "username", edusphere.MsgUsernameTaken)
		case strings.Contains(msg, "core_user_email"):
			return edusphere.ModelFieldError(edusphere.ECONFLICT, "email", edusphere.MsgEmailTaken)
		case strings.Contains(msg, "core_room_host_name"):
			return edusphere.ModelFieldError(edusphere.ECONFLICT, "__all__", edusphere.MsgRoomNameTaken)
		case strings.Contains(msg, "core_room.slug"):
			return edusphere.ModelFieldError(edusphere.ECONFLICT, "slug", edusphere.MsgRoomSlugTaken)
		case strings.Contains(msg, "core_topic.name"):
			return edusphere.ModelFieldError(edusphere.ECONFLICT, "name", edusphere.MsgTopicTaken)
		case strings.Contains(msg, "edusphere_admin_session"):
			return edusphere.Errorf(edusphere.ECONFLICT, msgSessionTaken)
		}
		return edusphere.Errorf(edusphere.ECONFLICT, "Already exists.")
	case codeConstraintForeignKey:
		if notFound != "" {
			return edusphere.NotFound(notFound)
		}
	}
	return fmt.Errorf("%s: %w", step, err)
}
