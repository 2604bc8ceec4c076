package httpapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/expressstation/kiosk/store/notice"
	"github.com/expressstation/kiosk/store/wire"
)

// POST /v1/codes (issue 19): a station's code is queued as a notice (204);
// a refusal is 409 with its code; a malformed body 400; no token 401.
func TestCodes(t *testing.T) {
	a := newAPI(t)
	body := func(req wire.CodeRequest) []byte { b, _ := json.Marshal(req); return b }
	ok := wire.CodeRequest{Account: "tmchan", Purpose: notice.CodeVerify, To: "tm@example.org", Code: "271828",
		Expires: time.Now().Add(10 * time.Minute)}
	if code, _, b := a.call("POST", "/v1/codes", "Bearer "+a.token, "application/json", body(ok)); code != http.StatusNoContent {
		t.Fatalf("send: %d %s", code, b)
	}
	ns, _ := a.st.Notices(context.Background(), notice.Pending, 0)
	if len(ns) != 1 || ns[0].Kind != notice.EmailCode || ns[0].To != "tm@example.org" || !strings.Contains(ns[0].Body, "271828") {
		t.Fatalf("notices %+v", ns)
	}
	reset := ok
	reset.Purpose = notice.CodeReset
	if code, _, b := a.call("POST", "/v1/codes", "Bearer "+a.token, "application/json", body(reset)); code != http.StatusConflict ||
		!strings.Contains(string(b), `"code":"no_verified_email"`) {
		t.Fatalf("reset to an unverified address: %d %s", code, b)
	}
	if code, _, _ := a.call("POST", "/v1/codes", "Bearer "+a.token, "application/json", []byte(`{"account":"tmchan","x":1}`)); code != http.StatusBadRequest {
		t.Fatalf("unknown field: %d", code)
	}
	if code, _, _ := a.call("POST", "/v1/codes", "", "application/json", body(ok)); code != http.StatusUnauthorized {
		t.Fatalf("no token: %d", code)
	}
	nobody := ok
	nobody.Account = "nobody"
	if code, _, _ := a.call("POST", "/v1/codes", "Bearer "+a.token, "application/json", body(nobody)); code != http.StatusNotFound {
		t.Fatalf("unknown account: %d", code)
	}
}
