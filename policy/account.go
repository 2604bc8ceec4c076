package policy

import (
	"strconv"
	"strings"
)

// AccountBase is the account name before any clash suffix: the ASCII initials
// of the given names followed by the surname, in lower case
// ("CHAN", "Tai Man" -> "tmchan"). Accents are folded (é -> e), other
// non-letters dropped, and each part of a hyphenated given name gives an
// initial ("Tai-Man" -> "tm"). A name with no Latin letters at all gives "user".
func AccountBase(surname, givenNames string) string {
	var b strings.Builder
	for _, w := range words(fold(givenNames)) {
		if letters := asciiLetters(w); letters != "" {
			b.WriteByte(letters[0])
		}
	}
	b.WriteString(asciiLetters(fold(surname)))
	if b.Len() == 0 {
		return "user"
	}
	return b.String()
}

// AccountName is the n-th account name for a base: the first keeps the base,
// later clashes get a number (tmchan, tmchan2, tmchan3, ...).
func AccountName(base string, n int) string {
	if n <= 1 {
		return base
	}
	return base + strconv.Itoa(n)
}

// Email is the account's address in a domain ("tmchan", "connect.example.edu"
// -> "tmchan@connect.example.edu"); a leading "@" on the domain is tolerated.
func Email(account, domain string) string {
	return account + "@" + strings.TrimPrefix(strings.TrimSpace(domain), "@")
}
