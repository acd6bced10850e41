// Package keywords is the one home of GitLab's CI keyword lists: global and
// job keywords with the value types GitLab accepts, the keys of nested
// entries, reserved job names, YAML 1.1 booleans and the default stages. They
// are data (keywords.json, each list with its source) so that following a
// GitLab release means editing one reviewed file. The validator (package
// schema), the document model (internal/cidoc) and the renderer read them
// here.
package keywords

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"slices"
)

//go:embed keywords.json
var keywordsJSON []byte

// Keywords is the decoded keywords.json.
type Keywords struct {
	Sources             map[string]string   `json:"sources"`
	Global              map[string][]string `json:"global"`
	Job                 map[string][]string `json:"job"`
	Default             []string            `json:"default"`
	Workflow            []string            `json:"workflow"`
	WorkflowRule        []string            `json:"workflowRule"`
	Rule                []string            `json:"rule"`
	Need                []string            `json:"need"`
	Trigger             []string            `json:"trigger"`
	Include             []string            `json:"include"`
	TriggerInclude      []string            `json:"triggerInclude"`
	ReservedJobNames    []string            `json:"reservedJobNames"`
	DiscouragedJobNames []string            `json:"discouragedJobNames"`
	DefaultStages       []string            `json:"defaultStages"`
	DefaultJobStage     string              `json:"defaultJobStage"`
}

// KW is loaded once; a broken keywords.json is a build defect that the
// package tests catch, so failing loudly at start-up is right. Read it,
// never write it: Data returns a copy for callers that want one.
var KW = mustLoad(keywordsJSON)

// Data returns a copy of the keyword lists, for documentation and tests.
func Data() Keywords { return mustLoad(keywordsJSON) }

// DefaultStages are GitLab's stages when a config declares none, in order
// (.pre, build, test, deploy, .post).
func DefaultStages() []string { return slices.Clone(KW.DefaultStages) }

// DefaultJobStage is the stage of a job that names none ("test").
func DefaultJobStage() string { return KW.DefaultJobStage }

// IsGlobal reports whether a top-level key is a global keyword rather than
// a job.
func IsGlobal(name string) bool { _, ok := KW.Global[name]; return ok }

// IsReservedJobName reports whether name is a global keyword, which GitLab
// reads as configuration rather than as a job.
func IsReservedJobName(name string) bool { return slices.Contains(KW.ReservedJobNames, name) }

// Types are the value type names keywords.json may use: the value kinds of
// internal/cidoc (cidoc's tests check that the two lists agree).
var Types = []string{"string", "int", "bool", "map", "seq", "null"}

func mustLoad(data []byte) Keywords {
	k, err := Load(data)
	if err != nil {
		panic(err)
	}
	return k
}

// Load decodes and checks a keywords.json; it is exported for the tests
// that feed it broken files.
func Load(data []byte) (Keywords, error) {
	var k Keywords
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&k); err != nil {
		return k, fmt.Errorf("schema/keywords/keywords.json: %w", err)
	}
	for _, table := range []map[string][]string{k.Global, k.Job} {
		for key, kinds := range table {
			if len(kinds) == 0 {
				return k, fmt.Errorf("schema/keywords/keywords.json: %s has no types", key)
			}
			for _, t := range kinds {
				if !slices.Contains(Types, t) {
					return k, fmt.Errorf("schema/keywords/keywords.json: %s: unknown type %q", key, t)
				}
			}
		}
	}
	if len(k.DefaultStages) == 0 || k.DefaultJobStage == "" {
		return k, fmt.Errorf("schema/keywords/keywords.json: defaultStages and defaultJobStage are required")
	}
	return k, nil
}
