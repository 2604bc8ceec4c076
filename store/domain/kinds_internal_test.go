package domain

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/expressstation/kiosk/store/notice"
)

// A new op kind is one entry and its functions: this test declares one
// (a nickname, which does not exist) and every part of the stores that
// asks about a kind knows it, with nothing else changed.
func TestANewKindIsOneEntry(t *testing.T) {
	type NicknamePayload struct {
		Nickname string `json:"nickname"`
	}
	const opNickname OpKind = "nickname"
	applyNickname := func(s *Snapshot, p NicknamePayload) { s.Alias = p.Nickname }
	checkNickname := func(c *checking, p NicknamePayload) *Rejection {
		if p.Nickname == "" {
			return Reject("bad_nickname", "no nickname")
		}
		return nil
	}
	kinds[opNickname] = kind{handlers: handle(applyNickname, checkNickname), gate: gateActivated,
		notice: notice.PasswordChanged, refused: "chose a nickname", needs2FA: true}
	defer delete(kinds, opNickname)

	at := time.Date(2026, 9, 1, 9, 0, 0, 0, time.UTC)
	op := Op{ID: "n1", Kind: opNickname, Payload: json.RawMessage(`{"nickname":"tm"}`)}
	s := Snapshot{Name: "tmchan", PasswordHash: "x"}
	p, err := DecodePayload(op)
	if err != nil {
		t.Fatal(err)
	}
	if rej := Check(&s, "", opNickname, p, at); rej != nil {
		t.Errorf("Check: %v", rej)
	}
	if rej := Check(&Snapshot{}, "", opNickname, p, at); rej == nil || rej.Code != "not_activated" {
		t.Errorf("Check on an account never activated: %v", rej)
	}
	if rej := Check(&s, "", opNickname, NicknamePayload{}, at); rej == nil || rej.Code != "bad_nickname" {
		t.Errorf("Check of an empty nickname: %v", rej)
	}
	if err := s.ApplyOp(op); err != nil || s.Alias != "tm" {
		t.Errorf("ApplyOp: %v, %+v", err, s)
	}
	if !opNickname.Known() || opNickname.Notice() != notice.PasswordChanged || opNickname.Refused() != "chose a nickname" ||
		!opNickname.Needs2FA() || opNickname.ProvesTOTP() {
		t.Error("the table's answers for the new kind are not its entry's")
	}
}
