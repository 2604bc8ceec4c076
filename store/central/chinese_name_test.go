package central

import (
	"strings"
	"testing"
)

// accountd's import keeps the optional chinese_name column in the snapshot
// it serves to stations; the same file again changes nothing, and a file
// that adds a name to a known student is one change.
func TestImportChineseName(t *testing.T) {
	s, _ := openTest(t)
	plain := header + "20261001,CHAN,Tai Man,A123456(3),2006-03-14,Computer Science,UG,degree,2030-06-30\n"
	if _, err := s.Import(ctx, strings.NewReader(plain)); err != nil {
		t.Fatal(err)
	}
	withName := strings.TrimSuffix(header, "\n") + ",passport_no,chinese_name\n" +
		"20261001,CHAN,Tai Man,A123456(3),2006-03-14,Computer Science,UG,degree,2030-06-30,,陳大文\n" +
		"20261002,CHAN,Tai Ming,Y654321(7),2005-11-02,Physics,UG,degree,2030-06-30,,\n"
	rep, err := s.Import(ctx, strings.NewReader(withName))
	if err != nil || rep.Added != 1 || rep.Updated != 1 {
		t.Fatalf("import: %+v, %v", rep, err)
	}
	got := feed(t, s)
	if got["20261001"].ChineseName != "陳大文" || got["20261002"].ChineseName != "" || got["20261001"].Name != "tmchan" {
		t.Fatalf("snapshots: %+v", got)
	}
	if rep, err := s.Import(ctx, strings.NewReader(withName)); err != nil || rep.Unchanged != 2 {
		t.Fatalf("the same file again: %+v, %v", rep, err)
	}
}
