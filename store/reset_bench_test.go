package store_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/expressstation/kiosk/store"
	"github.com/expressstation/kiosk/store/domain"
	"github.com/expressstation/kiosk/store/secret"
)

// BenchmarkRebuild100k resets a standalone replica of 100,000 accounts from
// its registry file, with 1,000 undelivered activations to apply again.
func BenchmarkRebuild100k(b *testing.B) {
	ctx := context.Background()
	clock := newClock()
	dir := b.TempDir()
	registry := filepath.Join(dir, "registry.csv")
	if err := os.WriteFile(registry, []byte(generatedCSV(benchRows)), 0o600); err != nil {
		b.Fatal(err)
	}
	path := filepath.Join(dir, "replica.db")
	r, err := store.Open(path, testOptions(b, clock))
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	f, _ := os.Open(registry)
	if _, err := r.ImportRegistry(ctx, f); err != nil {
		b.Fatal(err)
	}
	f.Close()
	if err := r.RecordRegistrySource(ctx, registry); err != nil {
		b.Fatal(err)
	}
	pendingActivations(b, r, path, 1000)

	b.ResetTimer()
	for b.Loop() {
		rep, err := r.RebuildFromRegistry(ctx)
		if err != nil || rep.Accounts != benchRows || rep.Replayed != 1000 {
			b.Fatalf("%+v, %v", rep, err)
		}
	}
	b.ReportMetric(float64(benchRows), "accounts")
}

// pendingActivations writes n activate ops (one argon2 hash shared) for the
// first n accounts, as if students had activated them here.
func pendingActivations(b *testing.B, r *store.Replica, path string, n int) {
	hash, err := secret.HashPassword(goodPassword)
	if err != nil {
		b.Fatal(err)
	}
	payload, _ := json.Marshal(domain.ActivatePayload{PasswordHash: hash, ActivatedAt: newClock().Now()})
	rows, err := store.ReadDB(r).Query(`SELECT name FROM accounts ORDER BY id LIMIT ?`, n)
	if err != nil {
		b.Fatal(err)
	}
	var values []string
	for i := 0; rows.Next(); i++ {
		var name string
		rows.Scan(&name)
		values = append(values, fmt.Sprintf(`('%032x', '2026-09-01T09:00:00.000Z', 'test-station', 'activate', '%s', '%s')`,
			i, name, payload))
	}
	rows.Close()
	execOn(b, path, `INSERT INTO outbox (op_id, created_at, station, kind, account, payload) VALUES `+strings.Join(values, ", "))
}

// BenchmarkStaffSignIn is one right PIN: the argon2 check plus the audit.
func BenchmarkStaffSignIn(b *testing.B) {
	r, _ := openReplica(b, newClock())
	hash := staffHash()
	for b.Loop() {
		if err := r.StaffSignIn(context.Background(), hash, staffPIN); err != nil {
			b.Fatal(err)
		}
	}
}
