// Package pgtest gives tests a PostgreSQL database of their own: a fresh
// schema in the database KIOSK_TEST_POSTGRES names, dropped when the test
// ends, so tests run in parallel on one server. Without KIOSK_TEST_POSTGRES
// the test is skipped, saying how to run it.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Env names the server's URL.
const Env = "KIOSK_TEST_POSTGRES"

// SkipMessage says how to run the PostgreSQL tests.
const SkipMessage = Env + " is not set: PostgreSQL tests skipped. To run them, start a throwaway server with " +
	"`.ci/with-postgres go test ./...` (needs PostgreSQL's initdb), or set " + Env + "=postgres://user@host:port/db"

// URL is the URL of a new empty schema for t (search_path set to it).
func URL(t testing.TB) string {
	t.Helper()
	base := os.Getenv(Env)
	if base == "" {
		t.Skip(SkipMessage)
	}
	var b [6]byte
	rand.Read(b[:])
	schema := "t_" + hex.EncodeToString(b[:])
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("%s: %v", Env, err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("%s: %v", Env, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if conn, err := pgx.Connect(ctx, base); err == nil {
			conn.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE")
			conn.Close(ctx)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("%s: %v", Env, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}
