package app

import "github.com/expressstation/kiosk/cmd/internal/buildinfo"

// Version is the station software's version for staff and `kiosk status`:
// the module version of a released build, else the commit it was built from
// ("+dirty" when the tree had changes), else "devel" (see buildinfo).
var Version = buildinfo.Version
