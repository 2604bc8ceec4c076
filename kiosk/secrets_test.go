package kiosk_test

import (
	"reflect"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/expressstation/kiosk/kiosk"
	"github.com/expressstation/kiosk/store"
	"github.com/expressstation/kiosk/store/demo"
)

// leftovers walks v (pointers, structs with unexported fields, slices,
// maps, interfaces) and reports every string, []rune or []byte that contains
// one of the secrets. The station's dependencies (the store and the clock)
// are not the screens' state and are skipped.
func leftovers(v reflect.Value, secrets []string) []string {
	var found []string
	seen := map[uintptr]bool{}
	skip := map[reflect.Type]bool{
		reflect.TypeFor[kiosk.Accounts](): true,
		reflect.TypeFor[kiosk.Staff]():    true,
	}
	check := func(path, s string) {
		for _, sec := range secrets {
			if sec != "" && strings.Contains(s, sec) {
				found = append(found, path+" holds "+sec)
			}
		}
	}
	var walk func(path string, v reflect.Value, depth int)
	walk = func(path string, v reflect.Value, depth int) {
		if !v.IsValid() || depth > 60 || skip[v.Type()] {
			return
		}
		switch v.Kind() {
		case reflect.String:
			check(path, v.String())
		case reflect.Pointer:
			if v.IsNil() || seen[v.Pointer()] {
				return
			}
			seen[v.Pointer()] = true
			walk(path, v.Elem(), depth+1)
		case reflect.Interface:
			if !v.IsNil() && !skip[v.Elem().Type()] {
				walk(path, v.Elem(), depth+1)
			}
		case reflect.Struct:
			if v.Type().PkgPath() == "sync" || v.Type() == reflect.TypeFor[time.Time]() {
				return
			}
			for i := range v.NumField() {
				walk(path+"."+v.Type().Field(i).Name, v.Field(i), depth+1)
			}
		case reflect.Slice, reflect.Array:
			switch v.Type().Elem().Kind() {
			case reflect.Uint8:
				b := make([]byte, v.Len())
				for i := range b {
					b[i] = byte(v.Index(i).Uint())
				}
				check(path, string(b))
				return
			case reflect.Int32:
				r := make([]rune, v.Len())
				for i := range r {
					r[i] = rune(v.Index(i).Int())
				}
				check(path, string(r))
				return
			}
			for i := range v.Len() {
				walk(path+"[]", v.Index(i), depth+1)
			}
		case reflect.Map:
			for _, k := range v.MapKeys() {
				walk(path+"{key}", k, depth+1)
				walk(path+"{}", v.MapIndex(k), depth+1)
			}
		}
	}
	walk("Model", v, 0)
	return found
}

// assertClean fails if any secret remains in the model or on screen.
func (s *station) assertClean(secrets ...string) {
	s.t.Helper()
	if found := leftovers(reflect.ValueOf(s.m), secrets); len(found) > 0 {
		s.t.Fatalf("secrets left in the model:\n%s", strings.Join(found, "\n"))
	}
	s.expectNot(secrets...)
}

// The walk itself must find secrets where they are, or it proves nothing.
func TestLeftoversFindsSecretsInFields(t *testing.T) {
	s := newStation(t)
	s.acceptAUP()
	s.identify(taiMan, "") // stop before submitting the HKID
	s.typ("A123456(3)")
	if found := leftovers(reflect.ValueOf(s.m), []string{"A123456(3)"}); len(found) == 0 {
		t.Fatal("the walk did not find the HKID typed into the field")
	}
}

func TestNothingSecretSurvivesAFlow(t *testing.T) {
	hkid := taiManID
	tests := []struct {
		name string
		run  func(s *station) []string
	}{
		{"done", func(s *station) []string {
			s.acceptAUP()
			s.identify(taiMan, hkid)
			s.press(tea.KeyEnter)
			s.newPassword(newPW)
			key := s.capture("Key: ")
			s.typ(s.code(key))
			s.press(tea.KeyEnter)
			s.press(tea.KeyEnter)
			s.expect("Your account is ready")
			s.press(tea.KeyEnter)
			return []string{newPW, hkid, "A1234563", key, strings.ReplaceAll(key, " ", "")}
		}},
		{"cancel at the QR code", func(s *station) []string {
			s.acceptAUP()
			s.identify(taiMan, hkid)
			s.press(tea.KeyEnter)
			s.newPassword(newPW)
			key := s.capture("Key: ")
			s.typ("12345") // a code half typed
			// Esc asks first (2FA is part of activation); leave by the question.
			s.press(tea.KeyEscape)
			s.click("Set up later")
			s.expect("Open to Public")
			s.press(tea.KeyEscape)
			return []string{newPW, hkid, key, strings.ReplaceAll(key, " ", ""), "12345"}
		}},
		{"idle timeout with the password typed", func(s *station) []string {
			s.typ("2")
			s.typ("kylee")
			s.press(tea.KeyTab)
			s.typ(demo.ActivePassword)
			s.press(tea.KeyEnter)
			s.typ(newPW)
			s.advance(90 * time.Second)
			s.expect("Still there?", "15 seconds")
			s.advance(15 * time.Second)
			s.expect("Welcome")
			return []string{demo.ActivePassword, newPW}
		}},
		{"idle timeout with the date of birth", func(s *station) []string {
			s.acceptAUP()
			s.typ(siuLing)
			s.click("No HK ID card")
			s.typ("20070721")
			s.advance(105 * time.Second)
			return []string{"2007", "20070721", "2007-07-21"}
		}},
		{"verify code then refusal screen", func(s *station) []string {
			s.typ("3")
			s.identify(chiKeung, "E314159(8)")
			code := s.code(demo.TOTPSecret)
			s.typ(code)
			s.press(tea.KeyEnter)
			s.typ(newPW)
			s.press(tea.KeyEscape)
			return []string{"E314159(8)", "E3141598", code, newPW, demo.TOTPSecret}
		}},
		{"alumni done", func(s *station) []string {
			s.startAlumni()
			s.graduate("CHEUNG Mei Ling", meiLingHKID, false)
			s.press(tea.KeyEnter)
			s.newPassword(newPW)
			key := s.enrol()
			s.typ("meiling.cheung")
			s.press(tea.KeyEnter)
			s.press(tea.KeyEnter) // Confirm alias
			s.expect("Your alumni account is ready")
			s.press(tea.KeyEnter)
			return []string{newPW, meiLingHKID, "R1122338", key, strings.ReplaceAll(key, " ", "")}
		}},
		{"alumni passport, cancel with the password typed", func(s *station) []string {
			s.startAlumni()
			s.graduate("Mei Yan Cheung", meiYanPassport, true)
			s.press(tea.KeyEnter)
			s.typ(newPW)
			s.press(tea.KeyEscape)
			return []string{meiYanPassport, newPW}
		}},
		{"My Account idle timeout", func(s *station) []string {
			s.openAccount(demo.TOTPAccount, demo.TOTPPassword)
			code := s.code(demo.TOTPSecret)
			s.typ(code)
			s.press(tea.KeyEnter)
			s.click("Change notice e-mail")
			s.typ("half.typed@exa")
			s.advance(105 * time.Second)
			return []string{demo.TOTPPassword, code, "half.typed@exa"}
		}},
		{"My Account alias choice, Esc", func(s *station) []string {
			if _, err := s.store.ActivateAlumni(s.t.Context(), store.Unverified("mlcheung"), newPW); err != nil {
				s.t.Fatal(err)
			}
			s.openAccount("mlcheung", newPW)
			s.click("Set up 2FA now")
			key := s.enrol()
			s.click("Choose alias")
			s.typ("half.typed")
			s.press(tea.KeyEscape, tea.KeyEscape)
			return []string{newPW, key, strings.ReplaceAll(key, " ", ""), "half.typed"}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStation(t)
			secrets := tt.run(s)
			s.expect("Welcome")
			s.assertClean(secrets...)
		})
	}
}
