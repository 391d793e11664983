// Package matrix is `xtenant diff --settings`: the per-partner matrix of a
// configuration's cross-tenant access settings — B2B collaboration and
// direct connect, inbound and outbound, users and applications, trust,
// automatic redemption and sync — each cell the effective value after
// inheritance (partner ▸ default ▸ service default), and the cells that
// change between two configurations.
package matrix

import (
	"sort"
	"strings"
)

// Cells, in display order.
var Cells = []string{
	"b2bCollaborationInbound.usersAndGroups", "b2bCollaborationInbound.applications",
	"b2bCollaborationOutbound.usersAndGroups", "b2bCollaborationOutbound.applications",
	"b2bDirectConnectInbound.usersAndGroups", "b2bDirectConnectInbound.applications",
	"b2bDirectConnectOutbound.usersAndGroups", "b2bDirectConnectOutbound.applications",
	"inboundTrust.isMfaAccepted", "inboundTrust.isCompliantDeviceAccepted", "inboundTrust.isHybridAzureADJoinedDeviceAccepted",
	"automaticUserConsentSettings.inboundAllowed", "automaticUserConsentSettings.outboundAllowed",
	"identitySynchronization.userSyncInbound.isSyncAllowed",
}

// cellLabel is a cell's name in the text report.
var cellLabel = map[string]string{
	"b2bCollaborationInbound.usersAndGroups":                "B2B collaboration inbound users",
	"b2bCollaborationInbound.applications":                  "B2B collaboration inbound apps",
	"b2bCollaborationOutbound.usersAndGroups":               "B2B collaboration outbound users",
	"b2bCollaborationOutbound.applications":                 "B2B collaboration outbound apps",
	"b2bDirectConnectInbound.usersAndGroups":                "direct connect inbound users",
	"b2bDirectConnectInbound.applications":                  "direct connect inbound apps",
	"b2bDirectConnectOutbound.usersAndGroups":               "direct connect outbound users",
	"b2bDirectConnectOutbound.applications":                 "direct connect outbound apps",
	"inboundTrust.isMfaAccepted":                            "trust MFA",
	"inboundTrust.isCompliantDeviceAccepted":                "trust compliant device",
	"inboundTrust.isHybridAzureADJoinedDeviceAccepted":      "trust hybrid joined device",
	"automaticUserConsentSettings.inboundAllowed":           "automatic redemption inbound",
	"automaticUserConsentSettings.outboundAllowed":          "automatic redemption outbound",
	"identitySynchronization.userSyncInbound.isSyncAllowed": "sync inbound allowed",
}

// Default is the column of a tenant's default settings.
const Default = "default"

// Cell is one effective value.
type Cell struct {
	// Value is the effective setting in short form: "allowed: AllUsers",
	// "blocked: group c3c3…, user …", "true", "false".
	Value string `json:"value"`
	// From says where it comes from: partner, default or service default.
	From string `json:"from"`
}

// Row is one column of the report: a tenant's settings for one partner
// (or its default), by cell.
type Row struct {
	Tenant      string          `json:"tenant"`
	Name        string          `json:"name,omitempty"`
	Partner     string          `json:"partner"`
	PartnerName string          `json:"partner_name,omitempty"`
	Cells       map[string]Cell `json:"cells"`
}

// Matrix is every tenant's rows, sorted by tenant then partner (default first).
type Matrix []Row

// Build makes the matrix of a tenants document (data.xtenant.tenants).
func Build(tenants map[string]any) Matrix {
	var m Matrix
	for id, raw := range tenants {
		t, _ := raw.(map[string]any)
		xtap, _ := t["crossTenantAccessPolicy"].(map[string]any)
		def, _ := xtap["default"].(map[string]any)
		partners, _ := xtap["partners"].(map[string]any)
		m = append(m, row(tenants, id, Default, def, nil))
		for pid, p := range partners {
			pm, _ := p.(map[string]any)
			m = append(m, row(tenants, id, pid, def, pm))
		}
	}
	m.sort()
	return m
}

func (m Matrix) sort() {
	sort.Slice(m, func(i, j int) bool {
		if m[i].Tenant != m[j].Tenant {
			return m[i].Tenant < m[j].Tenant
		}
		if (m[i].Partner == Default) != (m[j].Partner == Default) {
			return m[i].Partner == Default
		}
		return m[i].Partner < m[j].Partner
	})
}

func nameOf(tenants map[string]any, id string) string {
	t, _ := tenants[id].(map[string]any)
	n, _ := t["displayName"].(string)
	return n
}

func row(tenants map[string]any, id, partner string, def, p map[string]any) Row {
	r := Row{Tenant: id, Name: nameOf(tenants, id), Partner: partner, Cells: map[string]Cell{}}
	if partner != Default {
		r.PartnerName = nameOf(tenants, partner)
	}
	for _, c := range Cells {
		r.Cells[c] = effective(c, def, p)
	}
	return r
}

// effective resolves one cell: the partner entry's value when it has one,
// else the default's, else the service default.
func effective(cell string, def, p map[string]any) Cell {
	path := strings.Split(cell, ".")
	if p != nil {
		if v := valueAt(p, path); v != nil {
			return Cell{Value: show(v), From: "partner"}
		}
	}
	if path[0] == "identitySynchronization" {
		// Sync is a partner setting only; there is no default.
		return Cell{Value: "false", From: "service default"}
	}
	if def != nil {
		if v := valueAt(def, path); v != nil {
			return Cell{Value: show(v), From: "default"}
		}
	}
	return Cell{Value: serviceDefault(path), From: "service default"}
}

// valueAt is the value at path below obj, nil when any step is missing.
func valueAt(obj map[string]any, path []string) any {
	var cur any = obj
	for _, k := range path {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = m[k]
	}
	return cur
}

// serviceDefault is Entra's value where nothing is stored (B2B
// collaboration open, direct connect closed, no trust, no redemption).
func serviceDefault(path []string) string {
	switch path[0] {
	case "b2bCollaborationInbound", "b2bCollaborationOutbound":
		return "allowed: " + allKeyword(path[1])
	case "b2bDirectConnectInbound", "b2bDirectConnectOutbound":
		return "blocked: " + allKeyword(path[1])
	}
	return "false"
}

func allKeyword(half string) string {
	if half == "applications" {
		return "AllApplications"
	}
	return "AllUsers"
}

// show writes a value: a target configuration as "accessType: targets",
// anything else as JSON-ish text.
func show(v any) string {
	switch x := v.(type) {
	case bool:
		if x {
			return "true"
		}
		return "false"
	case string:
		return x
	case map[string]any:
		access, _ := x["accessType"].(string)
		targets, _ := x["targets"].([]any)
		var ts []string
		for _, t := range targets {
			tm, _ := t.(map[string]any)
			target, _ := tm["target"].(string)
			typ, _ := tm["targetType"].(string)
			if isKeyword(target) {
				ts = append(ts, target)
			} else {
				ts = append(ts, typ+" "+target)
			}
		}
		sort.Strings(ts)
		return access + ": " + strings.Join(ts, ", ")
	}
	return "?"
}

func isKeyword(s string) bool {
	switch s {
	case "AllUsers", "AllApplications", "Office365", "AllMicrosoftApps", "MicrosoftAdminPortals":
		return true
	}
	return false
}

// Change is one cell that differs.
type Change struct {
	Tenant      string `json:"tenant"`
	Name        string `json:"name,omitempty"`
	Partner     string `json:"partner"`
	PartnerName string `json:"partner_name,omitempty"`
	Cell        string `json:"cell"`
	Before      *Cell  `json:"before"`
	After       *Cell  `json:"after"`
}

// Diff lists the changed cells of two matrices. A row present on one side
// only (a partner added or removed) has every cell compared with nothing.
func Diff(before, after Matrix) []Change {
	type key struct{ t, p string }
	idx := func(m Matrix) map[key]Row {
		out := map[key]Row{}
		for _, r := range m {
			out[key{r.Tenant, r.Partner}] = r
		}
		return out
	}
	b, a := idx(before), idx(after)
	keys := map[key]bool{}
	for k := range b {
		keys[k] = true
	}
	for k := range a {
		keys[k] = true
	}
	var rows Matrix
	for k := range keys {
		r, ok := a[k]
		if !ok {
			r = b[k]
		}
		rows = append(rows, r)
	}
	rows.sort()
	changes := []Change{}
	for _, r := range rows {
		k := key{r.Tenant, r.Partner}
		br, bok := b[k]
		ar, aok := a[k]
		for _, c := range Cells {
			var bc, ac *Cell
			if bok {
				x := br.Cells[c]
				bc = &x
			}
			if aok {
				x := ar.Cells[c]
				ac = &x
			}
			if bc != nil && ac != nil && bc.Value == ac.Value {
				// The same effective value, perhaps from another source (a
				// partner entry now spelling out the default), changes nothing.
				continue
			}
			changes = append(changes, Change{Tenant: r.Tenant, Name: r.Name, Partner: r.Partner, PartnerName: r.PartnerName, Cell: c, Before: bc, After: ac})
		}
	}
	return changes
}
