package store_test

import (
	"github.com/expressstation/kiosk/kiosk"
	"github.com/expressstation/kiosk/store"
)

// The replica is what the screens talk to.
var _ kiosk.Accounts = (*store.Replica)(nil)
