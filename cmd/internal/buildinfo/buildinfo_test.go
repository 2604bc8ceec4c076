package buildinfo

import (
	"runtime/debug"
	"testing"
)

func TestVersionFromBuildInfo(t *testing.T) {
	rev := []debug.BuildSetting{{Key: "vcs", Value: "git"},
		{Key: "vcs.revision", Value: "1a2b3c4d5e6f7a8b9c0d1a2b3c4d5e6f7a8b9c0d"}, {Key: "vcs.modified", Value: "false"}}
	dirty := []debug.BuildSetting{{Key: "vcs.revision", Value: "1a2b3c4d5e6f7a8b"}, {Key: "vcs.modified", Value: "true"}}
	tests := []struct {
		name        string
		info        *debug.BuildInfo
		short, long string
	}{
		{"no build info", nil, "devel", "kiosk devel"},
		{"neither version nor revision", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}},
			"devel", "kiosk devel"},
		{"go test", &debug.BuildInfo{GoVersion: "go1.26.8"}, "devel", "kiosk devel (go1.26.8)"},
		{"built in a clone", &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "(devel)"}, Settings: rev},
			"1a2b3c4d5e6f", "kiosk devel (rev 1a2b3c4d5e6f, go1.26.8)"},
		{"built with changes", &debug.BuildInfo{GoVersion: "go1.26.8", Settings: dirty},
			"1a2b3c4d5e6f+dirty", "kiosk devel (rev 1a2b3c4d5e6f+dirty, go1.26.8)"},
		{"released", &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "v1.4.0"}},
			"v1.4.0", "kiosk v1.4.0 (go1.26.8)"},
		{"released from a clone", &debug.BuildInfo{Main: debug.Module{Version: "v1.4.1-0.20261203154722-1a2b3c4d5e6f"}, Settings: rev},
			"v1.4.1-0.20261203154722-1a2b3c4d5e6f", "kiosk v1.4.1-0.20261203154722-1a2b3c4d5e6f (rev 1a2b3c4d5e6f)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Short(tt.info); got != tt.short {
				t.Errorf("Short = %q, want %q", got, tt.short)
			}
			if got := Long("kiosk", tt.info); got != tt.long {
				t.Errorf("Long = %q, want %q", got, tt.long)
			}
		})
	}
}
