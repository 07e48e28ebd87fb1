package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"github.com/edusphere/edusphere"
	"github.com/google/uuid"
)

var (
	_ edusphere.SearchService = (*SearchService)(nil)
	_ edusphere.ReportService = (*ReportService)(nil)
)

// SearchService finds messages through the FTS5 index of migration 0006
// (docs/data.md, "Search").
type SearchService struct {
	db *DB
}

// ftsQuery renders terms as an FTS5 query: every term as a quoted prefix.
// Terms hold letters and digits only (edusphere.SearchTerms), so quoting
// is all they need.
func ftsQuery(terms []string) string {
	parts := make([]string, len(terms))
	for i, t := range terms {
		parts[i] = `"` + strings.ReplaceAll(t, `"`, `""`) + `"*`
	}
	return strings.Join(parts, " ")
}

// SearchMessages walks the index's matches newest first (in the order of
// the index's numbers, which is creation order), keeps those of rooms the
// searcher takes part in, checked row by row, and stops after one more
// than the page, to tell whether another follows. Only the page's messages
// are read. A cursor is placed by its message's number; when that message
// is gone, by the newest message created before it.
func (s *SearchService) SearchMessages(ctx context.Context, q edusphere.SearchQuery) (*edusphere.SearchPage, error) {
	if err := q.Validate(); err != nil {
		return nil, err
	}
	var w where
	w.add(`edusphere_message_fts MATCH ?`, ftsQuery(q.Terms))
	w.add(`EXISTS (SELECT 1 FROM core_room_participants p WHERE p.room_id = s.room_id AND p.user_id = ?)`, q.UserID)
	if q.RoomID != nil {
		w.add(`s.room_id = ?`, *q.RoomID)
	}
	if q.After != nil {
		w.add(`f.rowid < coalesce(
			(SELECT rowid FROM edusphere_message_search WHERE message_id = ?),
			(SELECT x.rowid + 1 FROM core_message c JOIN edusphere_message_search x ON x.message_id = c.id
				WHERE c.created < ? ORDER BY c.created DESC, c.id DESC LIMIT 1),
			0)`, q.After.ID, encTime(q.After.Created))
	}
	rows, err := s.db.query(ctx, `SELECT `+messageColumns+` FROM (
			SELECT f.rowid AS n, s.message_id FROM edusphere_message_fts f
			JOIN edusphere_message_search s ON s.rowid = f.rowid`+w.String()+`
			ORDER BY f.rowid DESC LIMIT ?
		) hit JOIN core_message m ON m.id = hit.message_id
		ORDER BY hit.n DESC`, append(w.args, q.First+1)...)
	if err != nil {
		return nil, mapError("search messages", err, "")
	}
	var msgs []*edusphere.Message
	if err := eachRow(rows, func() error {
		m, err := scanMessage(rows)
		if err == nil {
			msgs = append(msgs, m)
		}
		return err
	}); err != nil {
		return nil, mapError("search messages", err, "")
	}
	return edusphere.NewSearchPage(q, msgs), nil
}

// ReportService stores reports in edusphere_report.
type ReportService struct {
	db *DB
}

const reportColumns = `id, message_id, room_id, author_id, body, reporter_id, reason, status, created, resolved_by, resolved`

func scanReport(sc interface{ Scan(...any) error }, extra ...any) (*edusphere.Report, error) {
	var r edusphere.Report
	dest := append([]any{&r.ID, &r.MessageID, &r.RoomID, &r.AuthorID, &r.Body, &r.ReporterID, &r.Reason,
		&r.Status, timeScanner{&r.Created}, &r.ResolvedBy, nullTimeScanner{&r.Resolved}}, extra...)
	if err := sc.Scan(dest...); err != nil {
		return nil, err
	}
	return &r, nil
}

// CreateReport reads the message and inserts the report in one write
// transaction. Returns EINVALID, ENOTFOUND, ECONFLICT (MsgReportOpen).
func (s *ReportService) CreateReport(ctx context.Context, r *edusphere.Report) error {
	if err := edusphere.ValidateReportReason(r.Reason); err != nil {
		return err
	}
	tx, err := s.db.begin(ctx, true)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	err = tx.queryRow(ctx, `SELECT room_id, user_id, body FROM core_message WHERE id = ?`, r.MessageID).
		Scan(&r.RoomID, &r.AuthorID, &r.Body)
	if errors.Is(err, sql.ErrNoRows) {
		return edusphere.NotFound(edusphere.MsgMessageNotFound)
	} else if err != nil {
		return mapError("read reported message", err, "")
	}
	r.Status, r.Created, r.ResolvedBy, r.Resolved = edusphere.ReportOpen, tx.now, nil, nil
	err = tx.queryRow(ctx, `INSERT INTO edusphere_report (message_id, room_id, author_id, body, reporter_id, reason, status, created)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, r.MessageID, r.RoomID, r.AuthorID, r.Body, r.ReporterID,
		r.Reason, r.Status, encTime(r.Created)).Scan(&r.ID)
	if err != nil {
		err = mapError("insert report", err, edusphere.MsgUserNotFound)
		if edusphere.ErrorCode(err) == edusphere.ECONFLICT {
			return edusphere.Errorf(edusphere.ECONFLICT, edusphere.MsgReportOpen)
		}
		return err
	}
	return tx.Commit()
}

// FindReportByID returns ENOTFOUND ("Report not found").
func (s *ReportService) FindReportByID(ctx context.Context, id int64) (*edusphere.Report, error) {
	tx, err := s.db.begin(ctx, false)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	return findReport(ctx, tx, id)
}

func findReport(ctx context.Context, tx *Tx, id int64) (*edusphere.Report, error) {
	r, err := scanReport(tx.queryRow(ctx, `SELECT `+reportColumns+` FROM edusphere_report WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, edusphere.NotFound(edusphere.MsgReportNotFound)
	} else if err != nil {
		return nil, mapError("find report", err, "")
	}
	return r, nil
}

// FindReports returns matching reports newest first and the total before
// Offset and Limit.
func (s *ReportService) FindReports(ctx context.Context, f edusphere.ReportFilter) ([]*edusphere.Report, int, error) {
	tx, err := s.db.begin(ctx, false)
	if err != nil {
		return nil, 0, err
	}
	defer tx.Rollback()
	var w where
	if f.Status != nil {
		w.add(`status = ?`, string(*f.Status))
	}
	if f.MessageID != nil {
		w.add(`message_id = ?`, *f.MessageID)
	}
	if f.ReporterID != nil {
		w.add(`reporter_id = ?`, *f.ReporterID)
	}
	return findPage(ctx, tx, "reports",
		`SELECT `+reportColumns+`, `+totalColumn(f.Limit, f.Offset)+` FROM edusphere_report`+w.String()+
			` ORDER BY created DESC, id DESC`+limitOffset(f.Limit, f.Offset),
		`SELECT count(*) FROM edusphere_report`+w.String(), w.args, f.Offset,
		func(rows *sql.Rows, total *int) (*edusphere.Report, error) { return scanReport(rows, total) })
}

// ResolveReport closes the report and the other open reports of its
// message. Returns ENOTFOUND, EINVALID, ECONFLICT (MsgReportClosed).
func (s *ReportService) ResolveReport(ctx context.Context, id int64, status edusphere.ReportStatus, byID uuid.UUID) (*edusphere.Report, error) {
	if !status.Valid() || status == edusphere.ReportOpen {
		return nil, edusphere.Errorf(edusphere.EINVALID, "Unknown report status.")
	}
	tx, err := s.db.begin(ctx, true)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	r, err := findReport(ctx, tx, id)
	if err != nil {
		return nil, err
	} else if r.Status != edusphere.ReportOpen {
		return nil, edusphere.Errorf(edusphere.ECONFLICT, edusphere.MsgReportClosed)
	}
	if _, err := tx.exec(ctx, `UPDATE edusphere_report SET status = ?, resolved_by = ?, resolved = ?
		WHERE message_id = ? AND status = 'open'`, string(status), byID, encTime(tx.now), r.MessageID); err != nil {
		return nil, mapError("resolve report", err, edusphere.MsgUserNotFound)
	}
	if r, err = findReport(ctx, tx, id); err != nil {
		return nil, err
	}
	return r, tx.Commit()
}
