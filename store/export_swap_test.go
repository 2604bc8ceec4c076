package store

import "time"

// SetSwapStep installs a hook that runs at each step of MoveInSnapshot
// (crash tests). nil removes it.
func SetSwapStep(f func(step string)) { swapStep = f }

// SetHoldWait sets how long MoveInSnapshot waits for the replica's
// connections and returns the function that restores it.
func SetHoldWait(d time.Duration) (restore func()) {
	old := holdWait
	holdWait = d
	return func() { holdWait = old }
}
