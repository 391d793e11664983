// Package workload generates seeded, Graph-shaped tenant configurations and
// decision inputs for xtenant's benchmarks and load harness.
//
// Everything is a pure function of the seed and the sizes: two runs with the
// same Config produce byte-identical tenants and inputs, so every server in a
// side-by-side run sees exactly the same data and the same request sequence.
package workload

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
)

// Config sizes a data set.
type Config struct {
	// Seed makes the data set reproducible.
	Seed uint64
	// Partners is the total number of partner configurations, summed over
	// every configured tenant.
	Partners int
	// PartnersPerTenant caps one tenant's partner list; the number of
	// configured tenants is ceil(Partners / PartnersPerTenant). Zero means 500.
	PartnersPerTenant int
}

// Dataset is a generated set of tenants and what is needed to draw inputs
// that exercise them.
type Dataset struct {
	cfg     Config
	tenants []string            // configured tenant ids, in generation order
	byID    map[string]*tenant  // configured tenants
	homes   map[string][]string // tenant id -> its partners' ids
}

const (
	kindTenant = iota + 1
	kindGroup
	kindUser
	kindObject
	kindPolicy
	kindCA
	kindApp
	kindResourceGroup
)

// Application ids: the Office 365 suite members of the catalog plus custom
// line-of-business apps.
var firstPartyApps = []string{
	"00000002-0000-0ff1-ce00-000000000000", // Exchange Online
	"00000003-0000-0ff1-ce00-000000000000", // SharePoint Online
	"cc15fd57-2c6c-4117-a88c-83b1d56b4bbe", // Microsoft Teams
	"00000003-0000-0000-c000-000000000000", // Microsoft Graph
}

const (
	appPool      = 40 // custom apps per data set
	groupPool    = 40 // groups per home tenant that targets and users draw from
	resGroupPool = 20 // groups per resource tenant (Conditional Access)
)

// Generate builds a data set. It panics on a non-positive Partners, which is
// a programming error in a benchmark, not outside input.
func Generate(cfg Config) *Dataset {
	if cfg.Partners <= 0 {
		panic("workload: Partners must be positive")
	}
	if cfg.PartnersPerTenant <= 0 {
		cfg.PartnersPerTenant = 500
	}
	n := (cfg.Partners + cfg.PartnersPerTenant - 1) / cfg.PartnersPerTenant
	d := &Dataset{cfg: cfg, byID: make(map[string]*tenant, n), homes: make(map[string][]string, n)}
	for i := range n {
		d.tenants = append(d.tenants, guid(cfg.Seed, kindTenant, uint64(i), 0))
	}
	r := rand.New(rand.NewPCG(cfg.Seed, 0x78746e74))
	left := cfg.Partners
	for i, id := range d.tenants {
		count := min(left, cfg.PartnersPerTenant)
		left -= count
		d.byID[id] = d.genTenant(r, i, id, count)
	}
	return d
}

// Tenants returns the configured tenant ids.
func (d *Dataset) Tenants() []string { return d.tenants }

// TenantsJSON is the tenants file of docs/contract.md: an object keyed by tenant id.
func (d *Dataset) TenantsJSON() ([]byte, error) {
	return json.Marshal(d.byID)
}

func (d *Dataset) genTenant(r *rand.Rand, idx int, id string, partners int) *tenant {
	t := &tenant{
		DisplayName: fmt.Sprintf("Tenant %d", idx),
		Cloud:       "microsoftonline.com",
		Domains:     []string{fmt.Sprintf("tenant%d.example.com", idx), fmt.Sprintf("t%d.onmicrosoft.com", idx)},
		AuthorizationPolicy: authorizationPolicy{
			AllowInvitesFrom: pick(r, []string{"everyone", "adminsAndGuestInviters", "adminsGuestInvitersAndAllMembers"}),
		},
	}
	if r.IntN(3) == 0 {
		t.B2BManagementPolicy.Policy.BlockedDomains = []string{"blocked.example.com", fmt.Sprintf("rival%d.example.com", r.IntN(100))}
	}
	t.CrossTenantAccessPolicy = ctap{
		AllowedCloudEndpoints: []string{},
		Default:               d.genDefault(r, id),
		Partners:              make(map[string]*partner, partners),
	}
	// Partners: the other configured tenants first (so that both sides of a
	// request are configured), then tenants known only by id.
	var ids []string
	for _, other := range d.tenants {
		if len(ids) == partners {
			break
		}
		if other != id {
			ids = append(ids, other)
		}
	}
	for j := 0; len(ids) < partners; j++ {
		ids = append(ids, guid(d.cfg.Seed, kindTenant, uint64(idx+1)<<24|uint64(j), 1))
	}
	for _, p := range ids {
		t.CrossTenantAccessPolicy.Partners[p] = d.genPartner(r, p)
	}
	d.homes[id] = ids
	t.ConditionalAccessPolicies = d.genCA(r, id)
	return t
}

func (d *Dataset) genDefault(r *rand.Rand, id string) configuration {
	all := func(access string) *b2bSetting {
		return &b2bSetting{
			UsersAndGroups: &targetList{AccessType: access, Targets: []target{{"AllUsers", "user"}}},
			Applications:   &targetList{AccessType: access, Targets: []target{{"AllApplications", "application"}}},
		}
	}
	dc := "blocked"
	if r.IntN(4) == 0 {
		dc = "allowed"
	}
	c := configuration{
		ID: guid(d.cfg.Seed, kindPolicy, hash(id), 0),
		settings: settings{
			InboundTrust:                 &inboundTrust{IsMfaAccepted: boolp(r.IntN(2) == 0), IsCompliantDeviceAccepted: boolp(r.IntN(4) == 0), IsHybridAzureADJoinedDeviceAccepted: boolp(false)},
			AutomaticUserConsentSettings: &consent{InboundAllowed: boolp(false), OutboundAllowed: boolp(false)},
			B2BCollaborationInbound:      all("allowed"),
			B2BCollaborationOutbound:     all("allowed"),
			B2BDirectConnectInbound:      all(dc),
			B2BDirectConnectOutbound:     all(dc),
			TenantRestrictions: &restrictions{
				UsersAndGroups: &targetList{AccessType: "blocked", Targets: []target{{"AllUsers", "user"}}},
				Applications:   &targetList{AccessType: "blocked", Targets: []target{{"AllApplications", "application"}}},
			},
		},
		InvitationRedemption: &idpPrecedence{
			PrimaryIdentityProviderPrecedenceOrder: []string{"azureActiveDirectory", "externalFederation", "socialIdentityProviders"},
			FallbackIdentityProvider:               "defaultConfiguredIdp",
		},
	}
	// One tenant in ten blocks B2B collaboration inbound by default and
	// opens it per partner.
	if r.IntN(10) == 0 {
		c.B2BCollaborationInbound = all("blocked")
	}
	return c
}

// genPartner draws one partner entry: most properties null (inherit), some
// half settings (one of users/apps null), about ten targets per list.
func (d *Dataset) genPartner(r *rand.Rand, home string) *partner {
	p := &partner{TenantID: home, IsServiceProvider: r.IntN(50) == 0, IsInMultiTenantOrganization: r.IntN(20) == 0}
	if r.IntN(10) < 6 {
		p.InboundTrust = &inboundTrust{
			IsMfaAccepted:                       optBool(r, 8),
			IsCompliantDeviceAccepted:           optBool(r, 4),
			IsHybridAzureADJoinedDeviceAccepted: optBool(r, 3),
		}
	}
	if r.IntN(4) == 0 {
		p.AutomaticUserConsentSettings = &consent{InboundAllowed: optBool(r, 5), OutboundAllowed: optBool(r, 5)}
	} else {
		p.AutomaticUserConsentSettings = &consent{}
	}
	if r.IntN(10) < 7 {
		p.B2BCollaborationInbound = d.genSetting(r, home)
	}
	if r.IntN(10) < 4 {
		p.B2BCollaborationOutbound = d.genSetting(r, home)
	}
	if r.IntN(10) < 2 {
		p.B2BDirectConnectInbound = d.genSetting(r, home)
	}
	if r.IntN(10) < 2 {
		p.B2BDirectConnectOutbound = d.genSetting(r, home)
	}
	if r.IntN(20) == 0 {
		p.TenantRestrictions = &restrictions{
			UsersAndGroups: &targetList{AccessType: "allowed", Targets: d.groupTargets(r, home)},
			Applications:   &targetList{AccessType: "allowed", Targets: d.appTargets(r)},
		}
	}
	if r.IntN(10) == 0 {
		p.IdentitySynchronization = &identitySync{TenantID: home, DisplayName: "sync", UserSyncInbound: syncFlag{IsSyncAllowed: r.IntN(2) == 0}}
	}
	return p
}

// genSetting draws a b2b setting that passes docs/semantics.md §2.14 (V-3, V-4).
func (d *Dataset) genSetting(r *rand.Rand, home string) *b2bSetting {
	switch n := r.IntN(10); {
	case n < 5: // allow-lists on both halves
		return &b2bSetting{
			UsersAndGroups: &targetList{AccessType: "allowed", Targets: d.groupTargets(r, home)},
			Applications:   &targetList{AccessType: "allowed", Targets: d.appTargets(r)},
		}
	case n < 7: // block-lists: listed users x listed apps
		return &b2bSetting{
			UsersAndGroups: &targetList{AccessType: "blocked", Targets: d.groupTargets(r, home)},
			Applications:   &targetList{AccessType: "blocked", Targets: d.appTargets(r)},
		}
	case n < 8: // half setting: users only, apps inherited
		return &b2bSetting{UsersAndGroups: &targetList{AccessType: "allowed", Targets: d.groupTargets(r, home)}}
	case n < 9: // half setting: apps only, users inherited
		return &b2bSetting{Applications: &targetList{AccessType: "allowed", Targets: d.appTargets(r)}}
	default: // everyone, every app
		return &b2bSetting{
			UsersAndGroups: &targetList{AccessType: "allowed", Targets: []target{{"AllUsers", "user"}}},
			Applications:   &targetList{AccessType: "allowed", Targets: []target{{"AllApplications", "application"}}},
		}
	}
}

// groupTargets lists about ten groups (and the odd user) of the home tenant.
func (d *Dataset) groupTargets(r *rand.Rand, home string) []target {
	n := 8 + r.IntN(5)
	ts := make([]target, 0, n)
	for _, g := range sample(r, groupPool, n) {
		if r.IntN(10) == 0 {
			ts = append(ts, target{guid(d.cfg.Seed, kindUser, hash(home), uint64(r.IntN(1<<20))), "user"})
			continue
		}
		ts = append(ts, target{d.group(home, g), "group"})
	}
	return ts
}

// appTargets lists about ten applications, sometimes the Office365 keyword.
func (d *Dataset) appTargets(r *rand.Rand) []target {
	n := 8 + r.IntN(5)
	ts := make([]target, 0, n)
	if r.IntN(5) == 0 {
		ts = append(ts, target{"Office365", "application"})
		n--
	}
	for _, a := range sample(r, appPool+len(firstPartyApps), n) {
		ts = append(ts, target{d.app(a), "application"})
	}
	return ts
}

func (d *Dataset) genCA(r *rand.Rand, id string) []caPolicy {
	allExternal := &guestsOrExtern{
		GuestOrExternalUserTypes: "b2bCollaborationGuest,b2bCollaborationMember,b2bDirectConnectUser",
		ExternalTenants:          externalTenants{ODataType: "#microsoft.graph.conditionalAccessAllExternalTenants", MembershipKind: "all"},
	}
	guests := &guestsOrExtern{
		GuestOrExternalUserTypes: "b2bCollaborationGuest",
		ExternalTenants:          externalTenants{ODataType: "#microsoft.graph.conditionalAccessAllExternalTenants", MembershipKind: "all"},
	}
	policy := func(k int, name, state string, users caUsers, apps []string, op string, controls ...string) caPolicy {
		return caPolicy{
			ID: guid(d.cfg.Seed, kindCA, hash(id), uint64(k)), DisplayName: name, State: state,
			Conditions: caConditions{
				ClientAppTypes: []string{"all"},
				Applications:   caApplications{IncludeApplications: apps, ExcludeApplications: []string{}, IncludeUserActions: []string{}},
				Users:          users, SignInRiskLevels: []string{}, UserRiskLevels: []string{},
			},
			GrantControls: &grantControls{Operator: op, BuiltInControls: controls, CustomAuthenticationFactors: []string{}, TermsOfUse: []string{}},
		}
	}
	users := func(g *guestsOrExtern, groups ...string) caUsers {
		return caUsers{IncludeUsers: []string{}, ExcludeUsers: []string{}, IncludeGroups: groups, ExcludeGroups: []string{},
			IncludeRoles: []string{}, ExcludeRoles: []string{}, IncludeGuestsOrExternalUsers: g}
	}
	ps := []caPolicy{
		policy(0, "Guests - require MFA", "enabled", users(guests), []string{"All"}, "OR", "mfa"),
		policy(1, "External users - block (report-only)", "enabledForReportingButNotEnforced", users(allExternal), []string{"All"}, "OR", "block"),
	}
	if r.IntN(2) == 0 {
		ps = append(ps, policy(2, "External users - compliant device for Office 365", "enabled", users(allExternal), []string{"Office365"}, "AND", "compliantDevice"))
	}
	if r.IntN(2) == 0 {
		ps = append(ps, policy(3, "Project groups - MFA or compliant device", "enabled",
			users(nil, d.resourceGroup(id, 0), d.resourceGroup(id, 1)), []string{d.app(0), d.app(1)}, "OR", "mfa", "compliantDevice"))
	}
	if r.IntN(3) == 0 {
		ps = append(ps, policy(4, "Legacy - block guests", "disabled", users(guests), []string{"All"}, "OR", "block"))
	}
	return ps
}

func (d *Dataset) group(home string, k int) string {
	return guid(d.cfg.Seed, kindGroup, hash(home), uint64(k))
}

func (d *Dataset) resourceGroup(resource string, k int) string {
	return guid(d.cfg.Seed, kindResourceGroup, hash(resource), uint64(k))
}

func (d *Dataset) app(k int) string {
	if k < len(firstPartyApps) {
		return firstPartyApps[k]
	}
	return guid(d.cfg.Seed, kindApp, uint64(k), 0)
}

// sample draws k distinct numbers from [0, n) (partial Fisher-Yates).
func sample(r *rand.Rand, n, k int) []int {
	xs := make([]int, n)
	for i := range xs {
		xs[i] = i
	}
	for i := range k {
		j := i + r.IntN(n-i)
		xs[i], xs[j] = xs[j], xs[i]
	}
	return xs[:k]
}

func pick(r *rand.Rand, xs []string) string { return xs[r.IntN(len(xs))] }

func boolp(b bool) *bool { return &b }

// optBool is null one time in three, else true with odds trueIn10/10.
func optBool(r *rand.Rand, trueIn10 int) *bool {
	if r.IntN(3) == 0 {
		return nil
	}
	return boolp(r.IntN(10) < trueIn10)
}

// splitmix64 is a bijective mixer: distinct inputs give distinct outputs.
func splitmix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

func hash(s string) uint64 {
	h := uint64(14695981039346656037) // FNV-1a
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}

// guid derives a version-4-shaped GUID from its arguments. The first eight
// hex digits are never below 0x10000000: the load generators put a wrap
// counter there (see InputsFile), which must not collide with a real id.
func guid(seed uint64, kind int, a, b uint64) string {
	hi := splitmix64(seed ^ splitmix64(uint64(kind)<<56^a) ^ splitmix64(b+0x51))
	lo := splitmix64(hi ^ b ^ uint64(kind))
	hi |= 1 << 60
	return fmt.Sprintf("%08x-%04x-4%03x-%04x-%012x",
		uint32(hi>>32), uint16(hi>>16), uint16(hi)&0xfff, uint16(lo>>48)&0x3fff|0x8000, lo&0xffffffffffff)
}
