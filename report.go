package edusphere

import (
	"context"
	"strings"
	"time"

	"github.com/google/uuid"
)

// MaxReportReasonLength bounds a report's reason, in code points
// (docs/limits.md).
const MaxReportReasonLength = 500

// MsgReportOpen is the ECONFLICT message of a second open report of one
// message by one user.
const MsgReportOpen = "You have already reported this message."

// ReportStatus is where a report stands: open until staff handle it.
type ReportStatus string

const (
	ReportOpen        ReportStatus = "open"
	ReportDismissed   ReportStatus = "dismissed"   // nothing done
	ReportDeleted     ReportStatus = "deleted"     // the message was deleted
	ReportDeactivated ReportStatus = "deactivated" // the author was deactivated
)

// Valid reports whether s is one of the statuses.
func (s ReportStatus) Valid() bool {
	switch s {
	case ReportOpen, ReportDismissed, ReportDeleted, ReportDeactivated:
		return true
	}
	return false
}

// Report is a participant's report of a message to staff. It keeps the
// message's room, author and body as they were, so it still reads the
// same once the message is deleted (docs/data.md, "Reports").
type Report struct {
	ID         int64        `json:"id"`
	MessageID  uuid.UUID    `json:"messageId"`
	RoomID     uuid.UUID    `json:"roomId"`
	AuthorID   uuid.UUID    `json:"authorId"`
	Body       string       `json:"body"`
	ReporterID uuid.UUID    `json:"reporterId"`
	Reason     string       `json:"reason"`
	Status     ReportStatus `json:"status"`
	Created    time.Time    `json:"created"`
	// ResolvedBy and Resolved are set when staff handled the report.
	ResolvedBy *uuid.UUID `json:"resolvedBy,omitempty"`
	Resolved   *time.Time `json:"resolved,omitempty"`
}

// ValidateReportReason returns the EINVALID error (field "reason") of a
// blank or over-long reason.
func ValidateReportReason(reason string) error {
	if strings.TrimSpace(reason) == "" {
		return FormError(FieldErrors{{Field: "reason", Messages: []string{MsgBlank}}})
	} else if n := Len(reason); n > MaxReportReasonLength {
		return FormError(FieldErrors{{Field: "reason", Messages: []string{MsgMaxLength(MaxReportReasonLength, n)}}})
	}
	return nil
}

// CanReportMessage reports whether user may report a message of a room
// they take part in (participant): any participant may.
func CanReportMessage(user *User, participant bool) bool {
	return user != nil && participant
}

// ReportService stores reports of messages.
type ReportService interface {
	// CreateReport checks the reason, fills RoomID, AuthorID and Body from
	// the message, Status=open, ID and Created, and inserts r. Returns
	// EINVALID, ENOTFOUND ("Message not found", "User not found" for the
	// reporter), ECONFLICT (MsgReportOpen) when the reporter has an open
	// report of the message already.
	CreateReport(ctx context.Context, r *Report) error

	// FindReportByID returns ENOTFOUND ("Report not found").
	FindReportByID(ctx context.Context, id int64) (*Report, error)

	// FindReports returns matching reports, newest first, and the total
	// before Offset and Limit.
	FindReports(ctx context.Context, filter ReportFilter) ([]*Report, int, error)

	// ResolveReport closes the report and every other open report of the
	// same message with status, by the staff member byID, and returns the
	// report. Returns ENOTFOUND, EINVALID for status open or unknown,
	// ECONFLICT when the report is not open.
	ResolveReport(ctx context.Context, id int64, status ReportStatus, byID uuid.UUID) (*Report, error)
}

// MsgReportNotFound is the ENOTFOUND message of an unknown report.
const MsgReportNotFound = "Report not found"

// MsgReportClosed is the ECONFLICT message of resolving a closed report.
const MsgReportClosed = "This report is already closed."

// ReportFilter selects reports; nil fields do not filter.
type ReportFilter struct {
	Status     *ReportStatus
	MessageID  *uuid.UUID
	ReporterID *uuid.UUID

	Offset int
	Limit  int // 0 means no limit
}
