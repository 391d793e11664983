package engine_test

import (
	"context"
	"testing"

	"github.com/xtenant/xtenant/engine"
)

// FuzzDecodeRequest: DecodeRequest never panics; rejected input is never
// evaluated (Evaluate refuses it too); accepted input always yields a
// well-formed decision (never an error from a malformed result).
func FuzzDecodeRequest(f *testing.F) {
	f.Add([]byte(validCollab))
	f.Add([]byte(invitation(`{"invitee_email":"ann@fabrikam.com","inviter_roles":["guestInviter"]}`)))
	f.Add([]byte(`{"access_type":"identity_sync","home_tenant":"33333333-3333-3333-3333-333333333333","resource_tenant":"22222222-2222-2222-2222-222222222222"}`))
	f.Add([]byte(`{"access_type":"b2b_direct_connect","home_tenant":"11111111-1111-1111-1111-111111111111","resource_tenant":"22222222-2222-2222-2222-222222222222","user":{"id":"aaaaaaaa-0000-0000-0000-000000000001","groups":["bbbbbbbb-0000-0000-0000-000000000002"]},"application":{"id":"cc15fd57-2c6c-4117-a88c-83b1d56b4bbe"},"claims":{"mfa":true},"tenant_restrictions":{"tenant":"22222222-2222-2222-2222-222222222222","policy_id":"d0d0d0d0-2222-4000-8000-000000000002"}}`))
	f.Add([]byte(`{"access_type":"b2b_collaboration","home_tenant":1}`))
	f.Add([]byte(`[`))
	e := exampleEngine(f)
	f.Fuzz(func(t *testing.T, raw []byte) {
		req, err := engine.DecodeRequest(raw)
		if err != nil {
			if req != nil {
				t.Fatal("a request returned with an error")
			}
			return
		}
		d, err := e.Evaluate(context.Background(), req)
		if err != nil {
			t.Fatalf("valid input %s: %v", raw, err)
		}
		if d.Allow != (d.Decision == engine.VerdictAllow) || d.DecisionID == "" {
			t.Fatalf("malformed decision %+v", d)
		}
		// Canonicalising twice changes nothing, and a canonical request
		// still validates.
		if err := req.Validate(); err != nil {
			t.Fatalf("canonical request invalid: %v", err)
		}
	})
}
