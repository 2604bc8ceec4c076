package kiosk

import (
	"embed"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/expressstation/kiosk/policy"
	"github.com/expressstation/kiosk/store/text"
)

// The policies a student accepts before activation (seed "Student User
// Accounts": "read the Acceptable Use Policy, Access to User Accounts Policy
// and Protect My Account carefully"): one plain UTF-8 file per policy and
// language, policies/<name>.<language>.txt, whose first line is the
// section's heading. They are files, not catalog entries, so that staff can
// replace them per deployment ([station] policy_dir) without a new build.
//
//go:embed policies/*.txt
var builtinPolicyFiles embed.FS

// policySections are the policy step's sections in reading order: the file
// name and the catalog id of the section's tab.
var policySections = []struct{ name, tab string }{
	{"aup", "screen.aup.tab-aup"},
	{"access", "screen.aup.tab-access"},
	{"protect", "screen.aup.tab-protect"},
}

// maxPolicyBytes bounds a replaced policy file: a text many screens long is
// a mistake (a PDF saved as text), not a policy a student reads.
const maxPolicyBytes = 64 << 10

// Policies are the texts of the policy step by file name ("aup.en.txt").
type Policies struct{ files map[string]string }

// PolicyFiles are the file names of every policy in every language of the
// station, the names a policy_dir may hold.
func PolicyFiles() []string {
	var names []string
	for _, s := range policySections {
		for _, l := range text.Languages() {
			names = append(names, s.name+"."+l+".txt")
		}
	}
	return names
}

var builtinPolicies = func() *Policies {
	p := &Policies{files: map[string]string{}}
	for _, name := range PolicyFiles() {
		if b, err := builtinPolicyFiles.ReadFile("policies/" + name); err == nil {
			p.files[name] = normalPolicy(b)
		}
	}
	return p
}()

// BuiltinPolicies are the policy texts built into the station.
func BuiltinPolicies() *Policies { return builtinPolicies }

// LoadPolicies reads the policy texts a deployment keeps in dir
// ([station] policy_dir): a file there replaces the built-in one of the
// same name, a missing one leaves it. A file that is empty, not UTF-8, or
// holds a control or invisible character (a tab included), and a .txt file
// whose name is no policy's (a typo would otherwise leave the built-in text
// without a word), are refused with the file's path, so the station does
// not start with a policy the students cannot read. "" is the built-in set.
func LoadPolicies(dir string) (*Policies, error) {
	if dir == "" {
		return builtinPolicies, nil
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	names := PolicyFiles()
	p := &Policies{files: maps.Clone(builtinPolicies.files)}
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".txt") {
			continue // a README or an editor's backup is not a policy
		}
		path := filepath.Join(dir, e.Name())
		if !slices.Contains(names, e.Name()) {
			return nil, fmt.Errorf("%s: not a policy file of the station: the names are %s", path, strings.Join(names, ", "))
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		if err := checkPolicy(b); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		p.files[e.Name()] = normalPolicy(b)
	}
	return p, nil
}

// checkPolicy says why b cannot be shown as a policy text, or nil. A byte
// order mark and Windows line ends are accepted (Notepad writes them).
func checkPolicy(b []byte) error {
	if len(b) > maxPolicyBytes {
		return fmt.Errorf("is %d bytes, more than the %d a policy text may have", len(b), maxPolicyBytes)
	}
	s := normalPolicy(b)
	if strings.TrimSpace(s) == "" {
		return errors.New("is empty: write the policy's text, or remove the file to use the built-in one")
	}
	for i, line := range strings.Split(s, "\n") {
		if !utf8.ValidString(line) {
			return fmt.Errorf("line %d is not UTF-8 text: save the file as UTF-8", i+1)
		}
		for _, r := range line {
			switch {
			case r == '\t':
				return fmt.Errorf("line %d has a tab: indent with spaces", i+1)
			case !policy.TextRune(r):
				return fmt.Errorf("line %d has a control or invisible character (U+%04X): a policy holds printable text and line breaks only", i+1, r)
			}
		}
	}
	return nil
}

// normalPolicy is a policy file's text without a byte order mark, with
// "\n" line ends and no blank lines at either end.
func normalPolicy(b []byte) string {
	s := strings.TrimPrefix(string(b), "\uFEFF")
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.Trim(s, "\n")
}

// text is the policy name in lang; a language without its own file reads
// the English one.
func (p *Policies) text(name, lang string) string {
	if t, ok := p.files[name+"."+lang+".txt"]; ok {
		return t
	}
	return p.files[name+"."+text.English+".txt"]
}
