package pgstore_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/httpsem/httpsem/asyncjob/pgstore"
	"github.com/httpsem/httpsem/internal/testenv"
)

// How the tests reach PostgreSQL: DATABASE_URL when set, else
// postgres://postgres@127.0.0.1:5432/postgres. Each test creates a
// database of its own there and drops it at cleanup. Without a server the
// tests skip (fail in CI, where HTTPSEM_REQUIRE_COMPONENTS=1).

const localURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

func adminURL() string {
	if u := os.Getenv("DATABASE_URL"); u != "" {
		return u
	}
	return localURL
}

var reachable = sync.OnceValue(func() error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	c, err := pgx.Connect(ctx, adminURL())
	if err != nil {
		return err
	}
	return c.Close(ctx)
})

// newDatabase creates a database no other test uses and returns its URL;
// it is dropped at cleanup (after every pool on it is closed).
func newDatabase(t testing.TB) string {
	t.Helper()
	if err := reachable(); err != nil {
		testenv.Missing(t, "no PostgreSQL at %s (set DATABASE_URL): %v", adminURL(), err)
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "pgstore_" + strings.Map(func(r rune) rune {
		if 'a' <= r && r <= 'z' || '0' <= r && r <= '9' {
			return r
		}
		return '_'
	}, strings.ToLower(t.Name()))
	if len(name) > 40 {
		name = name[:40]
	}
	name += "_" + hex.EncodeToString(b[:])
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	admin, err := pgx.Connect(ctx, adminURL())
	require.NoError(t, err)
	defer admin.Close(ctx)
	_, err = admin.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize())
	require.NoError(t, err)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		admin, err := pgx.Connect(ctx, adminURL())
		if err != nil {
			t.Logf("drop database %s: %v", name, err)
			return
		}
		defer admin.Close(ctx)
		if _, err := admin.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
			t.Logf("drop database %s: %v", name, err)
		}
	})
	return withDatabase(t, adminURL(), name)
}

// withDatabase returns connection string u naming database name instead.
func withDatabase(t testing.TB, u, name string) string {
	t.Helper()
	if strings.HasPrefix(u, "postgres://") || strings.HasPrefix(u, "postgresql://") {
		pu, err := url.Parse(u)
		require.NoError(t, err)
		pu.Path = "/" + name
		q := pu.Query()
		q.Del("dbname")
		pu.RawQuery = q.Encode()
		return pu.String()
	}
	return u + " dbname=" + name
}

// newPool returns a pool on url, closed at cleanup.
func newPool(t testing.TB, url string) *pgxpool.Pool {
	t.Helper()
	p, err := pgxpool.New(context.Background(), url)
	require.NoError(t, err)
	t.Cleanup(p.Close)
	return p
}

// newStore returns a migrated Store on pool, closed at cleanup (before the
// pool, as cleanups run last-in first-out).
func newStore(t testing.TB, pool *pgxpool.Pool, opts pgstore.Options) *pgstore.Store {
	t.Helper()
	s, err := pgstore.New(pool, opts)
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	require.NoError(t, s.Migrate(ctx))
	return s
}

// schemaName returns a schema name no other store in the database uses.
func schemaName() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return "s_" + hex.EncodeToString(b[:])
}

// asyncCommit makes commits on database u return before their WAL is
// flushed (synchronous_commit = off, for new sessions).
func asyncCommit(t testing.TB, u string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := pgx.Connect(ctx, u)
	require.NoError(t, err)
	defer c.Close(ctx)
	_, err = c.Exec(ctx, "ALTER DATABASE "+pgx.Identifier{c.Config().Database}.Sanitize()+" SET synchronous_commit = off")
	require.NoError(t, err)
}
