package central

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/expressstation/kiosk/store/domain"
	"github.com/expressstation/kiosk/store/secret"
)

// The daily job on a store of benchAccounts accounts, benchDue of them
// activated and completing on 31 Aug 2026 (activated 1 Jan 2026), the rest
// in 2030:
//
//	go test ./store/central -run '^$' -bench Lifecycle -benchtime 3x
//
// move: the completion day (benchDue moves to grace, each with its notice);
// idle: a run that finds nothing due; reminders: benchDue password reminders.
const (
	benchAccounts = 100_000
	benchDue      = 25_000
)

var benchTemplate = struct {
	once sync.Once
	path string
	err  error
}{}

// lifecycleTemplate builds the store once per process.
func lifecycleTemplate(b *testing.B) string {
	benchTemplate.once.Do(func() {
		dir, err := os.MkdirTemp("", "central-bench")
		if err != nil {
			benchTemplate.err = err
			return
		}
		benchTemplate.path = filepath.Join(dir, "template.db")
		benchTemplate.err = buildTemplate(benchTemplate.path)
	})
	if benchTemplate.err != nil {
		b.Fatal(benchTemplate.err)
	}
	return benchTemplate.path
}

func buildTemplate(path string) error {
	keys, err := secret.NewKeys(bytes.Repeat([]byte{1}, 32), bytes.Repeat([]byte{2}, 32))
	if err != nil {
		return err
	}
	activated := time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)
	s, err := Open(path, Options{Keys: &keys, Now: func() time.Time { return activated }})
	if err != nil {
		return err
	}
	defer s.Close()
	var csv strings.Builder
	csv.WriteString(header)
	for i := range benchAccounts {
		completion := "2030-06-30"
		if i < benchDue {
			completion = "2026-08-31"
		}
		fmt.Fprintf(&csv, "%08d,CHAN,Tai Man,,2004-01-01,Computer Science,UG,degree,%s\n", 40000000+i, completion)
	}
	rep, err := s.Import(ctx, strings.NewReader(csv.String()))
	if err != nil || rep.Added != benchAccounts {
		return fmt.Errorf("import: %+v, %v", rep, err)
	}
	f, err := s.Changes(ctx, 0, benchDue)
	if err != nil {
		return err
	}
	var ops []domain.Op
	for _, c := range f.Changes {
		name := c.Snapshot[bytes.Index(c.Snapshot, []byte(`"name":"`))+8:]
		ops = append(ops, stationOp(string(name[:bytes.IndexByte(name, '"')]), domain.OpActivate,
			domain.ActivatePayload{PasswordHash: testHashes()[0], ActivatedAt: activated}, activated))
	}
	for len(ops) > 0 {
		n := min(len(ops), 1000)
		if _, err := s.Apply(ctx, "bench", ops[:n]); err != nil {
			return err
		}
		ops = ops[n:]
	}
	return nil
}

// benchCopy is a fresh copy of the template, open.
func benchCopy(b *testing.B, now time.Time) *SQLite {
	b.Helper()
	path := filepath.Join(b.TempDir(), "central.db")
	if err := copyFile(lifecycleTemplate(b), path); err != nil {
		b.Fatal(err)
	}
	s, err := Open(path, Options{Now: func() time.Time { return now }})
	if err != nil {
		b.Fatal(err)
	}
	return s
}

func copyFile(from, to string) error {
	src, err := os.Open(from)
	if err != nil {
		return err
	}
	defer src.Close()
	dst, err := os.Create(to)
	if err != nil {
		return err
	}
	if _, err := io.Copy(dst, src); err != nil {
		dst.Close()
		return err
	}
	return dst.Close()
}

func BenchmarkLifecycle(b *testing.B) {
	completion := time.Date(2026, 8, 31, 9, 0, 0, 0, time.UTC)
	lifecycleTemplate(b)
	b.Run("move", func(b *testing.B) {
		var moved int
		for b.Loop() {
			b.StopTimer()
			s := benchCopy(b, completion)
			b.StartTimer()
			rep, err := s.RunLifecycle(ctx, completion)
			if err != nil || len(rep.Transitions) != benchDue || rep.Notices != benchDue {
				b.Fatalf("%d moved, %d notices, %v", len(rep.Transitions), rep.Notices, err)
			}
			moved += len(rep.Transitions)
			b.StopTimer()
			s.Close()
			b.StartTimer()
		}
		b.ReportMetric(float64(moved)/b.Elapsed().Seconds(), "transitions/s")
	})
	b.Run("idle", func(b *testing.B) {
		s := benchCopy(b, completion)
		defer s.Close()
		if _, err := s.RunLifecycle(ctx, completion); err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			if rep, err := s.RunLifecycle(ctx, completion); err != nil || len(rep.Transitions) != 0 {
				b.Fatalf("%+v, %v", rep, err)
			}
		}
	})
	b.Run("reminders", func(b *testing.B) {
		july := time.Date(2026, 7, 15, 9, 0, 0, 0, time.UTC)
		var queued int
		for b.Loop() {
			b.StopTimer()
			s := benchCopy(b, july)
			b.StartTimer()
			n, err := s.QueuePasswordReminders(ctx, july)
			if err != nil || n != benchDue {
				b.Fatalf("%d reminders, %v", n, err)
			}
			queued += n
			b.StopTimer()
			s.Close()
			b.StartTimer()
		}
		b.ReportMetric(float64(queued)/b.Elapsed().Seconds(), "reminders/s")
	})
}
