package bundles

import (
	"bytes"
	"context"
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/xtenant/xtenant/engine"
)

// partnerTenants generates one resource tenant with n partner configurations
// (each with inbound B2B collaboration settings and trust, as Graph returns
// them) plus its home tenant.
func partnerTenants(n int) map[string]any {
	partners := make(map[string]any, n)
	for i := range n {
		id := fmt.Sprintf("%08x-0000-4000-8000-%012x", i+1, i+1)
		partners[id] = map[string]any{
			"tenantId":     id,
			"inboundTrust": map[string]any{"isMfaAccepted": i%2 == 0, "isCompliantDeviceAccepted": false, "isHybridAzureADJoinedDeviceAccepted": nil},
			"b2bCollaborationInbound": map[string]any{
				"usersAndGroups": map[string]any{"accessType": "allowed", "targets": []any{map[string]any{"target": "AllUsers", "targetType": "user"}}},
				"applications":   map[string]any{"accessType": "allowed", "targets": []any{map[string]any{"target": "AllApplications", "targetType": "application"}}},
			},
			"automaticUserConsentSettings": map[string]any{"inboundAllowed": nil, "outboundAllowed": nil},
		}
	}
	return map[string]any{
		"22222222-2222-2222-2222-222222222222": map[string]any{
			"displayName":             "Scale",
			"crossTenantAccessPolicy": map[string]any{"partners": partners},
		},
	}
}

// BenchmarkActivatePartners measures what a replica does when a bundle with
// n partner configurations arrives: read the .tar.gz, validate the tenants
// (Compose) and activate (compile, build the store, prepare). It reports the
// heap the active policy keeps (retained-MB) and one decision's latency.
//
//	go test -run '^$' -bench ActivatePartners -benchtime 1x ./bundles/
func BenchmarkActivatePartners(b *testing.B) {
	for _, n := range []int{1_000, 100_000} {
		b.Run(fmt.Sprintf("partners=%d", n), func(b *testing.B) {
			set := tenantSet(b, "scale", partnerTenants(n))
			var raw bytes.Buffer
			if err := builtBundle(b, set, "scale", nil).Write(&raw); err != nil {
				b.Fatal(err)
			}
			var eng *engine.Engine
			var before, after runtime.MemStats
			b.ResetTimer()
			for range b.N {
				eng = nil
				runtime.GC()
				runtime.ReadMemStats(&before)
				bd, err := Read(bytes.NewReader(raw.Bytes()), "scale", nil)
				if err != nil {
					b.Fatal(err)
				}
				c, err := Compose(engine.Policy{}, []Named{{Name: "scale", Bundle: bd}})
				if err != nil {
					b.Fatal(err)
				}
				eng = engine.New()
				if err := eng.Activate(context.Background(), c.Policy); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			b.ReportMetric(float64(raw.Len())/1e6, "bundle-MB")
			runtime.GC()
			runtime.ReadMemStats(&after)
			b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/1e6, "retained-MB")
			b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/1e6/float64(b.N), "alloc-MB/op")
			start := time.Now()
			d, err := eng.Evaluate(context.Background(), &engine.Request{AccessType: engine.AccessB2BCollaboration,
				HomeTenant: fmt.Sprintf("%08x-0000-4000-8000-%012x", n/2, n/2), ResourceTenant: "22222222-2222-2222-2222-222222222222",
				User: &engine.User{ID: "aaaaaaaa-0000-0000-0000-000000000001"}, Application: &engine.Application{ID: "00000003-0000-0ff1-ce00-000000000000"}})
			if err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(time.Since(start).Microseconds()), "first-decision-µs")
			runtime.KeepAlive(d)
		})
	}
}
