package postgres

import (
	"context"
	"errors"
	"strings"

	"github.com/edusphere/edusphere"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

var (
	_ edusphere.SearchService = (*SearchService)(nil)
	_ edusphere.ReportService = (*ReportService)(nil)
)

// SearchService finds messages through the tsvector column of migration
// 0006 and its GIN index (docs/data.md, "Search").
type SearchService struct {
	db *DB
}

// NewSearchService returns the search service of db.
func NewSearchService(db *DB) *SearchService { return &SearchService{db: db} }

// tsQuery renders terms as a tsquery of the 'simple' configuration: every
// term as a prefix, all of them required. Terms hold letters and digits
// only (edusphere.SearchTerms); the quotes keep them one lexeme each.
func tsQuery(terms []string) string {
	parts := make([]string, len(terms))
	for i, t := range terms {
		parts[i] = `'` + strings.ReplaceAll(t, `'`, `''`) + `':*`
	}
	return strings.Join(parts, " & ")
}

// searchWindow is how many of the newest messages (before the cursor) a
// search reads first, in creation order, before it asks the GIN index.
// See docs/limits.md, "Search and reports".
const searchWindow = 5000

// SearchMessages reads a page in up to two plans, since the planner cannot
// tell a common word from a rare one by its statistics of prefix queries.
// First it walks the searchWindow newest messages before the cursor, which
// finds a page at once when the words are common in the searcher's rooms;
// when that gives less than a page, it reads every match through the GIN
// index and sorts them, which is quick when the words are rare. Each row
// is kept only when the searcher takes part in its room, and one row more
// than the page is read to tell whether another follows.
func (s *SearchService) SearchMessages(ctx context.Context, q edusphere.SearchQuery) (*edusphere.SearchPage, error) {
	if err := q.Validate(); err != nil {
		return nil, err
	}
	tx, err := s.db.BeginTx(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	// Plans made for the words at hand: a plan cached for any words would
	// guess their frequency, and guess wrong.
	if _, err := tx.exec(ctx, `SET LOCAL plan_cache_mode = force_custom_plan`); err != nil {
		return nil, mapError("search plan", err)
	}
	var w where
	query := w.arg(tsQuery(q.Terms))
	w.add(`m.search @@ to_tsquery('simple', ` + query + `)`)
	w.add(`EXISTS (SELECT 1 FROM core_room_participants p WHERE p.room_id = m.room_id AND p.user_id = ` + w.arg(q.UserID) + `)`)
	if q.RoomID != nil {
		w.add(`m.room_id = ` + w.arg(*q.RoomID))
	}
	before := "true"
	if q.After != nil {
		before = `(m.created, m.id) < (` + w.arg(q.After.Created) + `, ` + w.arg(q.After.ID) + `)`
		w.add(before)
	}
	limit := ` ORDER BY m.created DESC, m.id DESC LIMIT ` + w.arg(q.First+1)
	msgs, err := searchRows(ctx, tx, `SELECT `+messageColumns+` FROM (
			SELECT * FROM core_message m WHERE `+before+` ORDER BY m.created DESC, m.id DESC LIMIT `+w.arg(searchWindow)+`
		) m `+w.String()+limit, w.args)
	if err != nil {
		return nil, err
	}
	if len(msgs) <= q.First {
		if _, err := tx.exec(ctx, `SET LOCAL enable_indexscan = off`); err != nil {
			return nil, mapError("search plan", err)
		}
		if _, err := tx.exec(ctx, `SET LOCAL enable_seqscan = off`); err != nil {
			return nil, mapError("search plan", err)
		}
		if msgs, err = searchRows(ctx, tx, `SELECT `+messageColumns+` FROM core_message m `+w.String()+limit, w.args[:len(w.args)-1]); err != nil {
			return nil, err
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return nil, err
	}
	return edusphere.NewSearchPage(q, msgs), nil
}

// searchRows reads the messages of a search query.
func searchRows(ctx context.Context, tx *Tx, query string, args []any) ([]*edusphere.Message, error) {
	rows, err := tx.query(ctx, query, args...)
	if err != nil {
		return nil, mapError("search messages", err)
	}
	var msgs []*edusphere.Message
	if err := eachRow(rows, func() error {
		m, err := scanMessage(rows)
		if err == nil {
			msgs = append(msgs, m)
		}
		return err
	}); err != nil {
		return nil, mapError("search messages", err)
	}
	return msgs, nil
}

// ReportService stores reports in edusphere_report.
type ReportService struct {
	db *DB
}

// NewReportService returns the report service of db.
func NewReportService(db *DB) *ReportService { return &ReportService{db: db} }

const reportColumns = `id, message_id, room_id, author_id, body, reporter_id, reason, status, created, resolved_by, resolved`

func scanReport(row pgx.Row, extra ...any) (*edusphere.Report, error) {
	var r edusphere.Report
	dest := append([]any{&r.ID, &r.MessageID, &r.RoomID, &r.AuthorID, &r.Body, &r.ReporterID, &r.Reason,
		&r.Status, &r.Created, &r.ResolvedBy, &r.Resolved}, extra...)
	if err := row.Scan(dest...); err != nil {
		return nil, err
	}
	utc(&r.Created)
	if r.Resolved != nil {
		utc(r.Resolved)
	}
	return &r, nil
}

// CreateReport reads the message and inserts the report in one
// transaction. Returns EINVALID, ENOTFOUND, ECONFLICT (MsgReportOpen).
func (s *ReportService) CreateReport(ctx context.Context, r *edusphere.Report) error {
	if err := edusphere.ValidateReportReason(r.Reason); err != nil {
		return err
	}
	tx, err := s.db.BeginTx(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	err = tx.queryRow(ctx, `SELECT room_id, user_id, body FROM core_message WHERE id = $1`, r.MessageID).
		Scan(&r.RoomID, &r.AuthorID, &r.Body)
	if errors.Is(err, pgx.ErrNoRows) {
		return edusphere.NotFound(edusphere.MsgMessageNotFound)
	} else if err != nil {
		return mapError("read reported message", err)
	}
	r.Status, r.Created, r.ResolvedBy, r.Resolved = edusphere.ReportOpen, tx.now, nil, nil
	err = tx.queryRow(ctx, `INSERT INTO edusphere_report (message_id, room_id, author_id, body, reporter_id, reason, status, created)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`, r.MessageID, r.RoomID, r.AuthorID, r.Body, r.ReporterID,
		r.Reason, string(r.Status), r.Created).Scan(&r.ID)
	if err != nil {
		err = mapError("insert report", err)
		switch edusphere.ErrorCode(err) {
		case edusphere.ECONFLICT:
			return edusphere.Errorf(edusphere.ECONFLICT, edusphere.MsgReportOpen)
		case edusphere.ENOTFOUND:
			if edusphere.ErrorMessage(err) == edusphere.MsgRoomNotFound { // the room went since the read
				return edusphere.NotFound(edusphere.MsgMessageNotFound)
			}
		}
		return err
	}
	return tx.Commit(ctx)
}

// FindReportByID returns ENOTFOUND ("Report not found").
func (s *ReportService) FindReportByID(ctx context.Context, id int64) (*edusphere.Report, error) {
	tx, err := s.db.reader()
	if err != nil {
		return nil, err
	}
	return findReport(ctx, tx, id, "")
}

func findReport(ctx context.Context, tx *Tx, id int64, lock string) (*edusphere.Report, error) {
	r, err := scanReport(tx.queryRow(ctx, `SELECT `+reportColumns+` FROM edusphere_report WHERE id = $1`+lock, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, edusphere.NotFound(edusphere.MsgReportNotFound)
	} else if err != nil {
		return nil, mapError("find report", err)
	}
	return r, nil
}

// FindReports returns matching reports newest first and the total before
// Offset and Limit.
func (s *ReportService) FindReports(ctx context.Context, f edusphere.ReportFilter) ([]*edusphere.Report, int, error) {
	tx, err := s.db.reader()
	if err != nil {
		return nil, 0, err
	}
	var w where
	if f.Status != nil {
		w.add(`status = ` + w.arg(string(*f.Status)))
	}
	if f.MessageID != nil {
		w.add(`message_id = ` + w.arg(*f.MessageID))
	}
	if f.ReporterID != nil {
		w.add(`reporter_id = ` + w.arg(*f.ReporterID))
	}
	cond, nargs := w.String(), len(w.args)
	return findPage(ctx, tx, "reports", `SELECT `+reportColumns+`, `+totalColumn(f.Limit, f.Offset)+`
		FROM edusphere_report `+cond+` ORDER BY created DESC, id DESC`+w.page(f.Offset, f.Limit),
		`SELECT count(*) FROM edusphere_report `+cond, w.args, nargs, f.Offset,
		func(rows pgx.Rows, total *int) (*edusphere.Report, error) { return scanReport(rows, total) })
}

// ResolveReport locks the report, then closes it and the other open
// reports of its message. Returns ENOTFOUND, EINVALID, ECONFLICT
// (MsgReportClosed).
func (s *ReportService) ResolveReport(ctx context.Context, id int64, status edusphere.ReportStatus, byID uuid.UUID) (*edusphere.Report, error) {
	if !status.Valid() || status == edusphere.ReportOpen {
		return nil, edusphere.Errorf(edusphere.EINVALID, "Unknown report status.")
	}
	tx, err := s.db.BeginTx(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	r, err := findReport(ctx, tx, id, " FOR UPDATE")
	if err != nil {
		return nil, err
	} else if r.Status != edusphere.ReportOpen {
		return nil, edusphere.Errorf(edusphere.ECONFLICT, edusphere.MsgReportClosed)
	}
	if _, err := tx.exec(ctx, `UPDATE edusphere_report SET status = $1, resolved_by = $2, resolved = $3
		WHERE message_id = $4 AND status = 'open'`, string(status), byID, tx.now, r.MessageID); err != nil {
		return nil, mapError("resolve report", err)
	}
	if r, err = findReport(ctx, tx, id, ""); err != nil {
		return nil, err
	}
	return r, tx.Commit(ctx)
}
