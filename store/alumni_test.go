package store_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/expressstation/kiosk/policy"
	"github.com/expressstation/kiosk/store"
	"github.com/expressstation/kiosk/store/notice"
)

// graduates are the alumni cast, on 1 Sep 2026 (the test clock): studies
// completed long ago unless said otherwise; none activated but ccheung.
var (
	meiLing = student{ID: "20181001", Surname: "CHEUNG", Given: "Mei Ling", HKID: "R112233(8)", DOB: "2000-04-04",
		Dept: "Economics", Level: "UG", Category: "degree", Completion: "2022-06-30"}
	// meiLingPG is her later degree: a second record with the same HKID.
	meiLingPG = student{ID: "20221101", Surname: "CHEUNG", Given: "Mei Ling", HKID: "R112233(8)", DOB: "2000-04-04",
		Dept: "Economics", Level: "PG", Category: "degree", Completion: "2024-06-30"}
	abroad = student{ID: "20181002", Surname: "NGUYỄN", Given: "Văn An", Passport: "B1234567", DOB: "2000-02-02",
		Dept: "Physics", Level: "UG", Category: "degree", Completion: "2023-06-30"}
	shortCourse = student{ID: "20181003", Surname: "LEE", Given: "Ka Ho", HKID: hkid('D', 200003), DOB: "1990-03-03",
		Dept: "Physics", Level: "PG", Category: "non-degree", Completion: "2023-06-30"}
	exchangeGrad = student{ID: "20181004", Surname: "SMITH", Given: "Jane", Passport: "X7654321", DOB: "2001-04-04",
		Dept: "Physics", Level: "UG", Category: "exchange", Completion: "2023-06-30"}
	scholar = student{ID: "20181005", Surname: "ROSSI", Given: "Marco", Passport: "YA1234567", DOB: "1975-05-05",
		Dept: "Physics", Level: "PG", Category: "visiting", Completion: "2023-06-30"}
	activeGrad = student{ID: "20181006", Surname: "CHOI", Given: "Chun", HKID: hkid('D', 200006), DOB: "2000-06-06",
		Dept: "Physics", Level: "UG", Category: "degree", Completion: "2027-06-30"}
	inGrace = student{ID: "20181007", Surname: "POON", Given: "Wing Sze", HKID: hkid('D', 200007), DOB: "2003-07-07",
		Dept: "Physics", Level: "UG", Category: "degree", Completion: "2026-06-30"}
	current = student{ID: "20181008", Surname: "YEUNG", Given: "Tsz Ho", HKID: hkid('D', 200008), DOB: "2006-08-08",
		Dept: "Physics", Level: "UG", Category: "degree", Completion: "2029-06-30"}
)

func graduates(t *testing.T) (*store.Replica, *testClock, string) {
	t.Helper()
	r, clock, path := func() (*store.Replica, *testClock, string) {
		clock := newClock()
		r, path := openReplica(t, clock)
		return r, clock, path
	}()
	importCSV(t, r, registryCSV(meiLing, meiLingPG, abroad, shortCourse, exchangeGrad, scholar, activeGrad, inGrace, current))
	// cchoi activated as a student before graduating (completion moved earlier since).
	if _, err := r.Activate(context.Background(), store.Unverified("cchoi"), goodPassword); err != nil {
		t.Fatal(err)
	}
	execOn(t, path, `UPDATE accounts SET completion_date = '2024-06-30' WHERE name = 'cchoi'`)
	return r, clock, path
}

func TestVerifyAlumni(t *testing.T) {
	ctx := context.Background()
	r, _, _ := graduates(t)
	tests := []struct {
		name     string
		id       store.AlumniIdentity
		want     error
		account  string
		failures int
	}{
		{"HKID, surname first", store.AlumniIdentity{FullName: "CHEUNG Mei Ling", HKID: "R1122338"}, nil, "mlcheung2", 0},
		{"HKID as typed, given names first", store.AlumniIdentity{FullName: "mei ling cheung", HKID: "r112233(8)"}, nil, "mlcheung2", 0},
		{"passport, accents folded", store.AlumniIdentity{FullName: "Nguyen, Van An", PassportNo: "b 1234567"}, nil, "vanguyen", 0},
		{"passport, given names first", store.AlumniIdentity{FullName: "Văn An NGUYỄN", PassportNo: "B1234567"}, nil, "vanguyen", 0},
		{"grace period: may activate", store.AlumniIdentity{FullName: "Poon Wing Sze", HKID: hkid('D', 200007)}, nil, "wspoon", 0},
		{"middle name missing", store.AlumniIdentity{FullName: "Cheung Mei", HKID: "R1122338"}, store.ErrIdentityMismatch, "mlcheung2", 1},
		{"other person's name", store.AlumniIdentity{FullName: "Chan Tai Man", HKID: "R1122338"}, store.ErrIdentityMismatch, "mlcheung2", 2},
		{"unknown number: same answer, nothing counted", store.AlumniIdentity{FullName: "Chan Tai Man", HKID: hkid('Z', 999999)}, store.ErrIdentityMismatch, "", 0},
		{"HKID given, registry has passport", store.AlumniIdentity{FullName: "Nguyen Van An", HKID: hkid('D', 200003)}, store.ErrIdentityMismatch, "khlee", 1},
		{"non-degree graduate", store.AlumniIdentity{FullName: "Lee Ka Ho", HKID: hkid('D', 200003)}, store.ErrAlumniNonDegree, "khlee", 1},
		{"former exchange student", store.AlumniIdentity{FullName: "Jane Smith", PassportNo: "X7654321"}, store.ErrAlumniExchange, "jsmith", 0},
		{"visiting scholar", store.AlumniIdentity{FullName: "Rossi Marco", PassportNo: "YA1234567"}, store.ErrAlumniVisiting, "mrossi", 0},
		{"already activated", store.AlumniIdentity{FullName: "Choi Chun", HKID: hkid('D', 200006)}, store.ErrAlumniAlreadyActive, "cchoi", 0},
		{"still studying", store.AlumniIdentity{FullName: "Yeung Tsz Ho", HKID: hkid('D', 200008)}, store.ErrAlumniNotGraduated, "thyeung", 0},
		{"no name", store.AlumniIdentity{FullName: "  ", HKID: "R1122338"}, store.ErrNoFullName, "", 0},
		{"no number", store.AlumniIdentity{FullName: "Cheung Mei Ling"}, store.ErrNoAlumniIdentity, "", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a, err := r.VerifyAlumni(ctx, tc.id)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if tc.want == nil && a.Name != tc.account {
				t.Errorf("account = %q, want %q", a.Name, tc.account)
			}
			if tc.account != "" {
				if got := rowsFor(t, r, tc.account).failures; got != tc.failures {
					t.Errorf("failures = %d, want %d", got, tc.failures)
				}
			}
		})
	}
	// The refusals are the general kinds too, for screens that know only those.
	for _, err := range []error{store.ErrAlumniNonDegree, store.ErrAlumniExchange, store.ErrAlumniVisiting, store.ErrAlumniNotGraduated} {
		if !errors.Is(err, store.ErrNotEligible) || errors.Is(err, store.ErrAlreadyActive) {
			t.Errorf("%v is not (only) ErrNotEligible", err)
		}
	}
	if !errors.Is(store.ErrAlumniAlreadyActive, store.ErrAlreadyActive) ||
		!strings.Contains(store.ErrAlumniAlreadyActive.Error(), "Forgot Password") {
		t.Error("ErrAlumniAlreadyActive does not send the graduate to Change/Forgot Password")
	}
}

// Wrong names lock the graduate's record like any identity failure.
func TestVerifyAlumniLockout(t *testing.T) {
	ctx := context.Background()
	r, _, _ := graduates(t)
	wrong := store.AlumniIdentity{FullName: "Nguyen Van", PassportNo: "B1234567"}
	var err error
	for range 5 {
		_, err = r.VerifyAlumni(ctx, wrong)
	}
	var locked *store.LockedError
	if !errors.As(err, &locked) {
		t.Fatalf("fifth failure: %v", err)
	}
	right := store.AlumniIdentity{FullName: "Nguyen Van An", PassportNo: "B1234567"}
	if _, err := r.VerifyAlumni(ctx, right); !errors.As(err, &locked) {
		t.Errorf("locked account verified: %v", err)
	}
}

func TestActivateAlumni(t *testing.T) {
	ctx := context.Background()
	r, clock, _ := graduates(t)
	a, err := r.ActivateAlumni(ctx, store.Unverified("vanguyen"), goodPassword)
	if err != nil {
		t.Fatal(err)
	}
	if a.Status != policy.StatusAlumni || !a.ActivatedAt.Equal(clock.Now()) || a.Email != "vanguyen@connect.example.edu" {
		t.Errorf("activated alumnus %+v", a)
	}
	if got := stored(t, r, "vanguyen"); got != policy.StatusAlumni {
		t.Errorf("stored status %s", got)
	}
	if got := rowsFor(t, r, "vanguyen"); got.audit != 1 || got.outbox != 1 {
		t.Errorf("rows %+v", got)
	}
	kind, payload := lastOp(t, r, "vanguyen")
	if kind != "activate_alumni" || !strings.Contains(payload, `"status":"alumni"`) || strings.Contains(payload, goodPassword) {
		t.Errorf("op %s %s", kind, payload)
	}
	if n := lastNotice(t, r, "vanguyen"); n.Kind != notice.Activated {
		t.Errorf("notice %+v", n)
	}
	if _, err := r.VerifyPassword(ctx, "vanguyen", goodPassword); err != nil {
		t.Errorf("alumnus cannot sign in: %v", err)
	}
	// Then 2FA, as the flow goes on.
	e, err := r.BeginTOTP(ctx, store.Unverified("vanguyen"))
	if err != nil {
		t.Fatal(err)
	}
	if a, err := r.ConfirmTOTP(ctx, e, code(t, e.Secret, clock.Now(), 0)); err != nil || !a.TOTPEnrolled {
		t.Fatalf("2FA: %+v, %v", a, err)
	}

	// In grace: activated now, alumni when grace ends.
	a, err = r.ActivateAlumni(ctx, store.Unverified("wspoon"), goodPassword)
	if err != nil || a.Status != policy.StatusGrace {
		t.Fatalf("in grace: %+v, %v", a, err)
	}
	if rep, _ := r.RunLifecycle(ctx, at(2026, 10, 30)); moved(rep)["wspoon"] != "grace->alumni" {
		t.Errorf("grace end: %v", moved(rep))
	}

	refusals := []struct {
		name, account, password string
		want                    error
	}{
		{"twice", "vanguyen", goodPassword, store.ErrAlumniAlreadyActive},
		{"activated as a student", "cchoi", goodPassword, store.ErrAlumniAlreadyActive},
		{"non-degree", "khlee", goodPassword, store.ErrAlumniNonDegree},
		{"exchange", "jsmith", goodPassword, store.ErrAlumniExchange},
		{"visiting", "mrossi", goodPassword, store.ErrAlumniVisiting},
		{"still studying", "thyeung", goodPassword, store.ErrAlumniNotGraduated},
		{"unknown", "nobody", goodPassword, store.ErrNotFound},
	}
	for _, tc := range refusals {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := r.ActivateAlumni(ctx, store.Unverified(tc.account), tc.password); !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
		})
	}
	t.Run("password rules", func(t *testing.T) {
		before := rowsFor(t, r, "mlcheung") // the lifecycle run above moved it to alumni
		_, err := r.ActivateAlumni(ctx, store.Unverified("mlcheung"), "Cheung 2000")
		var pe *store.PolicyError
		if !errors.As(err, &pe) || !hasRule(pe, policy.RuleMinLength) || !hasRule(pe, policy.RuleName) {
			t.Fatalf("err = %v", err)
		}
		if got := rowsFor(t, r, "mlcheung"); got != before {
			t.Errorf("refused activation wrote %+v -> %+v", before, got)
		}
	})
}

// A graduate who never activated is sent to Alumni Account Activation by
// the student flows.
func TestStudentFlowsSendGraduatesToAlumni(t *testing.T) {
	ctx := context.Background()
	r, _, _ := graduates(t)
	if _, err := r.Activate(ctx, store.Unverified("vanguyen"), goodPassword); !errors.Is(err, store.ErrAlumniNotActivated) ||
		!errors.Is(err, store.ErrNotEligible) {
		t.Errorf("Activate: %v", err)
	}
	if _, err := r.SetPassword(ctx, store.Unverified("vanguyen"), goodPassword); !errors.Is(err, store.ErrAlumniNotActivated) {
		t.Errorf("SetPassword: %v", err)
	}
	if _, err := r.Activate(ctx, store.Unverified("khlee"), goodPassword); !errors.Is(err, store.ErrNotEligible) ||
		errors.Is(err, store.ErrAlumniNotActivated) {
		t.Errorf("non-degree Activate: %v", err)
	}
}

// The daily lifecycle job may move a graduate's stored status (registered
// to alumni) while her first password is being hashed: the activation
// still goes through, since she never activated (it was refused as
// "already activated" when the update insisted on the status read before).
func TestActivateAlumniWhileTheLifecycleJobMovesHer(t *testing.T) {
	ctx := context.Background()
	r, clock, _ := graduates(t)
	if got := stored(t, r, "vanguyen"); got != policy.StatusRegistered {
		t.Skipf("the fixture's graduate is %s before the lifecycle run; this test needs registered", got)
	}
	store.SetAfterAlumniHash(func() {
		if _, err := r.RunLifecycle(ctx, clock.Now()); err != nil {
			t.Error(err)
		}
	})
	defer store.SetAfterAlumniHash(nil)
	a, err := r.ActivateAlumni(ctx, store.Unverified("vanguyen"), goodPassword)
	if err != nil {
		t.Fatalf("activation refused after the lifecycle job moved the account: %v", err)
	}
	if a.Status != policy.StatusAlumni || a.ActivatedAt.IsZero() {
		t.Fatalf("activated: %+v", a)
	}
}
