package gitlabci

import (
	"encoding/json"
	"hash/maphash"
	"math"
	"regexp"
	"strconv"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// Jobs judged property by property.
//
// A generated file repeats itself: thousands of jobs with the same retry:,
// needs:, image:, tags:, and rules: shared by the cells of a target. Most of
// the time of GitLab's schema goes into such values — retry: alone is a
// oneOf of thirty constants, all of which the validator must try for every
// job. So when the schema allows it, validSplit judges a job's properties
// one by one, each distinct (property, value) once, instead of each job
// whole.
//
// ci.json allows it because of its shape, which jobSplitOf checks when the
// schema is compiled (a pinned schema of another shape turns this off):
//   - a top-level key that is neither a root property (stages, variables,
//     ...) nor matches a root pattern (hidden keys) is a job, judged by the
//     root's additionalProperties, a $ref to the job definition;
//   - the job definition is, through allOf-of-one-$ref links, an object
//     schema with `additionalProperties: false` and `properties`, whose
//     other assertions (ci.json: a oneOf on when: and start_in:) read only
//     the keys they name in `properties` and `required`, the cross keys.
//
// For such a schema a job is valid exactly when it is an object, every key
// is a property, every non-cross property's value is valid against that
// property's schema, and the job cut down to its cross keys is valid
// against the whole job definition. TestJobSplitAgrees checks the verdicts
// against whole-file validation; TestJobSplitShape that other shapes turn
// it off.
type jobSplit struct {
	reserved map[string]bool               // root properties: not jobs
	patterns []*regexp.Regexp              // root patternProperties: not jobs
	props    map[string]*jsonschema.Schema // each job property's schema, negated
	cross    map[string]bool               // keys the job's own assertions read
	job      *jsonschema.Schema            // the job definition, negated
}

// annotation reports whether a keyword asserts nothing.
func annotation(k string) bool {
	switch k {
	case "description", "markdownDescription", "title", "$comment", "default", "examples", "deprecated":
		return true
	}
	return false
}

// jobShape is what jobShapeOf reads off the raw schema: the reference the
// root judges jobs by, the reference of the definition it leads to (the
// one with the properties), the job's properties and its cross keys.
type jobShape struct {
	ref, propsRef string
	props         []string
	cross         map[string]bool
}

// jobShapeOf reads the job shape off the raw schema document, or reports
// that the schema is not of that shape (see jobSplit).
func jobShapeOf(doc any) (jobShape, bool) {
	root, ok := doc.(map[string]any)
	if !ok || !judgesKeysAlone(doc) {
		return jobShape{}, false
	}
	defs, _ := root["definitions"].(map[string]any)
	ap, ok := root["additionalProperties"].(map[string]any)
	if !ok {
		return jobShape{}, false
	}
	ref, ok := onlyRef(ap)
	if !ok {
		return jobShape{}, false
	}
	propsRef := ref
	def, ok := definition(defs, ref)
	for depth := 0; ok && depth < 8; depth++ {
		all, isAll := def["allOf"].([]any)
		if !isAll {
			break
		}
		for k := range def {
			if k != "allOf" && !annotation(k) {
				return jobShape{}, false
			}
		}
		if len(all) != 1 {
			return jobShape{}, false
		}
		link, isMap := all[0].(map[string]any)
		if !isMap {
			return jobShape{}, false
		}
		next, isRef := onlyRef(link)
		if !isRef {
			return jobShape{}, false
		}
		propsRef = next
		def, ok = definition(defs, next)
	}
	if !ok || def["type"] != "object" || def["additionalProperties"] != false {
		return jobShape{}, false
	}
	props, ok := def["properties"].(map[string]any)
	if !ok {
		return jobShape{}, false
	}
	shape := jobShape{ref: ref, propsRef: propsRef, cross: map[string]bool{}}
	for p := range props {
		if !plainName.MatchString(p) {
			return jobShape{}, false // its JSON pointer would need URI escaping
		}
		shape.props = append(shape.props, p)
	}
	for k, x := range def {
		switch {
		case k == "type" || k == "additionalProperties" || k == "properties" || annotation(k):
		case k == "required":
			if !readsKeys(map[string]any{"required": x}, shape.cross) {
				return jobShape{}, false
			}
		case k == "oneOf" || k == "anyOf" || k == "allOf":
			branches, isArr := x.([]any)
			if !isArr {
				return jobShape{}, false
			}
			for _, b := range branches {
				if !readsKeys(b, shape.cross) {
					return jobShape{}, false
				}
			}
		default:
			return jobShape{}, false
		}
	}
	return shape, true
}

// plainName is a job property name that stands in a JSON pointer and a URI
// fragment as it is (compileJobSplit refers to each property's schema by
// its pointer). All of ci.json's are.
var plainName = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

// readsKeys reports whether the branch schema b only reads the keys it
// names in properties and required (besides annotations and type:
// object), adding them to keys.
func readsKeys(b any, keys map[string]bool) bool {
	m, ok := b.(map[string]any)
	if !ok {
		return false
	}
	for k, x := range m {
		switch {
		case annotation(k) || (k == "type" && x == "object"):
		case k == "properties":
			ps, isMap := x.(map[string]any)
			if !isMap {
				return false
			}
			for p := range ps {
				keys[p] = true
			}
		case k == "required":
			rs, isArr := x.([]any)
			if !isArr {
				return false
			}
			for _, r := range rs {
				s, isStr := r.(string)
				if !isStr {
					return false
				}
				keys[s] = true
			}
		default:
			return false
		}
	}
	return true
}

// onlyRef returns the local reference of a schema that is a $ref and
// annotations only.
func onlyRef(m map[string]any) (string, bool) {
	ref, ok := m["$ref"].(string)
	if !ok || !strings.HasPrefix(ref, "#/definitions/") {
		return "", false
	}
	for k := range m {
		if k != "$ref" && !annotation(k) {
			return "", false
		}
	}
	return ref, true
}

func definition(defs map[string]any, ref string) (map[string]any, bool) {
	name, ok := strings.CutPrefix(ref, "#/definitions/")
	if !ok || strings.ContainsAny(name, "/~") {
		return nil, false
	}
	d, ok := defs[name].(map[string]any)
	return d, ok
}

// compileJobSplit compiles, for a schema of the job shape, the negation of
// each job property's schema and of the job definition (see isValid for
// why negations), under ids of their own.
func compileJobSplit(c *jsonschema.Compiler, doc any) (*jobSplit, error) {
	shape, ok := jobShapeOf(doc)
	if !ok {
		return nil, nil
	}
	root := doc.(map[string]any)
	js := &jobSplit{reserved: map[string]bool{}, props: map[string]*jsonschema.Schema{}, cross: shape.cross}
	if ps, ok := root["properties"].(map[string]any); ok {
		for k := range ps {
			js.reserved[k] = true
		}
	}
	if pp, ok := root["patternProperties"].(map[string]any); ok {
		for p := range pp {
			re, err := regexp.Compile(p)
			if err != nil {
				return nil, nil // the library may read it otherwise: no split
			}
			js.patterns = append(js.patterns, re)
		}
	}
	const ids = "https://generate-config.invalid/not/"
	var err error
	if js.job, err = compileNegation(c, ids+"job.json", schemaURL+shape.ref); err != nil {
		return nil, err
	}
	for i, p := range shape.props {
		if js.cross[p] {
			continue
		}
		ref := schemaURL + shape.propsRef + "/properties/" + p // a plainName
		if js.props[p], err = compileNegation(c, ids+"prop-"+strconv.Itoa(i)+".json", ref); err != nil {
			return nil, err
		}
	}
	return js, nil
}

// isJob reports whether the root judges top-level key k by its
// additionalProperties.
func (js *jobSplit) isJob(k string) bool {
	if js.reserved[k] {
		return false
	}
	for _, re := range js.patterns {
		if re.MatchString(k) {
			return false
		}
	}
	return true
}

// task is one value to judge against one negated schema.
type task struct {
	s *jsonschema.Schema
	v any
}

// tasks cuts the jobs of m into distinct (schema, value) tasks, and the
// rest of m (reserved and hidden keys) into one map for the root schema.
// ok is false when some job is not an object or has a key that is not a
// property: the file is then invalid, and the caller validates it whole.
func (js *jobSplit) tasks(m map[string]any) (out []task, rest map[string]any, ok bool) {
	seed := maphash.MakeSeed()
	type key struct {
		s *jsonschema.Schema
		h uint64
	}
	seen := map[key][]int{}
	add := func(s *jsonschema.Schema, v any) {
		k := key{s, hashOf(seed, v)}
		bucket := seen[k]
		for _, i := range bucket {
			if equalOf(out[i].v, v) {
				return
			}
		}
		if len(bucket) < maxBucket {
			seen[k] = append(bucket, len(out))
		}
		out = append(out, task{s, v})
	}
	rest = map[string]any{}
	for k, x := range m {
		if !js.isJob(k) {
			rest[k] = x
			continue
		}
		job, isMap := x.(map[string]any)
		if !isMap {
			return nil, nil, false
		}
		var cut map[string]any
		for p, v := range job {
			if js.cross[p] {
				if cut == nil {
					cut = map[string]any{}
				}
				cut[p] = v
				continue
			}
			s := js.props[p]
			if s == nil {
				return nil, nil, false
			}
			add(s, v)
		}
		if cut == nil {
			cut = map[string]any{}
		}
		add(js.job, cut)
	}
	return out, rest, true
}

// maxBucket bounds the values kept under one hash, so that values made to
// collide cost a comparison with at most this many others each (they are
// then judged one by one) instead of with all the earlier ones.
const maxBucket = 8

// hashOf and equalOf are hashValue and equalValue; a test makes every
// value collide and counts the comparisons.
var (
	hashOf  = hashValue
	equalOf = equalValue
)

// hashValue hashes a converted value (cidoc.ToJSON's types) so that equal
// values (equalValue) hash alike. A mapping's entries are summed, so its
// order does not matter. Every scalar is hashed with the seed, so a file
// cannot be written to make its values collide.
func hashValue(seed maphash.Seed, v any) uint64 {
	switch v := v.(type) {
	case string:
		return mix(maphash.String(seed, v) + 1)
	case map[string]any:
		h := uint64(len(v)) + 2
		for k, x := range v {
			h += mix(maphash.String(seed, k) ^ (hashValue(seed, x) * 0x9e3779b97f4a7c15))
		}
		return mix(h)
	case []any:
		h := uint64(len(v)) + 3
		for _, x := range v {
			h = mix(h*0x100000001b3 + hashValue(seed, x))
		}
		return h
	case bool:
		if v {
			return 4
		}
		return 5
	case nil:
		return 6
	case int64:
		return mix(maphash.Comparable(seed, v) + 7)
	case float64:
		return mix(maphash.Comparable(seed, math.Float64bits(v)) + 8)
	case json.Number:
		return mix(maphash.String(seed, string(v)) + 9)
	}
	return 10
}

// mix is splitmix64's finaliser.
func mix(h uint64) uint64 {
	h ^= h >> 30
	h *= 0xbf58476d1ce4e5b9
	h ^= h >> 27
	h *= 0x94d049bb133111eb
	return h ^ h>>31
}

// equalValue reports whether two converted values are the same: same
// types, same scalars (floats bit for bit), same entries. A type it does
// not know is never equal, so such a value is judged on its own.
func equalValue(a, b any) bool {
	switch a := a.(type) {
	case string:
		b, ok := b.(string)
		return ok && a == b
	case map[string]any:
		b, ok := b.(map[string]any)
		if !ok || len(a) != len(b) {
			return false
		}
		for k, x := range a {
			y, ok := b[k]
			if !ok || !equalValue(x, y) {
				return false
			}
		}
		return true
	case []any:
		b, ok := b.([]any)
		if !ok || len(a) != len(b) {
			return false
		}
		for i := range a {
			if !equalValue(a[i], b[i]) {
				return false
			}
		}
		return true
	case bool:
		b, ok := b.(bool)
		return ok && a == b
	case nil:
		return b == nil
	case int64:
		b, ok := b.(int64)
		return ok && a == b
	case float64:
		b, ok := b.(float64)
		return ok && math.Float64bits(a) == math.Float64bits(b)
	case json.Number:
		b, ok := b.(json.Number)
		return ok && a == b
	}
	return false
}
