package app

import "syscall"

// freeDisk is the bytes an unprivileged process may still write under dir.
func freeDisk(dir string) int64 {
	var fs syscall.Statfs_t
	if syscall.Statfs(dir, &fs) != nil {
		return 0
	}
	return int64(fs.Bavail) * int64(fs.Bsize)
}
