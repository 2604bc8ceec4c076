// Package domain is the account as a station's replica (store) and the
// central store (store/central) both know it: its snapshot, the ops that
// change it (each kind declared once, in kinds.go: payload, how it applies,
// how the central store re-checks it, the notice it sends and what its
// refusal tells the student), the lifecycle rules, the lockout and history
// limits, and how registry records are named. Everything here is pure: no
// storage, no network, no clock of its own.
package domain
