package store_test

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

var (
	genSurnames = []string{"CHAN", "WONG", "LEE", "CHEUNG", "LAU", "HO", "NG", "LEUNG", "YEUNG", "TSANG", "MÜLLER", "NGUYỄN"}
	genGiven    = []string{"Tai Man", "Siu Ling", "Ka Yan", "Wing Kei", "Mei Ling", "Chi Keung", "Anna", "Van An", "Ho Yin", "Tsz Ching"}
	genDepts    = []string{"Computer Science and Engineering", "Physics", "Mathematics", "Chemistry", "Economics"}
	genCats     = []string{"degree", "degree", "degree", "non-degree", "exchange", "visiting"}
)

// generatedCSV is a registry of n valid students, the same for the same n,
// with many name clashes (as real registries have).
func generatedCSV(n int) string {
	rng := rand.New(rand.NewPCG(1, uint64(n)))
	var b strings.Builder
	b.Grow(n * 110)
	b.WriteString(header)
	for i := range n {
		var id string
		if i%5 != 4 { // every fifth student verifies with date of birth only
			id = hkid(byte('A'+i%26), i%1000000)
		}
		passport := ""
		if i%7 == 0 {
			passport = fmt.Sprintf("P%07d", i)
		}
		fmt.Fprintf(&b, "%08d,%s,%s,%s,%04d-%02d-%02d,%s,%s,%s,%s,%s\n",
			30000000+i, genSurnames[rng.IntN(len(genSurnames))], genGiven[rng.IntN(len(genGiven))], id,
			1985+rng.IntN(20), 1+rng.IntN(12), 1+rng.IntN(28), genDepts[rng.IntN(len(genDepts))],
			[]string{"UG", "PG"}[rng.IntN(2)], genCats[rng.IntN(len(genCats))],
			fmt.Sprintf("%04d-06-30", 2027+rng.IntN(4)), passport)
	}
	return b.String()
}
