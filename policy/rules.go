package policy

// RuleID names a password rule. The ids are a contract: screens, tapes and
// logs refer to them.
type RuleID string

const (
	RuleMinLength        RuleID = "min-length"
	RuleName             RuleID = "name"
	RuleAlpha            RuleID = "alpha"
	RuleSequentialDigits RuleID = "sequential-digits"
	RuleRepeatedChars    RuleID = "repeated-chars"
	RuleReuse            RuleID = "reuse"
	RuleCommon           RuleID = "common"
	RuleCharset          RuleID = "charset"
	RuleMaxLength        RuleID = "max-length"
)

// Violation is one broken rule with a message a student can act on:
// Message in English (logs), ID and Data for the screens' catalog.
type Violation struct {
	Rule    RuleID
	Message string
	ID      string         // e.g. "rule.min-length.message"
	Data    map[string]any // e.g. {"Count": 12}
}
