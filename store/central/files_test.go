package central

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// The central store's files hold password hashes and sealed 2FA keys: the
// database, its -wal and -shm are created 0600 and the folder Open makes
// 0700, under a umask that would leave them readable by all; a database
// file others can read is refused unless allowed.
func TestFilesArePrivate(t *testing.T) {
	old := syscall.Umask(0o022)
	defer syscall.Umask(old)
	dir := filepath.Join(t.TempDir(), "accountd")
	path := filepath.Join(dir, "central.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddStation(context.Background(), "hall-1"); err != nil { // a write: the WAL exists now
		t.Fatal(err)
	}
	for p, want := range map[string]fs.FileMode{dir: 0o700, path: 0o600, path + "-wal": 0o600, path + "-shm": 0o600} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != want {
			t.Errorf("%s: mode %04o, want %04o", filepath.Base(p), got, want)
		}
	}
	s.Close()

	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(path, Options{}); err == nil || !strings.Contains(err.Error(), "--allow-shared-db-file") ||
		!strings.Contains(err.Error(), "mode 0644") {
		t.Fatalf("a file others can read: %v", err)
	}
	s, err = Open(path, Options{AllowSharedFile: true})
	if err != nil {
		t.Fatalf("allowed: %v", err)
	}
	s.Close()
}
