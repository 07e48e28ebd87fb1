package sqlite_test

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/edusphere/edusphere"
	"github.com/edusphere/edusphere/sqlite"
	"github.com/edusphere/edusphere/testdb"
)

func TestMigrate(t *testing.T) {
	t.Run("Twice", func(t *testing.T) {
		ctx := context.Background()
		db := sqlite.NewDB(":memory:")
		if err := db.Open(ctx); err != nil {
			t.Fatalf("Open=%v", err)
		}
		defer db.Close()
		for i := 0; i < 2; i++ {
			if err := db.Migrate(ctx); err != nil {
				t.Fatalf("Migrate #%d=%v, want nil", i+1, err)
			}
		}
		u := testdb.MustCreateUser(t, ctx, db.Services(), nil)
		if _, err := db.Services().Users.FindUserByID(ctx, u.ID); err != nil {
			t.Fatalf("FindUserByID=%v, want nil", err)
		}
	})

	t.Run("TwoProcessesOneFile", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		path := filepath.Join(t.TempDir(), "edusphere.db")
		dbs := []*sqlite.DB{sqlite.NewDB(path), sqlite.NewDB(path), sqlite.NewDB(path)}
		for _, db := range dbs {
			if err := db.Open(ctx); err != nil {
				t.Fatalf("Open=%v", err)
			}
			defer db.Close()
		}
		var wg sync.WaitGroup
		errs := make([]error, len(dbs))
		for i, db := range dbs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = db.Migrate(ctx)
			}()
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Fatalf("Migrate #%d=%v, want nil", i+1, err)
			}
		}
		// Every DB sees the one schema: a user made through one is found through another.
		u := testdb.MustCreateUser(t, ctx, dbs[0].Services(), nil)
		got, err := dbs[1].Services().Users.FindUserByEmail(ctx, u.Email)
		if err != nil || got.ID != u.ID {
			t.Fatalf("FindUserByEmail=%v, %v, want %v", got, err, u.ID)
		}
	})

	t.Run("ErrNotOpen", func(t *testing.T) {
		db := sqlite.NewDB(":memory:")
		if err := db.Migrate(context.Background()); err == nil {
			t.Fatalf("Migrate=nil, want error")
		}
	})
}

func TestMemoryIsPrivate(t *testing.T) {
	ctx := context.Background()
	a, b := testdb.SQLite(t), testdb.SQLite(t)
	testdb.MustCreateUser(t, ctx, a.Services, &edusphere.User{Username: "only-a"})
	if _, err := b.Services.Users.FindUserByUsername(ctx, "only-a"); edusphere.ErrorCode(err) != edusphere.ENOTFOUND {
		t.Fatalf("FindUserByUsername in b=%v, want ENOTFOUND", err)
	}
	if _, err := a.Services.Users.FindUserByUsername(ctx, "only-a"); err != nil {
		t.Fatalf("FindUserByUsername in a=%v, want nil", err)
	}
}
