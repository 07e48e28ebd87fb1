package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/edusphere/edusphere"
	"github.com/edusphere/edusphere/internal/unread"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

//go:embed migration/*.sql
var migrationFS embed.FS

// migrationTable records which migrations ran.
const migrationTable = "goose_db_version"

// migrationLockID names the advisory lock that serialises migrations. It is
// scoped to one database, so test databases on one server do not contend.
const migrationLockID int64 = 0x6564757370686572 // "eduspher"

// DB is a PostgreSQL database: a pgx connection pool plus the clock every
// transaction reads "now" from.
type DB struct {
	// Now is the clock of the store; nil means real time. Set it before Open.
	Now edusphere.Clock
	// MaxConns is the pool size (DB_MAX_CONNS); 0 means pool_max_conns from
	// the URL, else 2 × GOMAXPROCS + 1 and at least 4. Set it before Open.
	MaxConns int
	// FullPool opens every connection of the pool before Open returns and
	// keeps the pool full (the server sets it; docs/operations.md,
	// "Connect latency"); tests leave it off, so that many test databases
	// hold few connections. Set it before Open.
	FullPool bool
	// StatementTimeout bounds every statement of the services
	// (DB_STATEMENT_TIMEOUT, PostgreSQL's statement_timeout); 0 means none.
	// Migrations run without it. Set it before Open.
	StatementTimeout time.Duration

	// BeforeChatCommit, when set, runs inside each transaction of
	// MessageService.CommitChat just before it commits; an error fails the
	// transaction as a whole. Tests inject failures with it. Set it before
	// the DB is used.
	BeforeChatCommit func(ops []edusphere.ChatOp) error

	dsn   string
	pool  *pgxpool.Pool
	stmts atomic.Int64

	unread unread.Memo // unread counts by the state they were counted at
}

// NewDB returns a DB for dsn, a postgres:// URL; call Open before use.
func NewDB(dsn string) *DB {
	return &DB{dsn: dsn}
}

// Open creates the connection pool and checks the server answers. It does
// not migrate.
func (db *DB) Open(ctx context.Context) error {
	if db.dsn == "" {
		return errors.New("open db: dsn required")
	}
	cfg, err := pgxpool.ParseConfig(db.dsn)
	if err != nil {
		return fmt.Errorf("parse dsn: %w", err)
	}
	// The server process shares a small box with PostgreSQL itself; a few
	// connections per core keep both busy without thrashing. An explicit
	// pool_max_conns in the URL wins.
	switch {
	case db.MaxConns > 0:
		cfg.MaxConns = int32(db.MaxConns)
	case !strings.Contains(db.dsn, "pool_max_conns"):
		cfg.MaxConns = int32(max(4, 2*runtime.GOMAXPROCS(0)+1))
	}
	if db.StatementTimeout > 0 {
		cfg.ConnConfig.RuntimeParams["statement_timeout"] = strconv.FormatInt(max(1, db.StatementTimeout.Milliseconds()), 10)
	}
	cfg.MaxConnIdleTime = 5 * time.Minute
	cfg.HealthCheckPeriod = 30 * time.Second
	// Prepared statements are cached per connection, so repeated finders
	// skip parsing and planning.
	cfg.ConnConfig.DefaultQueryExecMode = pgx.QueryExecModeCacheStatement
	cfg.ConnConfig.StatementCacheCapacity = 512
	cfg.ConnConfig.RuntimeParams["timezone"] = "UTC"
	if cfg.ConnConfig.RuntimeParams["application_name"] == "" {
		cfg.ConnConfig.RuntimeParams["application_name"] = "edusphere"
	}

	// The pool is kept full: a connection opened on demand costs a
	// request its TCP and startup round trips, and right after a start
	// every request used to open one (docs/operations.md, "Connect
	// latency").
	warmConns := 1
	if db.FullPool {
		cfg.MinConns = cfg.MaxConns
		warmConns = int(cfg.MaxConns)
	}

	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return fmt.Errorf("create pool: %w", err)
	}
	if err := warm(ctx, pool, warmConns, (*pgxpool.Conn).Ping); err != nil {
		pool.Close()
		return fmt.Errorf("ping: %w", err)
	}
	db.pool = pool
	return nil
}

// warm takes n connections at once, opening them as needed, and calls fn
// on each: with a ping, the pool is full before the first request.
func warm(ctx context.Context, pool *pgxpool.Pool, n int, fn func(*pgxpool.Conn, context.Context) error) error {
	conns := make([]*pgxpool.Conn, 0, n)
	defer func() {
		for _, c := range conns {
			c.Release()
		}
	}()
	errs := make(chan error, n)
	got := make(chan *pgxpool.Conn, n)
	for range n {
		go func() {
			c, err := pool.Acquire(ctx)
			if err == nil {
				err = fn(c, ctx)
			}
			if err != nil {
				if c != nil {
					c.Release()
				}
				errs <- err
				return
			}
			got <- c
		}()
	}
	for range n {
		select {
		case c := <-got:
			conns = append(conns, c)
		case err := <-errs:
			// Collect the rest before releasing, so none leaks.
			for range n - len(conns) - 1 {
				select {
				case c := <-got:
					conns = append(conns, c)
				case <-errs:
				}
			}
			return err
		}
	}
	return nil
}

// Warm fills a FullPool again after Migrate started it over, and runs the
// reads of a chat handshake, with arguments that match nothing, on every
// connection: each then holds them prepared and its server process has
// loaded the tables' catalog entries. The first handshakes after a start
// would otherwise pay for opening connections and for preparing
// (docs/operations.md, "Connect latency"). Without FullPool it warms the
// connections open.
func (db *DB) Warm(ctx context.Context) error {
	if db.pool == nil {
		return errors.New("warm: db not open")
	}
	n := int(db.pool.Stat().TotalConns())
	if db.FullPool {
		n = int(db.pool.Config().MaxConns)
	}
	return warm(ctx, db.pool, n, func(c *pgxpool.Conn, ctx context.Context) error {
		// A DB of its own, so that warming counts no statements.
		tx := &Tx{db: &DB{}, q: c, now: db.Now.Now()}
		if _, err := findUserOne(ctx, tx, userByEmail, ""); edusphere.ErrorCode(err) != edusphere.ENOTFOUND {
			return fmt.Errorf("warm user read: %w", err)
		}
		if _, err := findUserByID(ctx, tx, uuid.Nil); edusphere.ErrorCode(err) != edusphere.ENOTFOUND {
			return fmt.Errorf("warm user read: %w", err)
		}
		if _, _, err := findRoomForUser(ctx, tx, "", "", uuid.Nil); edusphere.ErrorCode(err) != edusphere.ENOTFOUND {
			return fmt.Errorf("warm room read: %w", err)
		}
		return nil
	})
}

// Migrate applies the pending embedded migrations in order, each in its own
// transaction, while holding a session advisory lock so that two processes
// migrating at once take turns. Running it again changes nothing.
func (db *DB) Migrate(ctx context.Context) error {
	if db.pool == nil {
		return errors.New("migrate: db not open")
	}
	fsys, err := fs.Sub(migrationFS, "migration")
	if err != nil {
		return fmt.Errorf("migration files: %w", err)
	}
	// Retry the lock every second for up to five minutes: a concurrent
	// migration of this schema takes well under that.
	locker, err := lock.NewPostgresSessionLocker(
		lock.WithLockID(migrationLockID),
		lock.WithLockTimeout(1, 300),
		lock.WithUnlockTimeout(1, 60),
	)
	if err != nil {
		return fmt.Errorf("migration lock: %w", err)
	}
	pool := db.pool
	if db.StatementTimeout > 0 {
		// A migration may rewrite a large table: it runs on connections
		// of its own without the services' statement timeout.
		cfg := db.pool.Config()
		delete(cfg.ConnConfig.RuntimeParams, "statement_timeout")
		cfg.MaxConns = 4
		mp, err := pgxpool.NewWithConfig(ctx, cfg)
		if err != nil {
			return fmt.Errorf("migration pool: %w", err)
		}
		defer mp.Close()
		pool = mp
	}
	sqlDB := stdlib.OpenDBFromPool(pool)
	defer sqlDB.Close()

	p, err := goose.NewProvider(goose.DialectPostgres, sqlDB, fsys,
		goose.WithSessionLocker(locker),
		goose.WithTableName(migrationTable),
		goose.WithLogger(goose.NopLogger()),
		goose.WithDisableGlobalRegistry(true),
	)
	if err != nil {
		return fmt.Errorf("migration provider: %w", err)
	}
	results, err := p.Up(ctx)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	if len(results) > 0 {
		// Statements cached before the schema changed could describe old
		// result types; start over with fresh connections (Warm opens
		// them all again).
		db.pool.Reset()
	}
	return nil
}

// Close closes the pool, waiting for connections in use to be released.
func (db *DB) Close() error {
	if db.pool != nil {
		db.pool.Close()
	}
	return nil
}

// Ping reports whether the server answers.
func (db *DB) Ping(ctx context.Context) error {
	if db.pool == nil {
		return errors.New("ping: db not open")
	}
	if err := db.pool.Ping(ctx); err != nil {
		return fmt.Errorf("ping: %w", err)
	}
	return nil
}

// PoolStat returns the connection pool's statistics (for metrics), or nil
// before Open.
func (db *DB) PoolStat() *pgxpool.Stat {
	if db.pool == nil {
		return nil
	}
	return db.pool.Stat()
}

// StatementCount returns how many SQL statements the services have run,
// not counting transaction control, so tests can catch N+1 queries.
func (db *DB) StatementCount() int64 { return db.stmts.Load() }

// CatalogVersion returns the number of committed changes to users, topics,
// rooms and participants so far (migration 0003, summed over its shards):
// equal versions mean equal catalog data.
func (db *DB) CatalogVersion(ctx context.Context) (int64, error) {
	if db.pool == nil {
		return 0, errors.New("catalog version: db not open")
	}
	db.stmts.Add(1)
	var v int64
	if err := db.pool.QueryRow(ctx, `SELECT sum(version)::bigint FROM edusphere_catalog`).Scan(&v); err != nil {
		return 0, mapError("catalog version", err)
	}
	return v, nil
}

// MessagesVersion returns the room's sequence number, which moves with
// every committed change to its messages (docs/data.md, "Room sequences"),
// or ENOTFOUND. Reading it takes no lock, so caching message lists costs
// writers nothing.
func (db *DB) MessagesVersion(ctx context.Context, roomID uuid.UUID) (int64, error) {
	if db.pool == nil {
		return 0, errors.New("messages version: db not open")
	}
	db.stmts.Add(1)
	var v int64
	err := db.pool.QueryRow(ctx, `SELECT seq FROM edusphere_room_seq WHERE room_id = $1`, roomID).Scan(&v)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, edusphere.NotFound(edusphere.MsgRoomNotFound)
	} else if err != nil {
		return 0, mapError("messages version", err)
	}
	return v, nil
}

// Services returns every service backed by db.
func (db *DB) Services() edusphere.Services {
	return edusphere.Services{
		Users:    NewUserService(db),
		Topics:   NewTopicService(db),
		Rooms:    NewRoomService(db),
		Messages: NewMessageService(db),
		Sessions: NewSessionService(db),
		AdminLog: NewAdminLogService(db),

		ReadMarkers: NewReadMarkerService(db),
		Invitations: NewInvitationService(db),
		Search:      NewSearchService(db),
		Reports:     NewReportService(db),
	}
}

// querier is what pgx.Tx and *pgxpool.Pool have in common.
type querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults
}

// Tx runs the statements of one service call. A writing call gets a real
// transaction; a reading call runs its statements straight on the pool,
// because each of its reads is a single statement.
type Tx struct {
	db  *DB
	q   querier
	tx  pgx.Tx
	now time.Time
}

// deleteByID deletes the row of table with id in a transaction; the foreign
// keys cascade. No such row is ENOTFOUND with notFound.
func (db *DB) deleteByID(ctx context.Context, table string, id any, notFound string) error {
	tx, err := db.BeginTx(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	tag, err := tx.exec(ctx, `DELETE FROM `+table+` WHERE id = $1`, id)
	if err != nil {
		return mapError("delete from "+table, err)
	} else if tag.RowsAffected() == 0 {
		return edusphere.NotFound(notFound)
	}
	return tx.Commit(ctx)
}

// BeginTx starts a read-write transaction whose "now" comes from db.Now.
func (db *DB) BeginTx(ctx context.Context) (*Tx, error) {
	if db.pool == nil {
		return nil, errors.New("begin: db not open")
	}
	tx, err := db.pool.Begin(ctx)
	if err != nil {
		return nil, fmt.Errorf("begin: %w", err)
	}
	return &Tx{db: db, q: tx, tx: tx, now: db.Now.Now()}, nil
}

// pipedTx is a transaction on a connection of its own whose BEGIN and
// COMMIT the caller queues in its pipelines (Tx.sendBatch), so that they
// cost no round trips of their own.
type pipedTx struct {
	*Tx
	conn *pgxpool.Conn
}

// beginPipelined takes a connection for a pipelined transaction; the
// caller's first pipeline starts with BEGIN, and it calls end when done.
func (db *DB) beginPipelined(ctx context.Context) (*pipedTx, error) {
	if db.pool == nil {
		return nil, errors.New("begin: db not open")
	}
	conn, err := db.pool.Acquire(ctx)
	if err != nil {
		return nil, fmt.Errorf("begin: %w", err)
	}
	return &pipedTx{Tx: &Tx{db: db, q: conn, now: db.Now.Now()}, conn: conn}, nil
}

// end returns the connection to the pool, rolling back first when err is
// set (the transaction may be open, failed, or not begun at all). A
// connection left in a transaction, or closed by a canceled context, is
// not reused: the pool drops it.
func (tx *pipedTx) end(err error) {
	if err != nil && !tx.conn.Conn().IsClosed() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_, _ = tx.conn.Exec(ctx, `ROLLBACK`)
		cancel()
	}
	tx.conn.Release()
}

// reader returns a Tx for single-statement reads outside a transaction.
func (db *DB) reader() (*Tx, error) {
	if db.pool == nil {
		return nil, errors.New("read: db not open")
	}
	return &Tx{db: db, q: db.pool, now: db.Now.Now()}, nil
}

// Commit commits a transaction; it does nothing for a reader.
func (tx *Tx) Commit(ctx context.Context) error {
	if tx.tx == nil {
		return nil
	}
	if err := tx.tx.Commit(ctx); err != nil {
		return mapError("commit", err)
	}
	return nil
}

// Rollback rolls back a transaction not yet committed; safe to defer.
func (tx *Tx) Rollback() {
	if tx.tx != nil {
		// A fresh context: the caller's may be canceled, and the connection
		// must still go back to the pool clean.
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = tx.tx.Rollback(ctx)
	}
}

func (tx *Tx) exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	tx.db.stmts.Add(1)
	return tx.q.Exec(ctx, sql, args...)
}

func (tx *Tx) query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	tx.db.stmts.Add(1)
	return tx.q.Query(ctx, sql, args...)
}

func (tx *Tx) queryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	tx.db.stmts.Add(1)
	return tx.q.QueryRow(ctx, sql, args...)
}

// commitWith commits tx when err is nil and returns err or the commit's error.
func commitWith(ctx context.Context, tx *Tx, err error) error {
	if err != nil {
		return err
	}
	return tx.Commit(ctx)
}

// where builds a WHERE clause with numbered parameters.
type where struct {
	conds []string
	args  []any
}

// arg adds v to the arguments and returns its placeholder.
func (w *where) arg(v any) string {
	w.args = append(w.args, v)
	return "$" + strconv.Itoa(len(w.args))
}

// add appends a condition.
func (w *where) add(cond string) { w.conds = append(w.conds, cond) }

// String renders "WHERE a AND b", or "" without conditions.
func (w *where) String() string {
	if len(w.conds) == 0 {
		return ""
	}
	return "WHERE " + strings.Join(w.conds, " AND ")
}

// findPage runs a finder's query with args, whose last column is
// totalColumn's, and reads each row with scan, which also stores that
// column in *total. A page past the last row counts the matching rows with
// count and the first nargs arguments (those of the conditions) instead.
// what names the rows in errors.
func findPage[T any](ctx context.Context, tx *Tx, what, query, count string, args []any, nargs, offset int,
	scan func(rows pgx.Rows, total *int) (*T, error)) ([]*T, int, error) {
	rows, err := tx.query(ctx, query, args...)
	if err != nil {
		return nil, 0, mapError("find "+what, err)
	}
	defer rows.Close()
	items := make([]*T, 0)
	total := 0
	for rows.Next() {
		it, err := scan(rows, &total)
		if err != nil {
			return nil, 0, mapError("scan "+what, err)
		}
		items = append(items, it)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, mapError("find "+what, err)
	}
	if total < 0 {
		total = len(items)
	}
	if len(items) == 0 && offset > 0 {
		if total, err = countRows(ctx, tx, count, args[:nargs]); err != nil {
			return nil, 0, err
		}
	}
	return items, total, nil
}

// totalColumn selects the number of rows a filter matches before paging: a
// window count when a page cuts the list, otherwise -1, after which the
// finder takes the number of rows it read.
func totalColumn(limit, offset int) string {
	if limit > 0 || offset > 0 {
		return "count(*) OVER ()"
	}
	return "-1"
}

// page renders OFFSET and LIMIT; a zero limit means no limit.
func (w *where) page(offset, limit int) string {
	var s string
	if offset > 0 {
		s += " OFFSET " + w.arg(offset)
	}
	if limit > 0 {
		s += " LIMIT " + w.arg(limit)
	}
	return s
}

// likePattern turns s into an ILIKE pattern matching s literally anywhere,
// escaping the wildcards with a backslash (used with ESCAPE '\').
func likePattern(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(s) + "%"
}

// ilike renders "col contains the pattern in placeholder p, ignoring ASCII
// case". The "C" collation keeps the folding to ASCII whatever the server's
// locale, as the sqlite store's LIKE does, so both stores find the same rows.
func ilike(col, p string) string {
	return col + ` ILIKE ` + p + ` COLLATE "C" ESCAPE '\'`
}

// ts prepares a time for storage: UTC, truncated to the microseconds
// PostgreSQL keeps (it would round instead).
func ts(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// tsPtr is ts for an optional time.
func tsPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	v := ts(*t)
	return &v
}

// utc normalises a time read from the database, which pgx returns in the
// local zone.
func utc(t *time.Time) {
	*t = t.UTC()
}

// utcPtr is utc for an optional time.
func utcPtr(t *time.Time) {
	if t != nil {
		v := t.UTC()
		*t = v
	}
}

// PostgreSQL error codes the stores map.
const (
	codeUniqueViolation     = "23505"
	codeForeignKeyViolation = "23503"
	codeCheckViolation      = "23514"
	codeNotNullViolation    = "23502"
	codeStringTooLong       = "22001"
)

// uniqueErrors maps unique constraints to the domain's conflict errors.
var uniqueErrors = map[string]func() *edusphere.Error{
	"core_user_username_key": func() *edusphere.Error {
		return edusphere.ModelFieldError(edusphere.ECONFLICT, "username", edusphere.MsgUsernameTaken)
	},
	"core_user_email_lower_key": func() *edusphere.Error {
		return edusphere.ModelFieldError(edusphere.ECONFLICT, "email", edusphere.MsgEmailTaken)
	},
	"core_room_host_lower_name_key": func() *edusphere.Error {
		return edusphere.ModelFieldError(edusphere.ECONFLICT, "__all__", edusphere.MsgRoomNameTaken)
	},
	"core_room_host_slug_key": func() *edusphere.Error {
		return edusphere.ModelFieldError(edusphere.ECONFLICT, "slug", edusphere.MsgRoomSlugTaken)
	},
	"core_topic_name_key": func() *edusphere.Error {
		return edusphere.ModelFieldError(edusphere.ECONFLICT, "name", edusphere.MsgTopicTaken)
	},
	"edusphere_admin_session_pkey": func() *edusphere.Error {
		return edusphere.Errorf(edusphere.ECONFLICT, "Session already exists.")
	},
}

// checkErrors maps check constraints to the repr the model validation gives.
var checkErrors = map[string]func() *edusphere.Error{
	"no_spaces_in_topic": func() *edusphere.Error {
		return edusphere.ModelFieldError(edusphere.EINVALID, "__all__", edusphere.MsgTopicLetters)
	},
	"core_room_name_chars": func() *edusphere.Error {
		return edusphere.ModelFieldError(edusphere.EINVALID, "name", edusphere.MsgRoomNameChars)
	},
	"core_room_slug_chars": func() *edusphere.Error {
		return edusphere.ModelFieldError(edusphere.EINVALID, "slug", edusphere.MsgInvalidSlug)
	},
	"core_user_username_slug": func() *edusphere.Error {
		return edusphere.ModelFieldError(edusphere.EINVALID, "username", edusphere.MsgInvalidSlug)
	},
	"core_user_email_not_blank": func() *edusphere.Error {
		return edusphere.ModelFieldError(edusphere.EINVALID, "email", edusphere.MsgBlank)
	},
	"core_user_name_not_blank": func() *edusphere.Error {
		return edusphere.ModelFieldError(edusphere.EINVALID, "name", edusphere.MsgBlank)
	},
}

// mapError turns a driver error into a domain error where one applies, and
// otherwise wraps it with the step that failed. Domain errors pass through.
func mapError(step string, err error) error {
	if err == nil {
		return nil
	}
	var de *edusphere.Error
	if errors.As(err, &de) {
		return err
	}
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		return fmt.Errorf("%s: %w", step, err)
	}
	switch pe.Code {
	case codeUniqueViolation:
		if f, ok := uniqueErrors[pe.ConstraintName]; ok {
			return f()
		}
		return edusphere.Errorf(edusphere.ECONFLICT, "Already exists.")
	case codeForeignKeyViolation:
		return edusphere.NotFound(foreignKeyMessage(pe.ConstraintName))
	case codeCheckViolation:
		if f, ok := checkErrors[pe.ConstraintName]; ok {
			return f()
		}
		return edusphere.Errorf(edusphere.EINVALID, "%s", checkField(pe.ConstraintName))
	case codeNotNullViolation:
		return edusphere.ModelFieldError(edusphere.EINVALID, pe.ColumnName, edusphere.MsgNull)
	case codeStringTooLong:
		return edusphere.Errorf(edusphere.EINVALID, "Value too long.")
	}
	return fmt.Errorf("%s: %w", step, err)
}

// foreignKeyMessage names the missing object of a foreign key violation.
func foreignKeyMessage(constraint string) string {
	switch {
	case strings.HasSuffix(constraint, "_room_id_fkey"):
		return edusphere.MsgRoomNotFound
	case strings.HasSuffix(constraint, "_topic_id_fkey"):
		return edusphere.MsgTopicNotFound
	default: // host_id, user_id
		return edusphere.MsgUserNotFound
	}
}

// checkField gives a readable message for a check constraint without a
// dedicated repr, such as a length limit.
func checkField(constraint string) string {
	return "Invalid value (" + constraint + ")."
}

// isUniqueViolation reports whether err breaks the named unique constraint.
func isUniqueViolation(err error, constraint string) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == codeUniqueViolation && pe.ConstraintName == constraint
}
