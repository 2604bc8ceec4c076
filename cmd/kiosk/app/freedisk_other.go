//go:build !linux

package app

// freeDisk is unknown off Linux (stations run Linux).
func freeDisk(string) int64 { return 0 }
