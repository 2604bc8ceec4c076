package central

import "github.com/expressstation/kiosk/store/notice"

// notices is a SQLite store's notices table, for the tests that read it.
func (s *Central) notices() notice.Box { return s.b.(*sqliteStore).notices() }
