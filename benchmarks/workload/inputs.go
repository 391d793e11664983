package workload

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
)

// input mirrors schemas/input.schema.json. The field order matters: user.id
// is the first "id" member of every body, which is where the load
// generators stamp a wrap counter (see StampWrap).
type input struct {
	AccessType         string         `json:"access_type"`
	HomeTenant         string         `json:"home_tenant"`
	ResourceTenant     string         `json:"resource_tenant"`
	User               user           `json:"user"`
	IdentityKind       string         `json:"identity_kind,omitempty"`
	Application        *application   `json:"application,omitempty"`
	Claims             *claims        `json:"claims,omitempty"`
	TenantRestrictions *trSignal      `json:"tenant_restrictions,omitempty"`
	Invitation         *invitationReq `json:"invitation,omitempty"`
}

type user struct {
	ID               string   `json:"id"`
	Groups           []string `json:"groups,omitempty"`
	UserType         string   `json:"user_type,omitempty"`
	ResourceObjectID *string  `json:"resource_object_id,omitempty"`
	ResourceGroups   []string `json:"resource_groups,omitempty"`
}

type application struct {
	ID string `json:"id"`
}

type claims struct {
	MFA                bool `json:"mfa"`
	CompliantDevice    bool `json:"compliant_device"`
	HybridJoinedDevice bool `json:"hybrid_joined_device"`
}

type trSignal struct {
	Tenant   string `json:"tenant"`
	PolicyID string `json:"policy_id"`
}

type invitationReq struct {
	InviterRoles []string `json:"inviter_roles,omitempty"`
	InviteeEmail string   `json:"invitee_email"`
}

// Inputs returns n distinct decision inputs (JSON, one body each). Input i
// is the same for a given data set whatever n is, so a prefix of a larger
// set equals a smaller set.
func (d *Dataset) Inputs(n int) [][]byte {
	out := make([][]byte, n)
	for i := range n {
		out[i] = d.Input(i)
	}
	return out
}

// Input returns the i-th input of Inputs alone.
func (d *Dataset) Input(i int) []byte {
	b, err := json.Marshal(d.input(uint64(i)))
	if err != nil {
		panic(err) // plain structs: cannot fail
	}
	return b
}

func (d *Dataset) input(i uint64) input {
	// One stream per input keeps input i independent of how many precede it.
	r := rand.New(rand.NewPCG(d.cfg.Seed^0x696e707574, i))
	resource := d.tenants[r.IntN(len(d.tenants))]
	home := guid(d.cfg.Seed, kindTenant, i, 2) // unknown to the data: defaults apply
	if partners := d.homes[resource]; len(partners) > 0 && r.IntN(10) != 0 {
		home = partners[r.IntN(len(partners))]
	}
	in := input{
		AccessType:     "b2b_collaboration",
		HomeTenant:     home,
		ResourceTenant: resource,
		User:           user{ID: guid(d.cfg.Seed, kindUser, hash(home), 1<<40|i)},
	}
	switch n := r.IntN(20); {
	case n < 16:
	case n < 18:
		in.AccessType = "b2b_direct_connect"
	case n < 19:
		in.AccessType = "identity_sync"
	default:
		in.AccessType = "invitation"
	}
	for _, g := range sample(r, groupPool, 3+r.IntN(13)) {
		in.User.Groups = append(in.User.Groups, d.group(home, g))
	}

	switch in.AccessType {
	case "invitation":
		in.Invitation = &invitationReq{InviteeEmail: fmt.Sprintf("user%d@%s", i, d.domainOf(r, home))}
		if r.IntN(2) == 0 {
			in.Invitation.InviterRoles = []string{"guestInviter"}
		}
		return in
	case "identity_sync":
		return in
	}

	in.IdentityKind = "entra"
	in.Application = &application{ID: d.app(r.IntN(appPool + len(firstPartyApps)))}
	in.Claims = &claims{MFA: r.IntN(10) < 6, CompliantDevice: r.IntN(10) < 3, HybridJoinedDevice: r.IntN(10) == 0}
	if in.AccessType == "b2b_direct_connect" {
		in.User.UserType = "none"
		return in
	}
	in.User.UserType = "guest"
	if r.IntN(7) == 0 {
		in.User.UserType = "member"
	}
	obj := guid(d.cfg.Seed, kindObject, i, 0)
	in.User.ResourceObjectID = &obj
	for k := range r.IntN(4) {
		in.User.ResourceGroups = append(in.User.ResourceGroups, d.resourceGroup(resource, k))
	}
	if r.IntN(10) == 0 {
		t := d.tenants[r.IntN(len(d.tenants))]
		in.TenantRestrictions = &trSignal{Tenant: t, PolicyID: d.byID[t].CrossTenantAccessPolicy.Default.ID}
	}
	return in
}

func (d *Dataset) domainOf(r *rand.Rand, home string) string {
	if t, ok := d.byID[home]; ok {
		return t.Domains[0]
	}
	return fmt.Sprintf("partner%d.example.org", r.IntN(1000))
}

// ZipfSequence returns length indices into [0, distinct) drawn from a Zipf
// distribution with exponent s (> 1): rank 0 is the most frequent. Ranks are
// shuffled onto indices so that the hot inputs are spread over tenants.
func ZipfSequence(seed uint64, distinct, length int, s float64) []int {
	r := rand.New(rand.NewPCG(seed, 0x7a697066))
	z := rand.NewZipf(r, s, 1, uint64(distinct-1))
	perm := r.Perm(distinct)
	seq := make([]int, length)
	for i := range seq {
		seq[i] = perm[z.Uint64()]
	}
	return seq
}

// UniformSequence returns length indices drawn uniformly from [0, distinct).
func UniformSequence(seed uint64, distinct, length int) []int {
	r := rand.New(rand.NewPCG(seed, 0x756e6966))
	seq := make([]int, length)
	for i := range seq {
		seq[i] = r.IntN(distinct)
	}
	return seq
}

// StampWrap makes body distinct on the wrap-th pass over a workload: it
// overwrites the first eight hex digits of the first "id" member (user.id,
// see input) with wrap. Generated ids start at 0x10000000 or above, so a
// stamped id never equals a generated one. wrap 0 leaves body unchanged.
func StampWrap(body []byte, wrap int) []byte {
	if wrap == 0 {
		return body
	}
	const marker = `"id":"`
	for i := 0; i+len(marker)+8 <= len(body); i++ {
		if string(body[i:i+len(marker)]) == marker {
			out := append([]byte(nil), body...)
			copy(out[i+len(marker):], fmt.Sprintf("%08x", wrap))
			return out
		}
	}
	return body
}
