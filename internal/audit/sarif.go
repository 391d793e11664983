package audit

import (
	"encoding/json"
	"io"
	"net/url"
	"path/filepath"
	"sort"
)

// SARIF 2.1.0 (OASIS), the subset code-scanning tools read: one run, the
// rules as reporting descriptors, one result per finding with the tenants
// file as its artifact and the JSON pointer as a logical location.
type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool    sarifTool     `json:"tool"`
	Results []sarifResult `json:"results"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	Version        string      `json:"version,omitempty"`
	InformationURI string      `json:"informationUri,omitempty"`
	Rules          []sarifRule `json:"rules"`
}

type sarifText struct {
	Text string `json:"text"`
}

type sarifRule struct {
	ID                   string            `json:"id"`
	Name                 string            `json:"name"`
	ShortDescription     sarifText         `json:"shortDescription"`
	FullDescription      sarifText         `json:"fullDescription"`
	DefaultConfiguration sarifConfig       `json:"defaultConfiguration"`
	Properties           map[string]string `json:"properties"`
}

type sarifConfig struct {
	Level string `json:"level"`
}

type sarifResult struct {
	RuleID    string          `json:"ruleId"`
	RuleIndex int             `json:"ruleIndex"`
	Level     string          `json:"level"`
	Message   sarifText       `json:"message"`
	Locations []sarifLocation `json:"locations"`
}

type sarifLocation struct {
	PhysicalLocation *sarifPhysical    `json:"physicalLocation,omitempty"`
	LogicalLocations []sarifLogical    `json:"logicalLocations"`
	Properties       map[string]string `json:"properties,omitempty"`
}

type sarifPhysical struct {
	ArtifactLocation sarifArtifact `json:"artifactLocation"`
}

type sarifArtifact struct {
	URI string `json:"uri"`
}

type sarifLogical struct {
	FullyQualifiedName string `json:"fullyQualifiedName"`
	Kind               string `json:"kind"`
}

// level maps a severity to SARIF's result levels.
func level(sev string) string {
	switch sev {
	case "high":
		return "error"
	case "medium":
		return "warning"
	}
	return "note"
}

// WriteSARIF writes the report as a SARIF 2.1.0 log; version is the
// tool's version.
func (r *Report) WriteSARIF(w io.Writer, version string) error {
	ids := make([]string, 0, len(r.Rules))
	for id := range r.Rules {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	index := map[string]int{}
	driver := sarifDriver{Name: "xtenant", Version: version, Rules: []sarifRule{}}
	for i, id := range ids {
		rule := r.Rules[id]
		index[id] = i
		driver.Rules = append(driver.Rules, sarifRule{
			ID: id, Name: id,
			ShortDescription:     sarifText{rule.Title},
			FullDescription:      sarifText{rule.Title + ". " + rule.Reference},
			DefaultConfiguration: sarifConfig{level(rule.Severity)},
			Properties:           map[string]string{"severity": rule.Severity, "reference": rule.Reference},
		})
	}
	results := []sarifResult{}
	for _, f := range r.Findings {
		loc := sarifLocation{LogicalLocations: []sarifLogical{{FullyQualifiedName: f.Path, Kind: "member"}}}
		if f.File != "" {
			loc.PhysicalLocation = &sarifPhysical{ArtifactLocation: sarifArtifact{URI: fileURI(f.File)}}
		}
		results = append(results, sarifResult{
			RuleID: f.Rule, RuleIndex: index[f.Rule], Level: level(f.Severity),
			Message: sarifText{f.Message}, Locations: []sarifLocation{loc},
		})
	}
	log := sarifLog{
		Schema:  "https://json.schemastore.org/sarif-2.1.0.json",
		Version: "2.1.0",
		Runs:    []sarifRun{{Tool: sarifTool{Driver: driver}, Results: results}},
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(log)
}

// fileURI is a relative URI reference for a relative path (code scanning
// resolves it against the repository), a file: URI for an absolute one.
func fileURI(p string) string {
	u := url.URL{Path: filepath.ToSlash(p)}
	if filepath.IsAbs(p) {
		u.Scheme = "file"
	}
	return u.String()
}
