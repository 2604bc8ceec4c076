package policy

import (
	"math"
	"unicode/utf8"
)

// Strength gives a rough score from 0 (weak) to 4 (strong) and a short hint
// for the meter beside the checklist. It estimates guessing effort from
// length and the kinds of character used; it does not replace the rules.
func Strength(pw string) (score int, hint string) {
	switch {
	case pw == "":
		return 0, "Longer pass phrases are stronger"
	case IsCommonPassword(pw):
		return 0, "Common passwords are guessed first — choose something of your own"
	}
	bits, kinds := estimate(pw)
	score = scoreBits(bits)
	if score > 1 && utf8.RuneCountInString(pw) < MinPasswordLen {
		score = 1
	}
	switch {
	case score <= 2 && kinds == 1:
		hint = "Add another word, or mix in capitals, digits or symbols"
	case score <= 2:
		hint = "Longer pass phrases are stronger"
	case score == 3:
		hint = "Good — another word would make it stronger"
	default:
		hint = "Strong password"
	}
	return score, hint
}

// estimate returns roughly how many bits of guessing pw takes, counting a
// character repeated right after itself as adding nothing, and how many kinds
// of character (lower, upper, digit, symbol or space, other scripts) it uses.
func estimate(pw string) (bits float64, kinds int) {
	var lower, upper, digit, symbol, other bool
	n, prev := 0, rune(-1)
	for _, r := range pw {
		switch {
		case r >= 'a' && r <= 'z':
			lower = true
		case r >= 'A' && r <= 'Z':
			upper = true
		case r >= '0' && r <= '9':
			digit = true
		case r < utf8.RuneSelf:
			symbol = true
		default:
			other = true
		}
		if r != prev {
			n++
		}
		prev = r
	}
	pool := 0
	for _, k := range []struct {
		used bool
		size int
	}{{lower, 26}, {upper, 26}, {digit, 10}, {symbol, 33}, {other, 100}} {
		if k.used {
			pool += k.size
			kinds++
		}
	}
	return float64(n) * math.Log2(float64(pool)), kinds
}

// scoreBits maps estimated bits to the 0..4 scale.
func scoreBits(bits float64) int {
	for score, limit := range []float64{30, 45, 60, 80} {
		if bits < limit {
			return score
		}
	}
	return 4
}
