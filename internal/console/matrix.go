package console

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// Data paths of the matrix rules (policies/xtenant/access/matrix.rego).
const (
	matrixPath         = "xtenant/access/matrix"
	matrixPartnersPath = "xtenant/access/matrix_partners"
	matrixTenantsPath  = "xtenant/access/matrix_tenants"
)

// defaultRow is the matrix row of tenants without a partner entry.
const defaultRow = "default"

var pageSizes = []int{25, 50, 100, 200}

// named is a tenant id with its display name (the id when it has none).
type named struct {
	ID, Name string
}

// partnerCache keeps the sorted partner list of one tenant for one
// revision: paging through 10,000 partners then reads the policy once.
type partnerCache struct {
	mu       sync.Mutex
	revision string
	tenant   string
	partners []named
}

func (c *Console) partners(ctx context.Context, revision, tenant string) ([]named, error) {
	pc := &c.matrix
	pc.mu.Lock()
	defer pc.mu.Unlock()
	if pc.revision == revision && pc.tenant == tenant && revision != "" {
		return pc.partners, nil
	}
	list, err := c.namedList(ctx, matrixPartnersPath, map[string]any{"tenant": tenant})
	if err != nil {
		return nil, err
	}
	pc.revision, pc.tenant, pc.partners = revision, tenant, list
	return list, nil
}

// namedList reads an object id → name from the policy, sorted by name.
func (c *Console) namedList(ctx context.Context, path string, input any) ([]named, error) {
	v, defined, err := c.cfg.Querier.Query(ctx, path, input)
	if err != nil {
		return nil, err
	}
	if !defined {
		return nil, errNoMatrix
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("console: data.%s: expected an object, got %T", strings.ReplaceAll(path, "/", "."), v)
	}
	out := make([]named, 0, len(m))
	for id, name := range m {
		s, _ := name.(string)
		out = append(out, named{ID: id, Name: s})
	}
	slices.SortFunc(out, func(a, b named) int {
		return cmp.Or(cmp.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)), cmp.Compare(a.ID, b.ID))
	})
	return out, nil
}

var errNoMatrix = fmt.Errorf("the active policy has no partner matrix rules (data.%s)", strings.ReplaceAll(matrixPath, "/", "."))

// matrixRow is one row as the policy returns it.
type matrixRow struct {
	Partner             string                   `json:"partner"`
	Name                string                   `json:"name"`
	PartnerEntry        bool                     `json:"partner_entry"`
	Settings            map[string]matrixSetting `json:"settings"`
	Trust               map[string]matrixMember  `json:"trust"`
	AutomaticRedemption map[string]matrixMember  `json:"automatic_redemption"`
	Sync                matrixMember             `json:"sync"`
}

type matrixSetting struct {
	State  string     `json:"state"`
	Source string     `json:"source"`
	Value  b2bSetting `json:"value"`
}

type b2bSetting struct {
	UsersAndGroups targetConfig `json:"usersAndGroups"`
	Applications   targetConfig `json:"applications"`
}

type targetConfig struct {
	AccessType string `json:"accessType"`
	Targets    []struct {
		Target     string `json:"target"`
		TargetType string `json:"targetType"`
	} `json:"targets"`
}

type matrixMember struct {
	Value  bool   `json:"value"`
	Source string `json:"source"`
}

// column is one column of the matrix.
type column struct {
	Key, Group, Label string
}

var settingColumns = []column{
	{"b2bCollaborationInbound", "B2B collaboration", "Inbound"},
	{"b2bCollaborationOutbound", "B2B collaboration", "Outbound"},
	{"b2bDirectConnectInbound", "B2B direct connect", "Inbound"},
	{"b2bDirectConnectOutbound", "B2B direct connect", "Outbound"},
}

var trustColumns = []column{
	{"isMfaAccepted", "Inbound trust", "MFA"},
	{"isCompliantDeviceAccepted", "Inbound trust", "Compliant device"},
	{"isHybridAzureADJoinedDeviceAccepted", "Inbound trust", "Hybrid joined"},
}

var redemptionColumns = []column{
	{"inboundAllowed", "Automatic redemption", "Inbound"},
	{"outboundAllowed", "Automatic redemption", "Outbound"},
}

type matrixView struct {
	Error    string
	Tenants  []named
	Tenant   named
	Query    string
	Size     int
	Sizes    []int
	Page     int
	Pages    int
	Matched  int
	Total    int
	First    int
	Rows     []matrixRow
	Settings []column
	Trust    []column
	Redeem   []column
	Cell     *cellView
	Prev     string
	Next     string
}

// cellView is the detail of one clicked setting cell.
type cellView struct {
	Row     matrixRow
	Column  column
	Setting matrixSetting
}

func (c *Console) matrixPage(w http.ResponseWriter, r *http.Request) {
	v, code := c.matrixView(r)
	c.render(w, r, code, "matrix", "Partner matrix", v)
}

func (c *Console) matrixView(r *http.Request) (matrixView, int) {
	ctx := r.Context()
	q := r.URL.Query()
	v := matrixView{Settings: settingColumns, Trust: trustColumns, Redeem: redemptionColumns, Sizes: pageSizes,
		Query: strings.TrimSpace(q.Get("q")), Size: 50, Page: 1}
	if n, err := strconv.Atoi(q.Get("size")); err == nil && slices.Contains(pageSizes, n) {
		v.Size = n
	}
	if n, err := strconv.Atoi(q.Get("page")); err == nil && n > 0 {
		v.Page = n
	}
	tenants, err := c.namedList(ctx, matrixTenantsPath, nil)
	if err != nil {
		v.Error = err.Error()
		return v, http.StatusOK
	}
	v.Tenants = tenants
	if len(tenants) == 0 {
		v.Error = "no tenant is configured"
		return v, http.StatusOK
	}
	v.Tenant = tenants[0]
	if want := strings.ToLower(q.Get("tenant")); want != "" {
		i := slices.IndexFunc(tenants, func(t named) bool { return t.ID == want })
		if i < 0 {
			v.Error = "no tenant " + want + " is configured"
			return v, http.StatusNotFound
		}
		v.Tenant = tenants[i]
	}
	revision := c.cfg.Status().Revision
	partners, err := c.partners(ctx, revision, v.Tenant.ID)
	if err != nil {
		v.Error = err.Error()
		return v, http.StatusOK
	}
	v.Total = len(partners)
	matched := partners
	if v.Query != "" {
		needle := strings.ToLower(v.Query)
		matched = nil
		for _, p := range partners {
			if strings.Contains(p.ID, needle) || strings.Contains(strings.ToLower(p.Name), needle) {
				matched = append(matched, p)
			}
		}
	}
	v.Matched = len(matched)
	v.Pages = max(1, (len(matched)+v.Size-1)/v.Size)
	v.Page = min(v.Page, v.Pages)
	v.First = (v.Page - 1) * v.Size
	ids := []string{defaultRow}
	for _, p := range matched[v.First:min(v.First+v.Size, len(matched))] {
		ids = append(ids, p.ID)
	}
	shown := len(ids)
	cell := q.Get("cell")
	cellPartner, cellProp, hasCell := strings.Cut(cell, ":")
	if hasCell && !slices.Contains(ids, cellPartner) {
		ids = append(ids, cellPartner) // a cell of a partner on another page, from a shared link
	}
	rows, err := c.matrixRows(ctx, v.Tenant.ID, ids)
	if err != nil {
		v.Error = err.Error()
		return v, http.StatusOK
	}
	if hasCell {
		for _, row := range rows {
			for _, col := range settingColumns {
				if row.Partner == cellPartner && col.Key == cellProp {
					v.Cell = &cellView{Row: row, Column: col, Setting: row.Settings[cellProp]}
				}
			}
		}
	}
	v.Rows = rows[:shown]
	if v.Page > 1 {
		v.Prev = v.link(v.Page - 1)
	}
	if v.Page < v.Pages {
		v.Next = v.link(v.Page + 1)
	}
	return v, http.StatusOK
}

func (c *Console) matrixRows(ctx context.Context, tenant string, ids []string) ([]matrixRow, error) {
	res, defined, err := c.cfg.Querier.Query(ctx, matrixPath, map[string]any{"tenant": tenant, "partners": ids})
	if err != nil {
		return nil, err
	}
	if !defined {
		return nil, errNoMatrix
	}
	raw, err := json.Marshal(res)
	if err != nil {
		return nil, err
	}
	var m struct {
		Rows []matrixRow `json:"rows"`
	}
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("console: data.xtenant.access.matrix: %w", err)
	}
	if len(m.Rows) != len(ids) {
		return nil, fmt.Errorf("console: data.xtenant.access.matrix: %d rows for %d partners", len(m.Rows), len(ids))
	}
	return m.Rows, nil
}

// link is the matrix URL of another page with the same filters.
func (v matrixView) link(page int) string {
	q := url.Values{"tenant": {v.Tenant.ID}, "page": {strconv.Itoa(page)}, "size": {strconv.Itoa(v.Size)}}
	if v.Query != "" {
		q.Set("q", v.Query)
	}
	return Prefix + "matrix?" + q.Encode()
}

// CellLink is the URL that opens the detail of a setting cell.
func (v matrixView) CellLink(partner, prop string) string {
	q := url.Values{"tenant": {v.Tenant.ID}, "page": {strconv.Itoa(v.Page)}, "size": {strconv.Itoa(v.Size)},
		"cell": {partner + ":" + prop}}
	if v.Query != "" {
		q.Set("q", v.Query)
	}
	return Prefix + "matrix?" + q.Encode() + "#cell"
}
