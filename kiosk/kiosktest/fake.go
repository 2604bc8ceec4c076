// Package kiosktest has fakes of the station's services for tests that are
// about screens (litefs's mock/client.go): each method calls its function
// field, so a test says only what it needs from storage and pays for no
// SQLite and no argon2. A method whose field is nil answers with an error
// that names it (Status answers a replica with accounts, so the menu
// shows).
package kiosktest

import (
	"context"
	"fmt"
	"time"

	"github.com/expressstation/kiosk/kiosk"
	"github.com/expressstation/kiosk/store"
)

var (
	_ kiosk.Accounts = (*Accounts)(nil)
	_ kiosk.Staff    = (*Staff)(nil)
)

func notFaked(method string) error {
	return fmt.Errorf("kiosktest: %s is not faked in this test", method)
}

// Accounts is a fake kiosk.Accounts.
type Accounts struct {
	VerifyIdentityFunc      func(ctx context.Context, id store.Identity) (store.Account, error)
	VerifyPasswordFunc      func(ctx context.Context, account, password string) (store.Account, error)
	ActivateFunc            func(ctx context.Context, p store.Proof, password string) (store.Account, error)
	SetPasswordFunc         func(ctx context.Context, p store.Proof, password string) (store.Account, error)
	BeginTOTPFunc           func(ctx context.Context, p store.Proof) (store.Enrolment, error)
	ConfirmTOTPFunc         func(ctx context.Context, e store.Enrolment, code string) (store.Account, error)
	VerifyTOTPFunc          func(ctx context.Context, p store.Proof, code string) (store.Proof, error)
	UsePassFunc             func(ctx context.Context, p store.Proof, pass string) (store.Proof, error)
	SetDirectoryPublicFunc  func(ctx context.Context, p store.Proof, public bool) (store.Account, error)
	VerifyAlumniFunc        func(ctx context.Context, id store.AlumniIdentity) (store.Account, error)
	ActivateAlumniFunc      func(ctx context.Context, p store.Proof, password string) (store.Account, error)
	SetAliasFunc            func(ctx context.Context, p store.Proof, alias string) (store.Account, error)
	AliasAvailableFunc      func(ctx context.Context, account, alias string) (bool, []string, error)
	SetPersonalEmailFunc    func(ctx context.Context, p store.Proof, email string) (store.Account, error)
	SetDisplayNameFunc      func(ctx context.Context, p store.Proof, name string) (store.Account, error)
	StatusFunc              func(ctx context.Context) (store.StationStatus, error)
	SendEmailCodeFunc       func(ctx context.Context, p store.Proof, purpose, address string) (store.CodeSent, error)
	VerifyPersonalEmailFunc func(ctx context.Context, p store.Proof, code string) (store.Account, error)
	VerifyResetCodeFunc     func(ctx context.Context, p store.Proof, code string) (store.Proof, error)
}

func (f *Accounts) SendEmailCode(ctx context.Context, p store.Proof, purpose, address string) (store.CodeSent, error) {
	if f.SendEmailCodeFunc == nil {
		return store.CodeSent{}, notFaked("SendEmailCode")
	}
	return f.SendEmailCodeFunc(ctx, p, purpose, address)
}

func (f *Accounts) VerifyPersonalEmail(ctx context.Context, p store.Proof, code string) (store.Account, error) {
	if f.VerifyPersonalEmailFunc == nil {
		return store.Account{}, notFaked("VerifyPersonalEmail")
	}
	return f.VerifyPersonalEmailFunc(ctx, p, code)
}

func (f *Accounts) VerifyResetCode(ctx context.Context, p store.Proof, code string) (store.Proof, error) {
	if f.VerifyResetCodeFunc == nil {
		return store.Proof{}, notFaked("VerifyResetCode")
	}
	return f.VerifyResetCodeFunc(ctx, p, code)
}

func (f *Accounts) VerifyIdentity(ctx context.Context, id store.Identity) (store.Account, error) {
	if f.VerifyIdentityFunc == nil {
		return store.Account{}, notFaked("VerifyIdentity")
	}
	return f.VerifyIdentityFunc(ctx, id)
}

func (f *Accounts) VerifyPassword(ctx context.Context, account, password string) (store.Account, error) {
	if f.VerifyPasswordFunc == nil {
		return store.Account{}, notFaked("VerifyPassword")
	}
	return f.VerifyPasswordFunc(ctx, account, password)
}

func (f *Accounts) Activate(ctx context.Context, p store.Proof, password string) (store.Account, error) {
	if f.ActivateFunc == nil {
		return store.Account{}, notFaked("Activate")
	}
	return f.ActivateFunc(ctx, p, password)
}

func (f *Accounts) SetPassword(ctx context.Context, p store.Proof, password string) (store.Account, error) {
	if f.SetPasswordFunc == nil {
		return store.Account{}, notFaked("SetPassword")
	}
	return f.SetPasswordFunc(ctx, p, password)
}

func (f *Accounts) BeginTOTP(ctx context.Context, p store.Proof) (store.Enrolment, error) {
	if f.BeginTOTPFunc == nil {
		return store.Enrolment{}, notFaked("BeginTOTP")
	}
	return f.BeginTOTPFunc(ctx, p)
}

func (f *Accounts) ConfirmTOTP(ctx context.Context, e store.Enrolment, code string) (store.Account, error) {
	if f.ConfirmTOTPFunc == nil {
		return store.Account{}, notFaked("ConfirmTOTP")
	}
	return f.ConfirmTOTPFunc(ctx, e, code)
}

func (f *Accounts) VerifyTOTP(ctx context.Context, p store.Proof, code string) (store.Proof, error) {
	if f.VerifyTOTPFunc == nil {
		return store.Proof{}, notFaked("VerifyTOTP")
	}
	return f.VerifyTOTPFunc(ctx, p, code)
}

func (f *Accounts) UsePass(ctx context.Context, p store.Proof, pass string) (store.Proof, error) {
	if f.UsePassFunc == nil {
		return store.Proof{}, notFaked("UsePass")
	}
	return f.UsePassFunc(ctx, p, pass)
}

func (f *Accounts) SetDirectoryPublic(ctx context.Context, p store.Proof, public bool) (store.Account, error) {
	if f.SetDirectoryPublicFunc == nil {
		return store.Account{}, notFaked("SetDirectoryPublic")
	}
	return f.SetDirectoryPublicFunc(ctx, p, public)
}

func (f *Accounts) VerifyAlumni(ctx context.Context, id store.AlumniIdentity) (store.Account, error) {
	if f.VerifyAlumniFunc == nil {
		return store.Account{}, notFaked("VerifyAlumni")
	}
	return f.VerifyAlumniFunc(ctx, id)
}

func (f *Accounts) ActivateAlumni(ctx context.Context, p store.Proof, password string) (store.Account, error) {
	if f.ActivateAlumniFunc == nil {
		return store.Account{}, notFaked("ActivateAlumni")
	}
	return f.ActivateAlumniFunc(ctx, p, password)
}

func (f *Accounts) SetAlias(ctx context.Context, p store.Proof, alias string) (store.Account, error) {
	if f.SetAliasFunc == nil {
		return store.Account{}, notFaked("SetAlias")
	}
	return f.SetAliasFunc(ctx, p, alias)
}

func (f *Accounts) AliasAvailable(ctx context.Context, account, alias string) (bool, []string, error) {
	if f.AliasAvailableFunc == nil {
		return false, nil, notFaked("AliasAvailable")
	}
	return f.AliasAvailableFunc(ctx, account, alias)
}

func (f *Accounts) SetPersonalEmail(ctx context.Context, p store.Proof, email string) (store.Account, error) {
	if f.SetPersonalEmailFunc == nil {
		return store.Account{}, notFaked("SetPersonalEmail")
	}
	return f.SetPersonalEmailFunc(ctx, p, email)
}

func (f *Accounts) Status(ctx context.Context) (store.StationStatus, error) {
	if f.StatusFunc == nil {
		return store.StationStatus{Accounts: 1}, nil // a station with accounts: the menu shows
	}
	return f.StatusFunc(ctx)
}

// Staff is a fake kiosk.Staff.
type Staff struct {
	StaffSignInFunc         func(ctx context.Context, pinHash, pin string) error
	StaffAuditFunc          func(ctx context.Context, action, detail string) error
	MaintenanceFunc         func(ctx context.Context) (bool, error)
	SetMaintenanceFunc      func(ctx context.Context, on bool) error
	StationReportFunc       func(ctx context.Context, rejectedLimit int) (store.StationReport, error)
	RebuildFromRegistryFunc func(ctx context.Context) (store.ResetReport, error)
	ResetForResyncFunc      func(ctx context.Context) (store.ResetReport, error)
	IssuePassFunc           func(ctx context.Context, account, reason, by string, valid time.Duration) (string, time.Time, error)
}

func (f *Staff) StaffSignIn(ctx context.Context, pinHash, pin string) error {
	if f.StaffSignInFunc == nil {
		return notFaked("StaffSignIn")
	}
	return f.StaffSignInFunc(ctx, pinHash, pin)
}

func (f *Staff) StaffAudit(ctx context.Context, action, detail string) error {
	if f.StaffAuditFunc == nil {
		return notFaked("StaffAudit")
	}
	return f.StaffAuditFunc(ctx, action, detail)
}

func (f *Staff) Maintenance(ctx context.Context) (bool, error) {
	if f.MaintenanceFunc == nil {
		return false, notFaked("Maintenance")
	}
	return f.MaintenanceFunc(ctx)
}

func (f *Staff) SetMaintenance(ctx context.Context, on bool) error {
	if f.SetMaintenanceFunc == nil {
		return notFaked("SetMaintenance")
	}
	return f.SetMaintenanceFunc(ctx, on)
}

func (f *Staff) StationReport(ctx context.Context, rejectedLimit int) (store.StationReport, error) {
	if f.StationReportFunc == nil {
		return store.StationReport{}, notFaked("StationReport")
	}
	return f.StationReportFunc(ctx, rejectedLimit)
}

func (f *Staff) RebuildFromRegistry(ctx context.Context) (store.ResetReport, error) {
	if f.RebuildFromRegistryFunc == nil {
		return store.ResetReport{}, notFaked("RebuildFromRegistry")
	}
	return f.RebuildFromRegistryFunc(ctx)
}

func (f *Staff) ResetForResync(ctx context.Context) (store.ResetReport, error) {
	if f.ResetForResyncFunc == nil {
		return store.ResetReport{}, notFaked("ResetForResync")
	}
	return f.ResetForResyncFunc(ctx)
}

func (f *Staff) IssuePass(ctx context.Context, account, reason, by string, valid time.Duration) (string, time.Time, error) {
	if f.IssuePassFunc == nil {
		return "", time.Time{}, notFaked("IssuePass")
	}
	return f.IssuePassFunc(ctx, account, reason, by, valid)
}

func (f *Accounts) SetDisplayName(ctx context.Context, p store.Proof, name string) (store.Account, error) {
	if f.SetDisplayNameFunc == nil {
		return store.Account{}, notFaked("SetDisplayName")
	}
	return f.SetDisplayNameFunc(ctx, p, name)
}
