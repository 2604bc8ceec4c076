// Package registrytest makes registry CSV files for tests and benchmarks:
// n valid students with many name clashes, as a large intake has.
package registrytest

import (
	"fmt"
	"strings"
)

// Header is the registry's header row (DESIGN.md "Registry CSV").
const Header = "student_id,surname,given_names,hkid,date_of_birth,department,level,category,completion_date\n"

// CSV is a registry of n valid students (IDs from 30000000 on), many of
// whom share a name, so imports exercise the clash suffixes.
func CSV(n int) string {
	surnames := []string{"CHAN", "WONG", "LEE", "CHEUNG", "LAU", "HO", "NG", "LEUNG"}
	given := []string{"Tai Man", "Siu Ling", "Ka Yan", "Wing Kei", "Mei Ling", "Chi Keung", "Ho Yin"}
	var b strings.Builder
	b.Grow(n * 110)
	b.WriteString(Header)
	for i := range n {
		fmt.Fprintf(&b, "%08d,%s,%s,%s,%04d-%02d-%02d,Computer Science and Engineering,UG,degree,2030-06-30\n",
			30000000+i, surnames[i%len(surnames)], given[(i/len(surnames))%len(given)], HKID(byte('A'+i%26), i%1000000),
			1985+i%20, 1+i%12, 1+i%28)
	}
	return b.String()
}

// HKID is a valid HKID (normalised form) for a one-letter prefix and six
// digits: weights 9..2 with a space (36) before a single letter, mod 11.
func HKID(prefix byte, digits int) string {
	d := fmt.Sprintf("%06d", digits)
	sum := 36*9 + int(prefix-'A'+10)*8
	for i := range 6 {
		sum += int(d[i]-'0') * (7 - i)
	}
	check := (11 - sum%11) % 11
	c := byte('0' + check)
	if check == 10 {
		c = 'A'
	}
	return string(prefix) + d + string(c)
}
