//go:build race

package main

// raceEnabled: the race detector slows the station about tenfold, so
// wall-clock limits are not checked under -race.
const raceEnabled = true
