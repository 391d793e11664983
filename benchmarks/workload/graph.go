package workload

// Graph shapes of docs/contract.md ("Tenant configuration"), as Microsoft Graph
// v1.0 returns them. Pointers and nil slices marshal as null, which is how
// Graph reports an unset ("inherit from default") setting.

type tenant struct {
	DisplayName               string              `json:"displayName"`
	Cloud                     string              `json:"cloud"`
	CrossTenantAccessPolicy   ctap                `json:"crossTenantAccessPolicy"`
	ConditionalAccessPolicies []caPolicy          `json:"conditionalAccessPolicies"`
	AuthorizationPolicy       authorizationPolicy `json:"authorizationPolicy"`
	B2BManagementPolicy       b2bManagement       `json:"b2bManagementPolicy"`
	Domains                   []string            `json:"domains"`
}

type ctap struct {
	AllowedCloudEndpoints []string            `json:"allowedCloudEndpoints"`
	Default               configuration       `json:"default"`
	Partners              map[string]*partner `json:"partners"`
}

// configuration is crossTenantAccessPolicyConfigurationDefault.
type configuration struct {
	ID               string `json:"id"`
	IsServiceDefault bool   `json:"isServiceDefault"`
	settings
	InvitationRedemption *idpPrecedence `json:"invitationRedemptionIdentityProviderConfiguration,omitempty"`
}

// partner is crossTenantAccessPolicyConfigurationPartner.
type partner struct {
	TenantID                    string `json:"tenantId"`
	IsServiceProvider           bool   `json:"isServiceProvider"`
	IsInMultiTenantOrganization bool   `json:"isInMultiTenantOrganization"`
	settings
	IdentitySynchronization *identitySync `json:"identitySynchronization,omitempty"`
}

// settings are the properties a default configuration and a partner
// configuration share (embedded: encoded in place, in this order).
type settings struct {
	InboundTrust                 *inboundTrust `json:"inboundTrust"`
	AutomaticUserConsentSettings *consent      `json:"automaticUserConsentSettings"`
	B2BCollaborationInbound      *b2bSetting   `json:"b2bCollaborationInbound"`
	B2BCollaborationOutbound     *b2bSetting   `json:"b2bCollaborationOutbound"`
	B2BDirectConnectInbound      *b2bSetting   `json:"b2bDirectConnectInbound"`
	B2BDirectConnectOutbound     *b2bSetting   `json:"b2bDirectConnectOutbound"`
	TenantRestrictions           *restrictions `json:"tenantRestrictions"`
}

type inboundTrust struct {
	IsMfaAccepted                       *bool `json:"isMfaAccepted"`
	IsCompliantDeviceAccepted           *bool `json:"isCompliantDeviceAccepted"`
	IsHybridAzureADJoinedDeviceAccepted *bool `json:"isHybridAzureADJoinedDeviceAccepted"`
}

type consent struct {
	InboundAllowed  *bool `json:"inboundAllowed"`
	OutboundAllowed *bool `json:"outboundAllowed"`
}

type b2bSetting struct {
	UsersAndGroups *targetList `json:"usersAndGroups"`
	Applications   *targetList `json:"applications"`
}

type restrictions struct {
	Devices        *struct{}   `json:"devices"`
	UsersAndGroups *targetList `json:"usersAndGroups"`
	Applications   *targetList `json:"applications"`
}

type targetList struct {
	AccessType string   `json:"accessType"`
	Targets    []target `json:"targets"`
}

type target struct {
	Target     string `json:"target"`
	TargetType string `json:"targetType"`
}

type idpPrecedence struct {
	PrimaryIdentityProviderPrecedenceOrder []string `json:"primaryIdentityProviderPrecedenceOrder"`
	FallbackIdentityProvider               string   `json:"fallbackIdentityProvider"`
}

type identitySync struct {
	TenantID        string   `json:"tenantId"`
	DisplayName     string   `json:"displayName"`
	UserSyncInbound syncFlag `json:"userSyncInbound"`
}

type syncFlag struct {
	IsSyncAllowed bool `json:"isSyncAllowed"`
}

type caPolicy struct {
	ID              string          `json:"id"`
	DisplayName     string          `json:"displayName"`
	State           string          `json:"state"`
	Conditions      caConditions    `json:"conditions"`
	GrantControls   *grantControls  `json:"grantControls"`
	SessionControls *map[string]any `json:"sessionControls"`
}

type caConditions struct {
	ClientAppTypes   []string       `json:"clientAppTypes"`
	Applications     caApplications `json:"applications"`
	Users            caUsers        `json:"users"`
	Platforms        *struct{}      `json:"platforms"`
	Locations        *struct{}      `json:"locations"`
	SignInRiskLevels []string       `json:"signInRiskLevels"`
	UserRiskLevels   []string       `json:"userRiskLevels"`
}

type caApplications struct {
	IncludeApplications []string `json:"includeApplications"`
	ExcludeApplications []string `json:"excludeApplications"`
	IncludeUserActions  []string `json:"includeUserActions"`
}

type caUsers struct {
	IncludeUsers                 []string        `json:"includeUsers"`
	ExcludeUsers                 []string        `json:"excludeUsers"`
	IncludeGroups                []string        `json:"includeGroups"`
	ExcludeGroups                []string        `json:"excludeGroups"`
	IncludeRoles                 []string        `json:"includeRoles"`
	ExcludeRoles                 []string        `json:"excludeRoles"`
	IncludeGuestsOrExternalUsers *guestsOrExtern `json:"includeGuestsOrExternalUsers"`
	ExcludeGuestsOrExternalUsers *guestsOrExtern `json:"excludeGuestsOrExternalUsers"`
}

type guestsOrExtern struct {
	GuestOrExternalUserTypes string          `json:"guestOrExternalUserTypes"`
	ExternalTenants          externalTenants `json:"externalTenants"`
}

type externalTenants struct {
	ODataType      string   `json:"@odata.type"`
	MembershipKind string   `json:"membershipKind"`
	Members        []string `json:"members,omitempty"`
}

type grantControls struct {
	Operator                    string   `json:"operator"`
	BuiltInControls             []string `json:"builtInControls"`
	CustomAuthenticationFactors []string `json:"customAuthenticationFactors"`
	TermsOfUse                  []string `json:"termsOfUse"`
}

type authorizationPolicy struct {
	AllowInvitesFrom string `json:"allowInvitesFrom"`
}

type b2bManagement struct {
	Policy domainsPolicy `json:"InvitationsAllowedAndBlockedDomainsPolicy"`
}

type domainsPolicy struct {
	AllowedDomains []string `json:"AllowedDomains,omitempty"`
	BlockedDomains []string `json:"BlockedDomains,omitempty"`
}
