package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/term"

	"github.com/edusphere/edusphere"
	"github.com/edusphere/edusphere/auth"
)

// superuserFlags are createsuperuser's flags.
type superuserFlags struct {
	email, username, name, password string
	noInput                         bool
}

// errInputEnded reports that stdin closed in the middle of the prompts.
var errInputEnded = errors.New("createsuperuser: input ended before the superuser was complete; use --noinput with DJANGO_SUPERUSER_* variables in scripts")

// createSuperuser creates an active staff superuser, as Django's
// createsuperuser does: prompts for Email, Username, Name and the password
// twice, runs the password validators and offers to bypass them; or, with
// --noinput, reads flags and DJANGO_SUPERUSER_* variables.
func (m *Main) createSuperuser(ctx context.Context) error {
	db, err := m.openDB(ctx)
	if err != nil {
		return err
	}
	m.app = &app{log: m.Logger, db: db}
	if err := m.migrateDB(ctx, db); err != nil {
		return err
	}
	s := db.Services()
	validator := auth.New(m.authConfig(nil), s.Users, s.Sessions)
	defer validator.Close()

	p := &prompter{m: m, users: s.Users, validate: validator.ValidatePassword}
	u := &edusphere.User{IsStaff: true, IsSuperuser: true, IsActive: true}
	var password string
	if m.su.noInput {
		password, err = p.fromFlagsAndEnv(ctx, u)
	} else {
		password, err = p.interactive(ctx, u)
	}
	if err != nil {
		return err
	}

	if password == "" {
		// As Django: no password given non-interactively means an unusable one.
		u.Password = "!" + randomHex(20)
	} else if u.Password, err = auth.HashPassword(password); err != nil {
		return fmt.Errorf("hash password: %w", err)
	}
	if err := s.Users.CreateUser(ctx, u); err != nil {
		if code := edusphere.ErrorCode(err); code == edusphere.EINVALID || code == edusphere.ECONFLICT {
			return fmt.Errorf("createsuperuser: %s", edusphere.ErrorMessage(err))
		}
		return fmt.Errorf("create superuser: %w", err)
	}
	fmt.Fprintln(m.Stdout, "Superuser created successfully.")
	return nil
}

// prompter asks for the superuser's fields.
type prompter struct {
	m        *Main
	users    edusphere.UserService
	validate func(password string, u *edusphere.User) []string
	in       *bufio.Reader
}

func (p *prompter) fromFlagsAndEnv(ctx context.Context, u *edusphere.User) (string, error) {
	env := p.m.env
	pick := func(flagValue, envName string) string {
		if flagValue != "" {
			return flagValue
		}
		return env[envName]
	}
	fields := []struct {
		flag, envName, value string
		check                func(context.Context, string) (string, error)
		dst                  *string
	}{
		{"email", "DJANGO_SUPERUSER_EMAIL", pick(p.m.su.email, "DJANGO_SUPERUSER_EMAIL"), p.checkEmail, &u.Email},
		{"username", "DJANGO_SUPERUSER_USERNAME", pick(p.m.su.username, "DJANGO_SUPERUSER_USERNAME"), p.checkUsername, &u.Username},
		{"name", "DJANGO_SUPERUSER_NAME", pick(p.m.su.name, "DJANGO_SUPERUSER_NAME"), checkName, &u.Name},
	}
	for _, f := range fields {
		if strings.TrimSpace(f.value) == "" {
			return "", fmt.Errorf("createsuperuser: you must use --%s or set %s with --noinput", f.flag, f.envName)
		}
		v, err := f.check(ctx, f.value)
		if err != nil {
			return "", fmt.Errorf("createsuperuser: %s: %w", f.flag, err)
		}
		*f.dst = v
	}
	password := pick(p.m.su.password, "DJANGO_SUPERUSER_PASSWORD")
	if password != "" {
		// Django does not validate here; say what the validators think.
		for _, msg := range p.validate(password, u) {
			fmt.Fprintf(p.m.Stderr, "Warning: %s\n", msg)
		}
	}
	return password, nil
}

func (p *prompter) interactive(ctx context.Context, u *edusphere.User) (string, error) {
	p.in = bufio.NewReader(p.m.Stdin)
	var err error
	if u.Email, err = p.field(ctx, "Email", p.m.su.email, p.checkEmail); err != nil {
		return "", err
	}
	if u.Username, err = p.field(ctx, "Username", p.m.su.username, p.checkUsername); err != nil {
		return "", err
	}
	if u.Name, err = p.field(ctx, "Name", p.m.su.name, checkName); err != nil {
		return "", err
	}
	if p.m.su.password != "" {
		return p.m.su.password, nil
	}
	for {
		pw, err := p.readPassword("Password: ")
		if err != nil {
			return "", err
		}
		again, err := p.readPassword("Password (again): ")
		if err != nil {
			return "", err
		}
		if pw != again {
			fmt.Fprintln(p.m.Stderr, "Error: Your passwords didn't match.")
			continue
		}
		if strings.TrimSpace(pw) == "" {
			fmt.Fprintln(p.m.Stderr, "Error: Blank passwords aren't allowed.")
			continue
		}
		if msgs := p.validate(pw, u); len(msgs) > 0 {
			fmt.Fprintln(p.m.Stderr, strings.Join(msgs, "\n"))
			answer, err := p.readLine("Bypass password validation and create user anyway? [y/N]: ")
			if err != nil {
				return "", err
			}
			if !strings.HasPrefix(strings.ToLower(strings.TrimSpace(answer)), "y") {
				continue
			}
		}
		return pw, nil
	}
}

// field returns a flag's value after checking it, or prompts until the
// answer passes check. A bad flag value is an error, as in Django.
func (p *prompter) field(ctx context.Context, label, given string, check func(context.Context, string) (string, error)) (string, error) {
	if given != "" {
		v, err := check(ctx, given)
		if err != nil {
			return "", fmt.Errorf("createsuperuser: %s: %w", strings.ToLower(label), err)
		}
		return v, nil
	}
	for {
		answer, err := p.readLine(label + ": ")
		if err != nil {
			return "", err
		}
		v, err := check(ctx, answer)
		if err == nil {
			return v, nil
		}
		var ie *inputError
		if !errors.As(err, &ie) {
			return "", err
		}
		fmt.Fprintf(p.m.Stderr, "Error: %s\n", ie.msg)
	}
}

// inputError is a rejected answer; the prompt asks again.
type inputError struct{ msg string }

func (e *inputError) Error() string { return e.msg }

// checkEmail, checkUsername and checkName run the user model's rules
// (edusphere.ValidateUserField) on an answer, then the uniqueness the
// command itself reports.
func (p *prompter) checkEmail(ctx context.Context, s string) (string, error) {
	s = strings.TrimSpace(s)
	if msg := edusphere.ValidateUserField("email", s); msg != "" {
		return "", &inputError{msg}
	}
	if _, err := p.users.FindUserByEmail(ctx, s); err == nil {
		return "", &inputError{"That email is already taken."}
	} else if edusphere.ErrorCode(err) != edusphere.ENOTFOUND {
		return "", fmt.Errorf("look up email: %w", err)
	}
	return s, nil
}

func (p *prompter) checkUsername(ctx context.Context, s string) (string, error) {
	s = strings.TrimSpace(s)
	if msg := edusphere.ValidateUserField("username", s); msg != "" {
		return "", &inputError{msg}
	}
	slug := edusphere.Slugify(s)
	if _, err := p.users.FindUserByUsername(ctx, slug); err == nil {
		return "", &inputError{"That username is already taken."}
	} else if edusphere.ErrorCode(err) != edusphere.ENOTFOUND {
		return "", fmt.Errorf("look up username: %w", err)
	}
	return slug, nil
}

func checkName(_ context.Context, s string) (string, error) {
	s = strings.TrimSpace(s)
	if msg := edusphere.ValidateUserField("name", s); msg != "" {
		return "", &inputError{msg}
	}
	return s, nil
}

// readLine prints prompt and reads one line without its line ending.
func (p *prompter) readLine(prompt string) (string, error) {
	fmt.Fprint(p.m.Stdout, prompt)
	line, err := p.in.ReadString('\n')
	if errors.Is(err, io.EOF) && line == "" {
		fmt.Fprintln(p.m.Stdout)
		return "", errInputEnded
	} else if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read answer: %w", err)
	}
	return strings.TrimRight(line, "\r\n"), nil
}

// readPassword reads without echo on a terminal, and a plain line otherwise.
func (p *prompter) readPassword(prompt string) (string, error) {
	if f, ok := p.m.Stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprint(p.m.Stdout, prompt)
		b, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(p.m.Stdout)
		if err != nil {
			return "", fmt.Errorf("read password: %w", err)
		}
		return string(b), nil
	}
	return p.readLine(prompt)
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
