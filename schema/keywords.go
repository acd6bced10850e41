package schema

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"strings"
)

// keywords.json holds every keyword list the checks use (global and job
// keywords with the value types GitLab accepts, the keys of nested entries,
// reserved job names, default stages), each with its source. It is data so
// that following a GitLab release means editing one reviewed file.
//
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
	YAML11Booleans      []string            `json:"yaml11Booleans"`
	DefaultStages       []string            `json:"defaultStages"`
	DefaultJobStage     string              `json:"defaultJobStage"`
}

// kw is loaded once; a broken keywords.json is a build defect that the
// package tests catch, so failing loudly at start-up is right.
var kw = mustLoadKeywords(keywordsJSON)

// DefaultStages are GitLab's stages when a config declares none, in order.
// The renderer, the graph and init read them here, so there is one list.
func DefaultStages() []string { return append([]string(nil), kw.DefaultStages...) }

// DefaultJobStage is the stage of a job that names none ("test").
func DefaultJobStage() string { return kw.DefaultJobStage }

// IsReservedJobName reports whether name is a global keyword, which GitLab
// reads as configuration rather than as a job.
func IsReservedJobName(name string) bool { return contains(kw.ReservedJobNames, name) }

// KeywordData returns a copy of the keyword lists, for documentation and tests.
func KeywordData() Keywords { return mustLoadKeywords(keywordsJSON) }

func mustLoadKeywords(data []byte) Keywords {
	k, err := loadKeywords(data)
	if err != nil {
		panic(err)
	}
	return k
}

var knownKinds = map[string]bool{kindString: true, kindInt: true, kindBool: true, kindMap: true, kindSeq: true, kindNull: true}

func loadKeywords(data []byte) (Keywords, error) {
	var k Keywords
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&k); err != nil {
		return k, fmt.Errorf("schema/keywords.json: %w", err)
	}
	for _, table := range []map[string][]string{k.Global, k.Job} {
		for key, kinds := range table {
			if len(kinds) == 0 {
				return k, fmt.Errorf("schema/keywords.json: %s has no types", key)
			}
			for _, t := range kinds {
				if !knownKinds[t] {
					return k, fmt.Errorf("schema/keywords.json: %s: unknown type %q", key, t)
				}
			}
		}
	}
	if len(k.DefaultStages) == 0 || k.DefaultJobStage == "" {
		return k, fmt.Errorf("schema/keywords.json: defaultStages and defaultJobStage are required")
	}
	return k, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func (k Keywords) isGlobal(name string) bool { _, ok := k.Global[name]; return ok }

// isYAML11Bool reports whether a plain scalar is a boolean for Psych.
func (k Keywords) isYAML11Bool(s string) bool { return contains(k.YAML11Booleans, strings.ToLower(s)) }
