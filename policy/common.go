package policy

import (
	_ "embed"
	"strings"
	"sync"
)

// commonText is 30,000 common passwords, lower case, one a line (see
// commonpasswords.LICENSE for where it comes from).
//
//go:embed commonpasswords.txt
var commonText string

// commonSet is built on first use: it costs about 3 ms and 2 MB, which a
// program that never checks a password (importer, status) need not pay.
var commonSet = sync.OnceValue(loadCommon)

// loadCommon builds the set; its keys share memory with the embedded text.
func loadCommon() map[string]struct{} {
	lines := strings.Split(strings.TrimSpace(commonText), "\n")
	set := make(map[string]struct{}, len(lines))
	for _, l := range lines {
		set[strings.TrimSpace(l)] = struct{}{}
	}
	return set
}

// IsCommonPassword reports whether pw, ignoring case, is on the built-in list
// of common passwords.
func IsCommonPassword(pw string) bool {
	_, ok := commonSet()[strings.ToLower(pw)]
	return ok
}
