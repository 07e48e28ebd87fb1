package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime"
	"strings"

	"github.com/edusphere/edusphere"
	"github.com/edusphere/edusphere/config"
)

// Exit codes.
const (
	ExitOK      = 0
	ExitFailure = 1
	ExitUsage   = 2
)

// UsageError is a bad command line; it exits with status 2.
type UsageError struct{ Msg string }

func (e *UsageError) Error() string { return e.Msg }

// Main is the program: ParseFlags reads the command line, Run does the
// work (for serve it starts the server and returns), Close releases
// everything Run opened. Tests drive it directly.
type Main struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer

	// Env is what the configuration is read from; nil means the process
	// environment plus ./.env.
	Env map[string]string

	// Command is the subcommand: serve, migrate, createsuperuser,
	// deactivate, reactivate, deleteuser, import-django, backup or version.
	Command string

	// Config and Logger are set by Run.
	Config *config.Config
	Logger *slog.Logger

	addr    string // --addr
	dataDir string // --data-dir
	su      superuserFlags
	acct    accountFlags
	backup  string // backup's file argument
	imp     importFlags

	env map[string]string // the environment the configuration came from
	app *app              // what serve, migrate and createsuperuser opened
}

// NewMain returns a Main on the process's standard streams.
func NewMain() *Main {
	return &Main{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr}
}

// Exec runs the whole program for args and returns the exit status: it
// parses, runs, and for serve waits for ctx (SIGINT, SIGTERM) before a
// graceful Close. Errors are one line on Stderr.
func (m *Main) Exec(ctx context.Context, args []string) int {
	if err := m.ParseFlags(args); errors.Is(err, flag.ErrHelp) {
		return ExitOK
	} else if err != nil {
		// ParseFlags fails only on the command line itself: usage errors.
		fmt.Fprintf(m.Stderr, "edusphere: %s\n", oneLine(err))
		fmt.Fprintln(m.Stderr, "Run 'edusphere --help' for usage.")
		return ExitUsage
	}
	err := m.Run(ctx)
	if err == nil && m.Command == "serve" {
		<-ctx.Done()
		if m.Logger != nil {
			m.Logger.Info("shutting down")
		}
	}
	if cerr := m.Close(); err == nil && cerr != nil {
		err = cerr
	}
	if err != nil {
		fmt.Fprintf(m.Stderr, "edusphere: %s\n", oneLine(err))
		return ExitFailure
	}
	return ExitOK
}

const usage = `EduSphere: a real-time study-room chat server.

Usage:
  edusphere [command] [flags]

Commands:
  serve            run the server (the default)
  migrate          apply pending database migrations
  createsuperuser  create an admin account (is_staff, is_superuser, is_active)
  deactivate USER  deactivate an account, ending its sessions and chat sockets
  reactivate USER  reactivate an account
  deleteuser USER  delete an account with its rooms and messages
  import-django    copy users, topics, rooms and messages from the original's PostgreSQL database
  backup <file>    write a consistent copy of the SQLite database while the server runs
  version          print the version

Run 'edusphere <command> --help' for a command's flags. Settings come from
the environment and ./.env; see README.md for the list.
`

// ParseFlags reads the subcommand and its flags.
func (m *Main) ParseFlags(args []string) error {
	m.Command = "serve"
	if len(args) > 0 {
		switch a := args[0]; {
		case a == "-h" || a == "-help" || a == "--help" || a == "help":
			fmt.Fprint(m.Stdout, usage)
			return flag.ErrHelp
		case !strings.HasPrefix(a, "-"):
			m.Command, args = a, args[1:]
		}
	}
	fs := flag.NewFlagSet("edusphere "+m.Command, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var summary string
	switch m.Command {
	case "serve":
		summary = "Run the server: migrate the database, then serve HTTP and WebSockets until SIGINT or SIGTERM."
		fs.StringVar(&m.addr, "addr", "", "listen address host:port (overrides EDUSPHERE_ADDR; default 127.0.0.1:8000)")
		fs.StringVar(&m.dataDir, "data-dir", "", "data directory (overrides EDUSPHERE_DATA_DIR; default ./data)")
	case "migrate":
		summary = "Apply pending database migrations. Safe to run twice, and from two processes at once."
		fs.StringVar(&m.dataDir, "data-dir", "", "data directory (overrides EDUSPHERE_DATA_DIR; default ./data)")
	case "createsuperuser":
		summary = "Create a superuser. Prompts on a terminal; with --noinput, reads the flags or\n" +
			"DJANGO_SUPERUSER_EMAIL, DJANGO_SUPERUSER_USERNAME, DJANGO_SUPERUSER_NAME and DJANGO_SUPERUSER_PASSWORD."
		fs.StringVar(&m.dataDir, "data-dir", "", "data directory (overrides EDUSPHERE_DATA_DIR; default ./data)")
		fs.StringVar(&m.su.email, "email", "", "email address (the login)")
		fs.StringVar(&m.su.username, "username", "", "username (slugified)")
		fs.StringVar(&m.su.name, "name", "", "display name")
		fs.StringVar(&m.su.password, "password", "", "password (visible in the process list; prefer the prompt or DJANGO_SUPERUSER_PASSWORD)")
		fs.BoolVar(&m.su.noInput, "noinput", false, "do not prompt; missing values come from DJANGO_SUPERUSER_*")
		fs.BoolVar(&m.su.noInput, "no-input", false, "same as --noinput")
	case "deactivate", "reactivate", "deleteuser":
		summary = accountCommands[m.Command]
		fs.StringVar(&m.dataDir, "data-dir", "", "data directory (overrides EDUSPHERE_DATA_DIR; default ./data)")
		if m.Command == "deleteuser" {
			fs.BoolVar(&m.acct.noInput, "noinput", false, "do not ask for confirmation")
			fs.BoolVar(&m.acct.noInput, "no-input", false, "same as --noinput")
		}
	case "import-django":
		summary = "Copy core_user, core_topic, core_room, core_room_participants and core_message from the\n" +
			"original EduSphere's PostgreSQL database into this server's database, in one transaction.\n" +
			"Rows already present (same id) are left alone, so running it again changes nothing."
		fs.StringVar(&m.dataDir, "data-dir", "", "data directory (overrides EDUSPHERE_DATA_DIR; default ./data)")
		fs.StringVar(&m.imp.from, "from", "", "the original's database URL, postgres://user:password@host:5432/name (required)")
	case "backup":
		summary = "Write a consistent copy of the SQLite database to <file> (which must not exist), safe while\n" +
			"the server runs. PostgreSQL databases are backed up with pg_dump; the command prints how."
		fs.StringVar(&m.dataDir, "data-dir", "", "data directory (overrides EDUSPHERE_DATA_DIR; default ./data)")
	case "version":
		summary = "Print the version."
	default:
		return &UsageError{Msg: fmt.Sprintf("unknown command %q (want serve, migrate, createsuperuser, deactivate, reactivate, deleteuser, import-django, backup or version)", m.Command)}
	}
	if err := fs.Parse(args); errors.Is(err, flag.ErrHelp) {
		operand := ""
		if _, ok := accountCommands[m.Command]; ok {
			operand = " USER"
		}
		fmt.Fprintf(m.Stdout, "Usage: edusphere %s [flags]%s\n\n%s\n", m.Command, operand, summary)
		fs.SetOutput(m.Stdout)
		if hasFlags(fs) {
			fmt.Fprintln(m.Stdout, "\nFlags:")
			fs.PrintDefaults()
		}
		return flag.ErrHelp
	} else if err != nil {
		return &UsageError{Msg: err.Error()}
	}
	if _, ok := accountCommands[m.Command]; ok {
		if fs.NArg() != 1 || strings.TrimSpace(fs.Arg(0)) == "" {
			return &UsageError{Msg: fmt.Sprintf("%s: want one USER (an email, a username or a user id) after the flags", m.Command)}
		}
		m.acct.user = strings.TrimSpace(fs.Arg(0))
		return nil
	}
	switch m.Command {
	case "backup":
		if fs.NArg() != 1 {
			return &UsageError{Msg: "backup: want one argument, the file to write (edusphere backup <file>)"}
		}
		m.backup = fs.Arg(0)
		return nil
	case "import-django":
		if m.imp.from == "" {
			return &UsageError{Msg: "import-django: --from postgres://… is required"}
		}
	}
	if fs.NArg() > 0 {
		return &UsageError{Msg: fmt.Sprintf("%s: unexpected argument %q", m.Command, fs.Arg(0))}
	}
	return nil
}

func hasFlags(fs *flag.FlagSet) bool {
	n := 0
	fs.VisitAll(func(*flag.Flag) { n++ })
	return n > 0
}

// Run does the command's work. For serve it returns once the server
// listens; Close stops it.
func (m *Main) Run(ctx context.Context) error {
	if m.Command == "version" {
		fmt.Fprintf(m.Stdout, "edusphere %s %s %s/%s\n", edusphere.Version, runtime.Version(), runtime.GOOS, runtime.GOARCH)
		return nil
	}
	if err := m.loadConfig(); err != nil {
		return err
	}
	switch m.Command {
	case "serve":
		return m.serve(ctx)
	case "migrate":
		return m.migrate(ctx)
	case "createsuperuser":
		return m.createSuperuser(ctx)
	case "deactivate", "reactivate", "deleteuser":
		return m.changeAccount(ctx)
	case "import-django":
		return m.importDjango(ctx)
	case "backup":
		return m.runBackup(ctx)
	}
	return &UsageError{Msg: fmt.Sprintf("unknown command %q", m.Command)}
}

// Close stops the server if it runs and closes what Run opened.
func (m *Main) Close() error {
	if m.app == nil {
		return nil
	}
	err := m.app.close()
	m.app = nil
	return err
}

// loadConfig reads the settings, applies the flags and makes the logger.
func (m *Main) loadConfig() error {
	env := m.Env
	if env == nil {
		var err error
		if env, err = config.Environ(".env"); err != nil {
			return fmt.Errorf("read environment: %w", err)
		}
	} else {
		env = copyEnv(env)
	}
	if m.addr != "" {
		env["EDUSPHERE_ADDR"] = m.addr
	}
	if m.dataDir != "" {
		env["EDUSPHERE_DATA_DIR"] = m.dataDir
	}
	c, err := config.Load(env)
	if err != nil {
		return err
	}
	m.Config = c
	m.Logger = slog.New(newLogHandler(m.Stderr, c.LogFormat, c.LogLevel))
	for _, w := range c.Warnings {
		m.Logger.Warn(w)
	}
	m.env = env
	return nil
}

// newLogHandler returns a text or json (LOG_FORMAT) handler on w.
func newLogHandler(w io.Writer, format string, level slog.Level) slog.Handler {
	opts := &slog.HandlerOptions{Level: level}
	if format == "json" {
		return slog.NewJSONHandler(w, opts)
	}
	return slog.NewTextHandler(w, opts)
}

func copyEnv(env map[string]string) map[string]string {
	out := make(map[string]string, len(env))
	for k, v := range env {
		out[k] = v
	}
	return out
}

// oneLine keeps an error to a single line of output.
func oneLine(err error) string {
	s := strings.TrimSpace(err.Error())
	s = strings.ReplaceAll(s, "\r", " ")
	return strings.ReplaceAll(s, "\n", "; ")
}
