// Package config loads a station's kiosk.toml. Unknown keys and bad values
// are refused with the key's name and line, so a typo in a deployed
// configuration stops the station at start instead of being silently ignored.
package config

import (
	"bytes"
	"crypto/x509"
	_ "embed"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/expressstation/kiosk/store/notice"
	"github.com/expressstation/kiosk/store/text"
)

// Default is the shipped demo configuration. It is a byte-for-byte copy of
// the repository's kiosk.toml (a test keeps them equal), embedded so the
// binary can start on its own.
//
//go:embed default.toml
var Default []byte

// Config is a station's configuration. Every key is documented in kiosk.toml.
type Config struct {
	Station Station `toml:"station"`
	Store   Store   `toml:"store"`
	Keys    Keys    `toml:"keys"`
	Sync    Sync    `toml:"sync"`
	Staff   Staff   `toml:"staff"`
	Log     Log     `toml:"log"`
	Mail    Mail    `toml:"mail"`
	Notices Notices `toml:"notices"`

	// Path is the file the configuration came from ("" for Default); Dir is
	// the folder relative paths are resolved against.
	Path string `toml:"-"`
	Dir  string `toml:"-"`
}

type Station struct {
	ID          string        `toml:"id"`
	Name        string        `toml:"name"`
	Institution string        `toml:"institution"`
	ServiceName string        `toml:"service_name"`
	IdleTimeout time.Duration `toml:"idle_timeout"`
	ServiceDesk string        `toml:"service_desk"`
	// ServiceDeskIn is the service desk in the station's other languages,
	// by catalog language ("zh-HK"): what a student who switched reads.
	ServiceDeskIn   map[string]string `toml:"service_desk_in"`
	EmailDomain     string            `toml:"email_domain"`
	TOTPIssuer      string            `toml:"totp_issuer"`
	StudentIDLength int               `toml:"student_id_length"`
	AliasDomain     string            `toml:"alias_domain"`
	// Language is what the screens speak when a student walks up, and
	// return to after the idle wipe and at the end of a flow: a language
	// of the message catalog (store/text), "en" or "zh-HK".
	Language string `toml:"language"`
	// MemoryLimit is the Go runtime's soft memory limit
	// (debug.SetMemoryLimit); 0 leaves the runtime's default.
	MemoryLimit ByteSize `toml:"memory_limit"`
	// PolicyDir holds the deployment's own policy texts, which replace the
	// built-in ones of the same name (kiosk.LoadPolicies checks them at
	// start); "" keeps the built-in texts.
	PolicyDir string `toml:"policy_dir"`
	// ResetNeedsSecondFactor refuses Forgot Password to an account with
	// neither 2FA nor a verified personal e-mail (issue 19): it is sent to
	// the service desk or its access pass. Off by default: the identity
	// check alone resets such an account, as the contract says.
	ResetNeedsSecondFactor bool `toml:"reset_needs_second_factor"`
}

// ByteSize is a size in bytes, written "48MiB", "64MB", "512KiB" or a
// plain number of bytes.
type ByteSize int64

// UnmarshalText reads a size with an optional unit (B, KiB, MiB, GiB, KB,
// MB, GB).
func (b *ByteSize) UnmarshalText(t []byte) error {
	s := strings.TrimSpace(string(t))
	num := strings.TrimRightFunc(s, func(r rune) bool { return r < '0' || r > '9' })
	unit := strings.TrimSpace(s[len(num):])
	mult, ok := map[string]int64{"": 1, "B": 1, "KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30,
		"KB": 1e3, "MB": 1e6, "GB": 1e9}[unit]
	n, err := strconv.ParseInt(num, 10, 64)
	if !ok || err != nil || n > (1<<62)/mult {
		return fmt.Errorf("%q is not a size: write e.g. \"48MiB\" or \"64MB\"", s)
	}
	*b = ByteSize(n * mult)
	return nil
}

// Notices say which languages the station's notice e-mails are written
// in, in order, all in one e-mail.
type Notices struct {
	Languages []string `toml:"languages"`
}

type Store struct {
	Path string `toml:"path"`
	// SeedDemo loads the embedded demo registry into an empty standalone replica.
	SeedDemo bool `toml:"seed_demo"`
}

type Keys struct {
	IdentityFile string `toml:"identity_file"`
	SealFile     string `toml:"seal_file"`
	IdentityEnv  string `toml:"identity_env"`
	SealEnv      string `toml:"seal_env"`
	Create       bool   `toml:"create"`
}

type Sync struct {
	// Upstream is the first of Upstreams (the one tried first); "" for a
	// standalone station.
	Upstream string `toml:"-"`
	// Upstreams are the central store's URLs, tried in order with failover:
	// `upstream` holds one URL (a string) or a list of them.
	Upstreams URLList       `toml:"upstream"`
	Token     string        `toml:"token"`
	TokenFile string        `toml:"token_file"`
	CAFile    string        `toml:"ca_file"`
	Interval  time.Duration `toml:"interval"`
}

type Staff struct {
	Key     string `toml:"key"`
	PINHash string `toml:"pin_hash"`
}

// Mail is the SMTP server notices go out through; with no server they are
// kept on the station and listed for staff.
type Mail struct {
	Server       string `toml:"server"`
	From         string `toml:"from"`
	Username     string `toml:"username"`
	PasswordEnv  string `toml:"password_env"`
	PasswordFile string `toml:"password_file"`
	RequireTLS   bool   `toml:"require_tls"`
}

type Log struct {
	Path     string `toml:"path"`
	MaxBytes int64  `toml:"max_bytes"`
}

// Error is a configuration problem tied to a key and, when known, a line.
type Error struct {
	File string
	Line int
	Key  string
	Msg  string
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	if e.Key != "" {
		fmt.Fprintf(&b, ": %s", e.Key)
	}
	fmt.Fprintf(&b, ": %s", e.Msg)
	return b.String()
}

// Load reads and checks the configuration at path; relative paths inside it
// are resolved against the file's folder.
func Load(path string) (*Config, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	return Parse(src, abs, filepath.Dir(abs))
}

// Parse checks src as if read from file, resolving relative paths against dir.
func Parse(src []byte, file, dir string) (*Config, error) {
	cfg := defaults()
	md, err := toml.NewDecoder(bytes.NewReader(src)).Decode(cfg)
	if err != nil {
		var pe toml.ParseError
		if ppe := (*toml.ParseError)(nil); errors.As(err, &ppe) {
			pe = *ppe
		} else if !errors.As(err, &pe) {
			return nil, plainDecodeError(file, err)
		}
		msg := pe.Message
		if pe.Usage != "" {
			msg += " (" + strings.TrimSpace(pe.Usage) + ")"
		}
		return nil, &Error{File: file, Line: pe.Position.Line, Key: pe.LastKey, Msg: msg}
	}
	if und := md.Undecoded(); len(und) > 0 {
		k := und[0].String()
		return nil, &Error{File: file, Line: lineOf(src, k), Key: k, Msg: "unknown key (see the documented keys in kiosk.toml)"}
	}
	if len(cfg.Sync.Upstreams) > 0 {
		cfg.Sync.Upstream = cfg.Sync.Upstreams[0]
	}
	if err := cfg.validate(); err != nil {
		var ce *Error
		if errors.As(err, &ce) {
			ce.File, ce.Line = file, lineOf(src, ce.Key)
		}
		return nil, err
	}
	cfg.Path, cfg.Dir = file, dir
	cfg.resolve()
	return cfg, nil
}

func defaults() *Config {
	return &Config{
		Station: Station{
			ID: "station", Name: "Express Station", ServiceName: "Express Station",
			Institution: "University IT Services", IdleTimeout: 90 * time.Second,
			ServiceDesk: "the IT Service Desk", EmailDomain: "connect.example.edu",
			TOTPIssuer: "ExpressStation", StudentIDLength: 8,
			AliasDomain: "alumni.example.edu", Language: text.English,
		},
		Notices: Notices{Languages: slices.Clone(notice.DefaultLanguages)},
		Store:   Store{Path: "data/replica.db"},
		Keys:    Keys{IdentityEnv: "KIOSK_IDENTITY_KEY", SealEnv: "KIOSK_SEAL_KEY"},
		Sync:    Sync{Interval: 10 * time.Second},
		Staff:   Staff{Key: "f12"},
		Log:     Log{MaxBytes: 10 << 20},
		Mail:    Mail{RequireTLS: true},
	}
}

func (c *Config) validate() error {
	bad := func(key, msg string) error { return &Error{Key: key, Msg: msg} }
	switch {
	case strings.TrimSpace(c.Station.ID) == "":
		return bad("station.id", "must not be empty")
	case c.Station.IdleTimeout < 20*time.Second || c.Station.IdleTimeout > time.Hour:
		return bad("station.idle_timeout", fmt.Sprintf("%s is out of range: use a duration from 20s to 1h, e.g. \"90s\"", c.Station.IdleTimeout))
	case c.Station.StudentIDLength < 4 || c.Station.StudentIDLength > 16:
		return bad("station.student_id_length", "must be between 4 and 16")
	case !strings.Contains(c.Station.EmailDomain, ".") || strings.ContainsAny(c.Station.EmailDomain, "@ "):
		return bad("station.email_domain", "must be a domain name such as connect.example.edu")
	case strings.ContainsAny(c.Station.TOTPIssuer, ":"):
		return bad("station.totp_issuer", "must not contain ':'")
	case strings.TrimSpace(c.Store.Path) == "":
		return bad("store.path", "must name the replica file")
	case c.Keys.IdentityFile == "" && c.Keys.IdentityEnv == "":
		return bad("keys.identity_file", "set identity_file or identity_env")
	case c.Keys.SealFile == "" && c.Keys.SealEnv == "":
		return bad("keys.seal_file", "set seal_file or seal_env")
	case badUpstream(c.Sync.Upstreams):
		return bad("sync.upstream", "must be an http:// or https:// URL, a list of them, or empty for a standalone station")
	case c.Sync.Upstream != "" && c.Sync.Token == "" && c.Sync.TokenFile == "":
		return bad("sync.token", "a station with an upstream needs token or token_file")
	case c.Sync.Token != "" && c.Sync.TokenFile != "":
		return bad("sync.token", "set token or token_file, not both")
	case c.Sync.CAFile != "" && !allHTTPS(c.Sync.Upstreams):
		return bad("sync.ca_file", "is for an https:// upstream; plain http has no certificate to check")
	case c.Sync.Interval < time.Second:
		return bad("sync.interval", "must be at least 1s")
	case c.Staff.PINHash != "" && !strings.HasPrefix(c.Staff.PINHash, "$argon2id$"):
		return bad("staff.pin_hash", "must be an argon2id hash printed by `kiosk hash-pin`")
	case !strings.Contains(c.Station.AliasDomain, ".") || strings.ContainsAny(c.Station.AliasDomain, "@ "):
		return bad("station.alias_domain", "must be a domain name such as alumni.example.edu")
	case c.Mail.Server != "" && !strings.Contains(c.Mail.Server, ":"):
		return bad("mail.server", "must be host:port, e.g. smtp.example.edu:587")
	case c.Mail.Server != "" && !strings.Contains(c.Mail.From, "@"):
		return bad("mail.from", "must be the sender's address when a mail server is set")
	case c.Mail.PasswordEnv != "" && c.Mail.PasswordFile != "":
		return bad("mail.password_env", "set password_env or password_file, not both")
	case c.Station.MemoryLimit != 0 && c.Station.MemoryLimit < 16<<20:
		return bad("station.memory_limit", "must be at least 16MiB (a password check alone needs 19MiB), or 0 for no limit")
	case c.Log.MaxBytes < 64<<10:
		return bad("log.max_bytes", "must be at least 65536")
	}
	if _, ok := StaffKeys[strings.ToLower(c.Staff.Key)]; !ok {
		return bad("staff.key", "must be one of f1..f12 or ctrl+a..ctrl+z")
	}
	langs := `"` + strings.Join(text.Languages(), `", "`) + `"`
	if !text.Has(c.Station.Language) {
		return bad("station.language", fmt.Sprintf("%q is not a language of the station: use one of %s", c.Station.Language, langs))
	}
	for l := range c.Station.ServiceDeskIn {
		if !text.Has(l) {
			return bad("station.service_desk_in", fmt.Sprintf("%q is not a language of the station: use one of %s", l, langs))
		}
	}
	if len(c.Notices.Languages) == 0 {
		return bad("notices.languages", "must name at least one language, e.g. [\"en\", \"zh-HK\"]")
	}
	for i, l := range c.Notices.Languages {
		if !text.Has(l) || slices.Index(c.Notices.Languages, l) != i {
			return bad("notices.languages", fmt.Sprintf("%q is not a language of the station, or is named twice: use %s", l, langs))
		}
	}
	return nil
}

// StaffKeys are the keys staff may choose to open staff mode.
var StaffKeys = func() map[string]bool {
	m := map[string]bool{}
	for i := 1; i <= 12; i++ {
		m[fmt.Sprintf("f%d", i)] = true
	}
	for c := 'a'; c <= 'z'; c++ {
		m["ctrl+"+string(c)] = true
	}
	delete(m, "ctrl+c") // never: Ctrl+C is what a student tries first
	return m
}()

// resolve turns relative paths into paths beside the configuration file.
func (c *Config) resolve() {
	for _, p := range []*string{&c.Store.Path, &c.Keys.IdentityFile, &c.Keys.SealFile, &c.Sync.TokenFile, &c.Sync.CAFile, &c.Log.Path, &c.Mail.PasswordFile, &c.Station.PolicyDir} {
		if *p != "" && !filepath.IsAbs(*p) {
			*p = filepath.Join(c.Dir, *p)
		}
	}
}

// Standalone reports whether the station has no central store to sync with.
func (c *Config) Standalone() bool { return c.Sync.Upstream == "" }

// SyncToken returns the station's bearer token from token or token_file.
func (c *Config) SyncToken() (string, error) {
	if c.Sync.Token != "" || c.Sync.TokenFile == "" {
		return c.Sync.Token, nil
	}
	b, err := os.ReadFile(c.Sync.TokenFile)
	if err != nil {
		return "", fmt.Errorf("sync.token_file: %w", err)
	}
	return strings.TrimSpace(string(b)), nil
}

// SyncRootCAs returns the certificates of [sync] ca_file, the roots the
// upstream's certificate must chain to; nil (the system's roots) when unset.
func (c *Config) SyncRootCAs() (*x509.CertPool, error) {
	if c.Sync.CAFile == "" {
		return nil, nil
	}
	pem, err := os.ReadFile(c.Sync.CAFile)
	if err != nil {
		return nil, fmt.Errorf("sync.ca_file: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("sync.ca_file: %s holds no PEM certificate (-----BEGIN CERTIFICATE-----)", c.Sync.CAFile)
	}
	return pool, nil
}

// The decoder reports type mismatches as plain errors of the form
// `toml: line 5 (last key "a.b"): message`.
var decodeErrRE = regexp.MustCompile(`^toml: (?:line (\d+) )?\(last key "([^"]*)"\): (.*)$`)

func plainDecodeError(file string, err error) error {
	m := decodeErrRE.FindStringSubmatch(err.Error())
	if m == nil {
		return &Error{File: file, Msg: err.Error()}
	}
	line, _ := strconv.Atoi(m[1])
	return &Error{File: file, Line: line, Key: m[2], Msg: m[3]}
}

// MailPassword returns the SMTP password from password_env or password_file
// ("" when neither is set).
func (c *Config) MailPassword() (string, error) {
	switch {
	case c.Mail.PasswordEnv != "":
		return os.Getenv(c.Mail.PasswordEnv), nil
	case c.Mail.PasswordFile != "":
		b, err := os.ReadFile(c.Mail.PasswordFile)
		if err != nil {
			return "", fmt.Errorf("mail.password_file: %w", err)
		}
		return strings.TrimSpace(string(b)), nil
	}
	return "", nil
}

// lineOf finds the line that sets dotted key "section.name", or the header of
// section "name" (the keys this package knows are all one level deep).
func lineOf(src []byte, key string) int {
	section, name, dotted := strings.Cut(key, ".")
	cur := ""
	for i, line := range strings.Split(string(src), "\n") {
		t := strings.TrimSpace(line)
		if strings.HasPrefix(t, "[") {
			cur = strings.Trim(t, "[] \t")
			if cur == section && !dotted {
				return i + 1
			}
			continue
		}
		k, _, found := strings.Cut(t, "=")
		if dotted && found && cur == section && strings.Trim(strings.TrimSpace(k), `"'`) == name {
			return i + 1
		}
	}
	return 0
}

// URLList is a key that takes one URL or a list of them ([sync] upstream:
// a single string stays valid). An empty string is no URL.
type URLList []string

// UnmarshalTOML takes a string or an array of strings.
func (l *URLList) UnmarshalTOML(v any) error {
	switch x := v.(type) {
	case string:
		*l = nil
		if x != "" {
			*l = URLList{x}
		}
		return nil
	case []any:
		out := make(URLList, 0, len(x))
		for _, e := range x {
			s, ok := e.(string)
			if !ok {
				return fmt.Errorf("a list of URLs holds only strings, not %v", e)
			}
			out = append(out, s)
		}
		*l = out
		return nil
	}
	return fmt.Errorf("give one URL as a string or a list of them, not %v", v)
}

func badUpstream(urls URLList) bool {
	for _, u := range urls {
		if !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "https://") {
			return true
		}
	}
	return false
}

// allHTTPS says whether there are upstreams and every one is https.
func allHTTPS(urls URLList) bool {
	for _, u := range urls {
		if !strings.HasPrefix(u, "https://") {
			return false
		}
	}
	return len(urls) > 0
}
