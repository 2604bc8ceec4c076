package registry

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/expressstation/kiosk/policy"
)

var today = time.Date(2025, 9, 1, 12, 0, 0, 0, time.UTC)

const header = "student_id,surname,given_names,hkid,date_of_birth,department,level,category,completion_date\n"

// row is a good registry row for student id and HKID h (display form).
func row(id, h string) string {
	return id + ",CHAN,Tai Man," + h + ",2004-07-31,Computer Science,UG,degree,2027-06-30\n"
}

type wantErr struct {
	line int
	has  string // substring of the reason
}

// parseAll runs Parse and collects the good rows.
func parseAll(t testing.TB, in string, opt Options) ([]Record, []RowError, error) {
	t.Helper()
	if opt.Today.IsZero() {
		opt.Today = today
	}
	var recs []Record
	rowErrs, err := Parse(strings.NewReader(in), opt, func(r Record) error {
		recs = append(recs, r)
		return nil
	})
	return recs, rowErrs, err
}

func TestParseGood(t *testing.T) {
	in := "\uFEFF" + strings.ReplaceAll(header, "\n", "\r\n") +
		"20231234, Chan , Tai  Man ,a123456(3),2004-07-31,Computer Science,ug,Degree,\r\n" +
		"\r\n" +
		",,,,,,,,\r\n" +
		`20235678,"LEE","Siu Ming",,2003-02-28,"Mathematics, Pure",PG,exchange,2026-01-31` + "\r\n"
	recs, rowErrs, err := parseAll(t, in, Options{})
	if err != nil || len(rowErrs) != 0 {
		t.Fatalf("Parse: %v, %v", rowErrs, err)
	}
	want := []Record{
		{Line: 2, StudentID: "20231234", Surname: "Chan", GivenNames: "Tai Man", HKID: "A1234563",
			DateOfBirth: "2004-07-31", Department: "Computer Science", Level: policy.LevelUG, Category: policy.CategoryDegree},
		{Line: 5, StudentID: "20235678", Surname: "LEE", GivenNames: "Siu Ming", DateOfBirth: "2003-02-28",
			Department: "Mathematics, Pure", Level: policy.LevelPG, Category: policy.CategoryExchange, CompletionDate: "2026-01-31"},
	}
	if fmt.Sprint(recs) != fmt.Sprint(want) {
		t.Errorf("records\n got %+v\nwant %+v", recs, want)
	}
}

func TestParsePassportColumn(t *testing.T) {
	in := strings.TrimSuffix(header, "\n") + ",Passport_No\n" +
		strings.TrimSuffix(row("20231234", ""), "\n") + ",k 123 456 7\n" +
		strings.TrimSuffix(row("20231235", "A123456(3)"), "\n") + ",\n" +
		strings.TrimSuffix(row("20231236", ""), "\n") + ",AB-1234\n" +
		row("20231237", "")
	recs, rowErrs, err := parseAll(t, in, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 2 || recs[0].PassportNo != "K1234567" || recs[1].PassportNo != "" {
		t.Errorf("records %+v", recs)
	}
	checkRowErrs(t, rowErrs, []wantErr{{4, "passport_no: should be"}, {5, "has 9 fields; the header has 10"}})
}

// A passport number in the registry reads as the station reads one typed
// (policy.ParsePassport), so the two meet: full width, lower case and
// spaces alike; what the station refuses, the registry refuses too.
func TestPassportColumnReadsAsTheStationDoes(t *testing.T) {
	for _, typed := range []string{"K1234567", " k123 4567 ", "Ｋ１２３４５６７", "ｋ１２３\u3000４５６７",
		"K123", "K1234567890123456789012", "AB-12345", "К1234567"} {
		in := strings.TrimSuffix(header, "\n") + ",passport_no\n" + strings.TrimSuffix(row("20231234", ""), "\n") + "," + typed + "\n"
		recs, rowErrs, err := parseAll(t, in, Options{})
		if err != nil {
			t.Fatal(err)
		}
		station, stationErr := policy.ParsePassport(typed)
		switch {
		case stationErr != nil && (len(rowErrs) != 1 || len(recs) != 0):
			t.Errorf("%q: the station refuses it (%v), the registry took %+v", typed, stationErr, recs)
		case stationErr == nil && (len(recs) != 1 || recs[0].PassportNo != station):
			t.Errorf("%q: the station reads %q, the registry %+v %v", typed, station, recs, rowErrs)
		}
	}
}

func TestParseStudentIDLength(t *testing.T) {
	in := header + row("1234567890", "") + row("20231234", "")
	recs, rowErrs, err := parseAll(t, in, Options{StudentIDLength: 10})
	if err != nil || len(recs) != 1 || recs[0].StudentID != "1234567890" {
		t.Fatalf("records %+v, %v", recs, err)
	}
	checkRowErrs(t, rowErrs, []wantErr{{3, "student_id: should be 10 digits"}})
}

func TestParseBadRows(t *testing.T) {
	good := row("20230001", "A123456(3)")
	tests := []struct {
		name     string
		body     string // after the header, which is line 1
		wantGood int
		want     []wantErr
	}{
		{"too few fields", "20230002,CHAN,Tai Man,,2004-07-31,CS,UG,degree\n" + good, 1,
			[]wantErr{{2, "has 8 fields; the header has 9"}}},
		{"too many fields", "20230002,CHAN,Tai Man,,2004-07-31,CS,UG,degree,,extra\n" + good, 1,
			[]wantErr{{2, "has 10 fields; the header has 9"}}},
		{"student id letters", row("2023000X", "") + good, 1, []wantErr{{2, "student_id: should be 8 digits (0-9)"}}},
		{"student id short", row("2023001", "") + good, 1, []wantErr{{2, "student_id: should be 8 digits (0-9)"}}},
		{"student id empty", row("", "") + good, 1, []wantErr{{2, "student_id: is empty"}}},
		{"surname empty", "20230002,  ,Tai Man,,2004-07-31,CS,UG,degree,\n" + good, 1, []wantErr{{2, "surname: is empty"}}},
		{"surname too long", "20230002," + strings.Repeat("x", 201) + ",Tai Man,,2004-07-31,CS,UG,degree,\n" + good, 1,
			[]wantErr{{2, "surname: is longer than 200"}}},
		{"hkid check digit", row("20230002", "A123456(4)") + good, 1, []wantErr{{2, "hkid: the check digit does not match"}}},
		{"hkid format", row("20230002", "A12345") + good, 1, []wantErr{{2, "hkid: HK ID card number"}}},
		{"dob format", "20230002,CHAN,Tai Man,,31/07/2004,CS,UG,degree,\n" + good, 1, []wantErr{{2, "date_of_birth: should be YYYY-MM-DD"}}},
		{"dob no such date", "20230002,CHAN,Tai Man,,2003-02-29,CS,UG,degree,\n" + good, 1, []wantErr{{2, "date_of_birth: is not a real calendar date"}}},
		{"dob future", "20230002,CHAN,Tai Man,,2030-01-01,CS,UG,degree,\n" + good, 1, []wantErr{{2, "date_of_birth: is not in the past"}}},
		{"dob today", "20230002,CHAN,Tai Man,,2025-09-01,CS,UG,degree,\n" + good, 1, []wantErr{{2, "date_of_birth: is not in the past"}}},
		{"dob before 1900", "20230002,CHAN,Tai Man,,1899-12-31,CS,UG,degree,\n" + good, 1, []wantErr{{2, "date_of_birth: is before 1900"}}},
		{"dob empty", "20230002,CHAN,Tai Man,A123456(3),,CS,UG,degree,\n" + good, 1, []wantErr{{2, "date_of_birth: is empty"}}},
		{"completion format", "20230002,CHAN,Tai Man,,2004-07-31,CS,UG,degree,2027-13-01\n" + good, 1, []wantErr{{2, "completion_date: there is no month 13"}}},
		{"completion before birth", "20230002,CHAN,Tai Man,,2004-07-31,CS,UG,degree,2001-01-01\n" + good, 1, []wantErr{{2, "completion_date: is not after date_of_birth"}}},
		{"level", "20230002,CHAN,Tai Man,,2004-07-31,CS,MPhil,degree,\n" + good, 1, []wantErr{{2, "level: should be UG or PG"}}},
		{"category", "20230002,CHAN,Tai Man,,2004-07-31,CS,UG,alumni,\n" + good, 1, []wantErr{{2, "category: should be degree, non-degree"}}},
		{"several problems", "20230002,,Tai Man,,2004-07-31,CS,XX,YY,\n", 0,
			[]wantErr{{2, "surname: is empty; level: should be UG or PG; category: should be"}}},
		{"duplicate student id", good + row("20230002", "") + row("20230001", "B123456(?)") + row("20230001", ""), 2,
			[]wantErr{{4, "hkid"}, {5, "student_id: 20230001 appears again (first on line 2)"}}},
		{"invalid utf-8", "20230002,CH\xffAN,Tai Man,,2004-07-31,CS,UG,degree,\n" + good, 1, []wantErr{{2, "surname: is not valid UTF-8"}}},
		{"control character", "20230002,\"CHAN\nLEE\",Tai Man,,2004-07-31,CS,UG,degree,\n" + good, 1, []wantErr{{2, "surname: contains a control character"}}},
		{"escape sequence", "20230002,CHAN\x1b[2J,Tai Man,,2004-07-31,CS,UG,degree,\n" + good, 1, []wantErr{{2, "surname: contains a control character"}}},
		{"bare quote", "20230002,CH\"AN,Tai Man,,2004-07-31,CS,UG,degree,\n" + good, 1, []wantErr{{2, `has a quote (") inside a field`}}},
		{"bad quote mid-file", "20230002,\"CHAN\"X,Tai Man,,2004-07-31,CS,UG,degree,\n" + good, 1, []wantErr{{2, "a quoted field is not closed properly on line 2"}}},
		{"unclosed quote at end", good + "20230002,\"CHAN,Tai Man,,2004-07-31,CS,UG,degree,\n", 1,
			[]wantErr{{3, "a quoted field is never closed: the file looks cut off here"}}},
		{"short last row", good + "20230002,CHAN,Tai Ma", 1, []wantErr{{3, "has 3 fields; the header has 9 (the file looks cut off here)"}}},
		{"short last row then blank lines", good + "20230002,CHAN,Tai Ma\n\n\n", 1, []wantErr{{3, "(the file looks cut off here)"}}},
		{"blank lines keep line numbers", "\n\n   \n" + row("20230002", "A12") + good, 1, []wantErr{{5, "hkid"}}},
		{"empty hkid and given names allowed", "20230002,MADONNA,,,1958-08-16,Music,PG,visiting,\n", 1, nil},
		{"last row without newline", strings.TrimSuffix(good, "\n"), 1, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			recs, rowErrs, err := parseAll(t, header+tt.body, Options{})
			if err != nil {
				t.Fatalf("Parse error %v", err)
			}
			if len(recs) != tt.wantGood {
				t.Errorf("%d good rows %+v, want %d", len(recs), recs, tt.wantGood)
			}
			checkRowErrs(t, rowErrs, tt.want)
		})
	}
}

// TestReasonsHideIdentity: import reports are printed, so a reason never
// repeats an HKID, date of birth or passport number.
func TestReasonsHideIdentity(t *testing.T) {
	in := strings.TrimSuffix(header, "\n") + ",passport_no\n" +
		"20230002,CHAN,Tai Man,Z987654(1),2031-03-04,CS,UG,degree,,K12\n" +
		"20230003,CHAN,Tai Man,Z98765,1850-03-04,CS,UG,degree,,K1234567\n" +
		"20230004,CHAN,Tai Man,,1999-02-30,CS,UG,degree,,\n"
	_, rowErrs, err := parseAll(t, in, Options{})
	if err != nil || len(rowErrs) != 3 {
		t.Fatalf("%v, %v", rowErrs, err)
	}
	for _, e := range rowErrs {
		for _, secret := range []string{"987654", "Z98765", "2031", "1850", "1999", "K12"} {
			if strings.Contains(e.Error(), secret) {
				t.Errorf("%q repeats %q", e.Error(), secret)
			}
		}
	}
}

func TestParseHeaderErrors(t *testing.T) {
	tests := []struct {
		name, in, has string
	}{
		{"empty file", "", "the file is empty"},
		{"only a BOM", "\uFEFF", "the file is empty"},
		{"no header", row("20230001", "A123456(3)"), `column 1 should be "student_id"`},
		{"renamed column", strings.Replace(header, "hkid", "hkid_no", 1), `column 4 should be "hkid"`},
		{"missing column", strings.Replace(header, ",completion_date", "", 1), "the first row has 8 columns"},
		{"extra unknown column", strings.TrimSuffix(header, "\n") + ",email\n", `column 10 should be "passport_no"`},
		// chinese_name may follow passport_no (issue 13): 11 columns are fine,
		// 12 are too many.
		{"two extra columns", strings.TrimSuffix(header, "\n") + ",passport_no,x\n", `column 11 should be "chinese_name"`},
		{"three extra columns", strings.TrimSuffix(header, "\n") + ",passport_no,chinese_name,x\n", "the first row has 12 columns"},
		{"header not CSV", "student_id,\"surname\n", "not valid CSV"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			called := false
			rowErrs, err := Parse(strings.NewReader(tt.in), Options{Today: today}, func(Record) error { called = true; return nil })
			if !errors.Is(err, ErrHeader) || !strings.Contains(err.Error(), tt.has) {
				t.Fatalf("error %v, want ErrHeader mentioning %q", err, tt.has)
			}
			if !strings.Contains(err.Error(), "student_id,surname,given_names,hkid,date_of_birth") {
				t.Errorf("error %q does not list the expected columns", err)
			}
			if strings.Contains(err.Error(), "A123456") || strings.Contains(err.Error(), "2004-07-31") {
				t.Errorf("error %q repeats personal data", err)
			}
			if called || rowErrs != nil {
				t.Errorf("rows processed after a bad header")
			}
		})
	}
}

func TestParseStopsOnCallbackError(t *testing.T) {
	stop := errors.New("database is full")
	in := header + row("2023000X", "") + row("20230001", "") + row("20230002", "")
	n := 0
	rowErrs, err := Parse(strings.NewReader(in), Options{Today: today}, func(Record) error {
		n++
		return stop
	})
	if !errors.Is(err, stop) || n != 1 {
		t.Fatalf("Parse = %v after %d rows, want the callback's error after 1", err, n)
	}
	checkRowErrs(t, rowErrs, []wantErr{{2, "student_id"}})
}

type failingReader struct{ data *strings.Reader }

func (f failingReader) Read(p []byte) (int, error) {
	if f.data.Len() == 0 {
		return 0, errors.New("disk unplugged")
	}
	return f.data.Read(p)
}

func TestParseReadError(t *testing.T) {
	in := failingReader{strings.NewReader(header + row("20230001", ""))}
	_, err := Parse(in, Options{Today: today}, func(Record) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "disk unplugged") {
		t.Fatalf("Parse = %v, want the read error", err)
	}
}

func checkRowErrs(t *testing.T, got []RowError, want []wantErr) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("row errors %v, want %v", got, want)
	}
	for i, w := range want {
		if got[i].Line != w.line || !strings.Contains(got[i].Reason, w.has) {
			t.Errorf("row error %d = %v, want line %d mentioning %q", i, got[i], w.line, w.has)
		}
	}
}

// hkidCheck computes the check character of a one- or two-letter HKID; it
// lets the benchmark and fuzz seeds make valid numbers.
func hkidCheck(prefix, digits string) string {
	vals := []int{}
	if len(prefix) == 1 {
		vals = append(vals, 36) // a space stands for the missing first letter
	}
	for _, c := range prefix {
		vals = append(vals, int(c-'A')+10)
	}
	for _, c := range digits {
		vals = append(vals, int(c-'0'))
	}
	sum := 0
	for i, v := range vals {
		sum += v * (9 - i)
	}
	switch c := (11 - sum%11) % 11; c {
	case 10:
		return "A"
	default:
		return fmt.Sprint(c)
	}
}

func TestHKIDCheckHelper(t *testing.T) {
	for _, tc := range []struct{ p, d string }{{"A", "123456"}, {"CA", "182361"}, {"Z", "000000"}, {"XY", "999999"}} {
		n := tc.p + tc.d + hkidCheck(tc.p, tc.d)
		if _, err := policy.ParseHKID(n); err != nil {
			t.Errorf("helper made %s: %v", n, err)
		}
	}
}

// genRegistry writes a header and n good rows with distinct student IDs.
func genRegistry(n int) []byte {
	var b bytes.Buffer
	b.WriteString(strings.TrimSuffix(header, "\n") + ",passport_no\n")
	for i := range n {
		digits := fmt.Sprintf("%06d", i%1_000_000)
		prefix := string(rune('A' + i%26))
		h := ""
		if i%5 != 0 { // every fifth student verifies by date of birth only
			h = prefix + digits + "(" + hkidCheck(prefix, digits) + ")"
		}
		fmt.Fprintf(&b, "%08d,CHAN %d,Tai Man,%s,%04d-%02d-%02d,Department %d,%s,%s,%s,%s\n",
			20_000_000+i, i, h, 1980+i%25, 1+i%12, 1+i%28, i%40,
			[]string{"UG", "PG"}[i%2],
			[]string{"degree", "non-degree", "exchange", "visiting"}[i%4],
			[]string{"", "2027-06-30"}[i%2],
			[]string{"", "K" + digits}[i%3%2])
	}
	return b.Bytes()
}

func TestGeneratedRegistryIsGood(t *testing.T) {
	recs, rowErrs, err := parseAll(t, string(genRegistry(2000)), Options{})
	if err != nil || len(rowErrs) != 0 || len(recs) != 2000 {
		t.Fatalf("%d records, %v, %v", len(recs), rowErrs, err)
	}
}

// BenchmarkParse100k parses 100,000 generated rows per iteration.
func BenchmarkParse100k(b *testing.B) {
	const rows = 100_000
	data := genRegistry(rows)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		n := 0
		rowErrs, err := Parse(bytes.NewReader(data), Options{Today: today}, func(Record) error { n++; return nil })
		if err != nil || len(rowErrs) != 0 || n != rows {
			b.Fatal(n, rowErrs, err)
		}
	}
	b.ReportMetric(float64(rows*b.N)/b.Elapsed().Seconds(), "rows/s")
}
