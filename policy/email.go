package policy

import (
	"errors"
	"fmt"
	"net/mail"
	"strings"
)

// ErrEmail is the kind of every personal e-mail address error.
var ErrEmail = errors.New("the e-mail address should look like name@example.com")

// Limits of RFC 5321 (the whole address, the part before the @).
const (
	emailMaxLen = 254
	localMaxLen = 64
)

// ParsePersonalEmail checks the personal (external) e-mail address a student
// gives for notices (seed "netid": "Updating Personal (External) Email
// Address"). It must be a plain address (no display name), in ASCII (so any
// mail server can deliver to it), with a domain that has a dot, and outside
// the university's own domains (ownDomains and their subdomains): notices go
// there when the university account cannot be reached. The domain is
// returned in lower case; the part before the @ is kept as typed.
func ParsePersonalEmail(s string, ownDomains ...string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", inputError(ErrEmail, "input.email-empty", "please enter your personal e-mail address, like name@example.com", nil)
	}
	if len(s) > emailMaxLen {
		return "", inputError(ErrEmail, "input.email-too-long", fmt.Sprintf("that address is too long (at most %d characters)", emailMaxLen),
			map[string]any{"Count": emailMaxLen})
	}
	if strings.ContainsFunc(s, func(r rune) bool { return r < 0x21 || r > 0x7e }) {
		return "", inputError(ErrEmail, "input.email-ascii", "an e-mail address has no spaces and uses plain letters, digits and signs", nil)
	}
	addr, err := mail.ParseAddress(s)
	if err != nil || addr.Address != s {
		return "", inputError(ErrEmail, "", "", nil)
	}
	at := strings.LastIndexByte(s, '@')
	local, domain := s[:at], strings.ToLower(s[at+1:])
	if msg := domainProblem(domain); msg != "" {
		return "", inputError(ErrEmail, "input.email-domain", msg, nil)
	}
	if len(local) > localMaxLen {
		return "", inputError(ErrEmail, "input.email-local-too-long",
			fmt.Sprintf("the part before the @ is too long (at most %d characters)", localMaxLen), map[string]any{"Count": localMaxLen})
	}
	for _, own := range ownDomains {
		own = strings.ToLower(strings.TrimPrefix(strings.TrimSpace(own), "@"))
		if own != "" && (domain == own || strings.HasSuffix(domain, "."+own)) {
			return "", inputError(ErrEmail, "input.email-own-domain", "please give a personal address outside the university (for example "+
				"Gmail or Outlook): notices about your university account go there", nil)
		}
	}
	return local + "@" + domain, nil
}

// domainProblem says why a domain cannot receive mail, or "".
func domainProblem(domain string) string {
	const msg = "the part after the @ should be a domain like example.com"
	if strings.HasPrefix(domain, "[") || !strings.Contains(domain, ".") {
		return msg
	}
	for _, label := range strings.Split(domain, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return msg
		}
		for _, r := range label {
			if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
				return msg
			}
		}
	}
	return ""
}
