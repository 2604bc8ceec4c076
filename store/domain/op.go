package domain

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"
)

// OpKind names an outbox operation. The names are a contract with the
// central store, which re-checks and applies each kind; kinds.go declares
// them.
type OpKind string

// OpState is where an outbox op stands with the central store.
type OpState string

const (
	OpPending   OpState = "pending"   // not yet acknowledged
	OpDelivered OpState = "delivered" // applied centrally
	OpRejected  OpState = "rejected"  // refused centrally; kept and shown to staff
)

// Op is one outbox row: a change made at a station that the central store
// must apply once (ID makes a retried push idempotent).
type Op struct {
	Seq       int64           `json:"seq"` // local order
	ID        string          `json:"op_id"`
	CreatedAt time.Time       `json:"created_at"`
	Station   string          `json:"station"`
	Kind      OpKind          `json:"kind"`
	Account   string          `json:"account"`
	Payload   json.RawMessage `json:"payload"`
	State     OpState         `json:"state"`
	Reason    string          `json:"reason,omitempty"`
	Attempts  int             `json:"attempts"`
	// After is the op of the same visit and account this one follows
	// (store.Proof.After); the central store applies this one only if that
	// one was applied. Proof is how the visit was verified (ProofHKID, ...).
	// Both are empty for ops no verification allowed.
	After string `json:"after,omitempty"`
	Proof string `json:"proof,omitempty"`
}

// The kinds of proof (Op.Proof).
const (
	ProofHKID     = "hkid"
	ProofDOB      = "dob"
	ProofPassport = "passport"
	ProofPassword = "password"
	ProofTOTP     = "totp" // a 2FA code was accepted (or an enrolment confirmed) in this visit
	ProofPass     = "pass" // a service-desk access pass was accepted in this visit
	// ProofEmailCode: a code sent to the verified personal e-mail was typed
	// (Forgot Password without 2FA); it never stands for a 2FA code.
	ProofEmailCode = "email_code"
)

// DecodePayload decodes an op's payload into the type its kind declares
// (ActivatePayload, ...). Unknown kinds, unknown fields and trailing data
// are refused: the central store applies only what it fully understands.
func DecodePayload(op Op) (any, error) {
	k, ok := kinds[op.Kind]
	if !ok {
		return nil, fmt.Errorf("op %s: unknown kind %q", op.ID, op.Kind)
	}
	return k.decode(op)
}

func decodeStrict[T any](op Op) (T, error) {
	var v T
	dec := json.NewDecoder(bytes.NewReader(op.Payload))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&v); err != nil {
		return v, fmt.Errorf("op %s: %s payload: %w", op.ID, op.Kind, err)
	}
	if dec.More() {
		return v, fmt.Errorf("op %s: %s payload: data after the JSON object", op.ID, op.Kind)
	}
	return v, nil
}
