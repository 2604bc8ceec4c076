// Package buildinfo says which build of the station software is running,
// from what the Go toolchain records in every binary (module version and
// VCS revision), so `kiosk --version`, `accountd --version`, the staff panel
// and `status --json` agree without a version baked in by hand.
package buildinfo

import (
	"fmt"
	"runtime/debug"
	"sync"
)

// Devel is the version of a build with neither a module version (a
// released `go install ...@v1.2.3`) nor a VCS revision (a build outside git).
const Devel = "devel"

// Version is the running binary's short version: the module version of a
// released build, else the commit it was built from ("+dirty" when the tree
// had changes), else "devel".
var Version = sync.OnceValue(func() string {
	info, _ := debug.ReadBuildInfo()
	return Short(info)
})

// Line is what `PROG --version` prints: the program, its version, the VCS
// revision and the Go release that built it.
func Line(prog string) string {
	info, _ := debug.ReadBuildInfo()
	return Long(prog, info)
}

// Short is Version for the given build info (nil when the binary has none).
func Short(info *debug.BuildInfo) string {
	if v := moduleVersion(info); v != "" {
		return v
	}
	if rev, dirty := revision(info); rev != "" {
		return rev[:min(12, len(rev))] + dirty
	}
	return Devel
}

// Long is Line for the given build info: "kiosk v1.2.0 (rev 1a2b3c4d5e6f,
// go1.26.8)", "kiosk devel (rev 1a2b3c4d5e6f+dirty, go1.26.8)", or
// "kiosk devel" when the build recorded nothing.
func Long(prog string, info *debug.BuildInfo) string {
	v := moduleVersion(info)
	if v == "" {
		v = Devel
	}
	var extra string
	if rev, dirty := revision(info); rev != "" {
		extra = "rev " + rev[:min(12, len(rev))] + dirty
	}
	if info != nil && info.GoVersion != "" {
		if extra != "" {
			extra += ", "
		}
		extra += info.GoVersion
	}
	if extra == "" {
		return prog + " " + v
	}
	return fmt.Sprintf("%s %s (%s)", prog, v, extra)
}

func moduleVersion(info *debug.BuildInfo) string {
	if info == nil || info.Main.Version == "" || info.Main.Version == "(devel)" {
		return ""
	}
	return info.Main.Version
}

// revision is the commit the binary was built from and "+dirty" when the
// work tree had changes; "" when the build recorded no VCS information
// (go build -buildvcs=false, a build outside a repository, go test).
func revision(info *debug.BuildInfo) (rev, dirty string) {
	if info == nil {
		return "", ""
	}
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				dirty = "+dirty"
			}
		}
	}
	return rev, dirty
}
