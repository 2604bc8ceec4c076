package registry

import (
	"strings"
	"testing"
)

// chinese_name is an optional column after passport_no: a row may leave it
// empty, spaces inside are dropped, and anything but Chinese characters
// (and the middle dot of transliterated names) is refused with the column.
func TestParseChineseNameColumn(t *testing.T) {
	in := strings.TrimSuffix(header, "\n") + ",passport_no,Chinese_Name\n" +
		strings.TrimSuffix(row("20231234", "A123456(3)"), "\n") + ",,陳 大文\n" +
		strings.TrimSuffix(row("20231235", ""), "\n") + ",K1234567,\n" +
		strings.TrimSuffix(row("20231236", ""), "\n") + ",,Chan Tai Man\n" +
		strings.TrimSuffix(row("20231237", ""), "\n") + ",,約翰·史密夫\n" +
		strings.TrimSuffix(row("20231238", ""), "\n") + ",K1234567\n"
	recs, rowErrs, err := parseAll(t, in, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 3 || recs[0].ChineseName != "陳大文" || recs[1].ChineseName != "" || recs[1].PassportNo != "K1234567" ||
		recs[2].ChineseName != "約翰·史密夫" {
		t.Errorf("records %+v", recs)
	}
	checkRowErrs(t, rowErrs, []wantErr{{4, "chinese_name: should be Chinese characters"}, {6, "has 10 fields; the header has 11"}})

	// Files without the column still import, as before.
	if recs, rowErrs, err := parseAll(t, header+row("20231234", "A123456(3)"), Options{}); err != nil || len(rowErrs) != 0 ||
		len(recs) != 1 || recs[0].ChineseName != "" {
		t.Errorf("a file without chinese_name: %+v %v %v", recs, rowErrs, err)
	}
}
