package authoring

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"gitlab.com/generate-config/generate-config/generator"
	"gitlab.com/generate-config/generate-config/internal/cidoc"
	"gitlab.com/generate-config/generate-config/schema/keywords"
)

// The parent pipeline's file and the jobs init adds to it.
const (
	ParentFile    = ".gitlab-ci.yml"
	GenerateJob   = "generate-config"
	TriggerJob    = "child-pipeline"
	GeneratedFile = generator.DefaultOutput
	// CheckJob runs the scenarios and lint, with their reports for the
	// merge request widget.
	CheckJob          = "generate-config:check"
	JUnitReport       = "generate-config-junit.xml"
	CodeQualityReport = "gl-code-quality-report.json"
)

// Where the published image and CI/CD component live (see README, Install).
const (
	ImageRepository = "registry.gitlab.com/generate-config/generate-config"
	// ComponentPath is the component's address on gitlab.com; a self-managed
	// instance needs a mirror of the project (components are included from
	// the same instance).
	ComponentPath = "gitlab.com/generate-config/generate-config/generate-config"
)

// ParentOptions choose what init adds to the parent pipeline.
type ParentOptions struct {
	// Version is the generate-config release the image and the component
	// are pinned to; anything but a release version (v1.2.3) pins nothing:
	// the image's latest tag and the component's ~latest.
	Version string
	// Component adds an include of the CI/CD component, which defines both
	// jobs, instead of the jobs themselves.
	Component bool
	// Files is the manifest's output.files (1 when 0): the generate job
	// keeps every file as an artifact and the trigger job includes them
	// all (generator.OutputFiles names them).
	Files int
}

// releaseVersion matches the release tags of the project (CHANGELOG.md);
// goPseudoVersion the versions the go command makes up for untagged
// commits (v0.0.0-20261129231500-c6d0165a1b2c, v0.3.1-0.2026...), which
// are not releases.
var (
	releaseVersion  = regexp.MustCompile(`^v[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$`)
	goPseudoVersion = regexp.MustCompile(`-(0\.)?[0-9]{14}-[0-9a-f]{12}$`)
)

func (o ParentOptions) release() bool {
	return releaseVersion.MatchString(o.Version) && !goPseudoVersion.MatchString(o.Version)
}

// imageTag and componentRef are what opts pins to.
func (o ParentOptions) imageTag() string {
	if o.release() {
		return o.Version
	}
	return "latest"
}

func (o ParentOptions) componentRef() string {
	if o.release() {
		return o.Version
	}
	return "~latest"
}

// ParentJobs is what init would add to the parent pipeline.
type ParentJobs struct {
	// YAML holds the jobs to add, encoded; empty when both exist already.
	YAML []byte
	// Added and Present name the jobs added and the ones left alone because
	// the file defines a job of that name already.
	Added, Present []string
	// GenerateStage and TriggerStage are the stages chosen for the jobs.
	GenerateStage, TriggerStage string
	// Content is the parent file with YAML appended: the existing text is
	// kept byte for byte. Nil when there is nothing to add, or when it
	// cannot be appended (ByHand says why).
	Content []byte
	// Component is set when YAML includes the CI/CD component.
	Component bool
	// ByHand, when set, says why YAML must be added by hand.
	ByHand string
}

// PlanParentJobs works out the `generate-config` job (which writes
// generated-config.yml as an artifact kept for a week) and the trigger job
// (`child-pipeline`: trigger:include:artifact of that file, strategy depend,
// needs generate-config, PARENT_PIPELINE_ID passed down) to add to a parent
// pipeline whose current text is existing (nil or empty when there is none).
//
// A job the file already defines is never added again nor changed. The
// stages follow the file, so that GitLab accepts it: without `stages`, or
// when it declares build before test, generate-config goes to build;
// otherwise to `.pre`, which always exists. An existing generate-config job
// keeps its stage. The trigger job goes to the first stage after
// generate-config's (a job may only need jobs of its own or earlier stages),
// or to the same stage when there is no later one. Jobs defined by
// `include`d files are not seen. The file is read by internal/cidoc, so an
// existing generate-config job's stage is the one it has after `extends`.
//
// The appended text is checked by parsing the result: it must hold the old
// keys in their order followed by the new jobs, or the error says to add the
// jobs by hand (a file whose top level is a flow mapping, say).
//
// With opts.Component, the addition is an `include:` of the CI/CD component
// with the same stages as inputs; since the component defines both jobs, a
// file that defines either already gets an error, and a file with an
// `include:` of its own gets the entry to add by hand (ByHand).
func PlanParentJobs(existing []byte, opts ParentOptions) (*ParentJobs, error) {
	doc, err := topLevel(existing)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", ParentFile, err)
	}
	order := keywords.DefaultStages()
	if doc.hasStages {
		order = cidoc.CompleteStages(doc.stages)
	}
	pj := &ParentJobs{}
	if st, ok := doc.jobStages[GenerateJob]; ok {
		pj.GenerateStage = st
	} else if b, t := slices.Index(order, "build"), slices.Index(order, "test"); b >= 0 && b < t {
		pj.GenerateStage = "build"
	} else {
		pj.GenerateStage = ".pre"
	}
	at := slices.Index(order, pj.GenerateStage)
	if at < 0 {
		return nil, fmt.Errorf("%s: the stage %q of job %s is not declared in `stages`", ParentFile, pj.GenerateStage, GenerateJob)
	}
	for _, s := range order[at+1:] {
		if s != ".post" {
			pj.TriggerStage = s
			break
		}
	}
	if pj.TriggerStage == "" {
		if pj.GenerateStage == ".pre" || pj.GenerateStage == ".post" {
			return nil, fmt.Errorf("%s: `stages` declares no stage for the trigger job besides .pre and .post; add one", ParentFile)
		}
		pj.TriggerStage = pj.GenerateStage // needs within a stage are allowed
	}

	jobs := &yaml.Node{Kind: yaml.MappingNode}
	if opts.Component {
		pj.Component = true
		for _, name := range []string{GenerateJob, TriggerJob} {
			if slices.Contains(doc.keys, name) {
				return nil, fmt.Errorf("%s already defines the job %s, which the component defines too; remove it, or run init without --component", ParentFile, name)
			}
		}
		k, v := componentInclude(pj, opts)
		jobs.Content = append(jobs.Content, k, v)
		pj.Added = []string{GenerateJob, TriggerJob}
		if slices.Contains(doc.keys, "include") {
			yml, err := encode(&yaml.Node{Kind: yaml.SequenceNode, Content: v.Content})
			if err != nil {
				return nil, err
			}
			pj.YAML = yml
			pj.ByHand = ParentFile + " has an include: already; add this entry to it"
			return pj, nil
		}
	}
	for _, j := range []struct {
		name string
		node func(*ParentJobs) (*yaml.Node, *yaml.Node)
	}{{GenerateJob, generateJob(opts)}, {TriggerJob, triggerJob(opts)}, {CheckJob, checkJob}} {
		if opts.Component {
			break
		}
		if slices.Contains(doc.keys, j.name) {
			pj.Present = append(pj.Present, j.name)
			continue
		}
		k, v := j.node(pj)
		jobs.Content = append(jobs.Content, k, v)
		pj.Added = append(pj.Added, j.name)
	}
	if len(pj.Added) == 0 {
		return pj, nil
	}
	yml, err := encode(jobs)
	if err != nil {
		return nil, err
	}
	pj.YAML = yml

	content := slices.Clone(existing)
	if len(bytes.TrimSpace(content)) > 0 {
		if !bytes.HasSuffix(content, []byte("\n")) {
			content = append(content, '\n')
		}
		content = append(content, '\n')
	}
	content = append(content, pj.YAML...)
	addedKeys := pj.Added
	if opts.Component {
		addedKeys = []string{"include"}
	}
	after, err := topLevel(content)
	if err != nil || !slices.Equal(after.keys, append(slices.Clone(doc.keys), addedKeys...)) {
		return nil, fmt.Errorf("%s: appending the jobs would not add them cleanly to its top-level mapping; add them by hand (init without --write prints them)", ParentFile)
	}
	pj.Content = content
	return pj, nil
}

func encode(n *yaml.Node) ([]byte, error) {
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(n); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// parentDoc is what init needs to know of the parent pipeline.
type parentDoc struct {
	keys      []string          // top-level keys, in order
	stages    []string          // `stages`, when hasStages
	hasStages bool              //
	jobStages map[string]string // stage of each job that is a mapping, after extends ("test" when unset)
}

// topLevel reads the pipeline document (after a `spec:` header, if any)
// with internal/cidoc, the project's one reader of CI YAML.
func topLevel(data []byte) (*parentDoc, error) {
	pd := &parentDoc{jobStages: map[string]string{}}
	doc, err := cidoc.Parse(data)
	if err != nil {
		return nil, fmt.Errorf("not valid YAML: %w", err)
	}
	if doc.Root == nil {
		if cidoc.KindOf(doc.Content) == cidoc.KindNull {
			return pd, nil
		}
		return nil, errors.New("the top level is not a mapping of jobs")
	}
	for _, p := range doc.Top {
		pd.keys = append(pd.keys, cidoc.KeyString(p.Key))
	}
	if p, ok := doc.Globals["stages"]; ok {
		pd.hasStages = true
		if cidoc.KindOf(p.Value) != cidoc.KindSeq {
			return nil, errors.New("`stages` is not a list")
		}
		for _, s := range cidoc.Items(p.Value) {
			v, _ := cidoc.Scalar(s)
			pd.stages = append(pd.stages, v)
		}
	}
	for _, j := range doc.Jobs {
		if !j.IsMap() {
			continue
		}
		// A stage that is not a string is GitLab's to report; default to test.
		stage, _, ok := doc.StageOf(j)
		if !ok || stage == "" {
			stage = keywords.DefaultJobStage()
		}
		pd.jobStages[j.Name] = stage
	}
	return pd, nil
}

func str(v string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: v} }

func seq(items ...*yaml.Node) *yaml.Node {
	return &yaml.Node{Kind: yaml.SequenceNode, Content: items}
}

// mapping builds a mapping from key, value pairs; a key string may carry a
// head comment after a "\x00".
func mapping(kv ...any) *yaml.Node {
	m := &yaml.Node{Kind: yaml.MappingNode}
	for i := 0; i+1 < len(kv); i += 2 {
		key, comment, _ := strings.Cut(kv[i].(string), "\x00")
		k := str(key)
		k.HeadComment = comment
		var v *yaml.Node
		switch x := kv[i+1].(type) {
		case string:
			v = str(x)
		case *yaml.Node:
			v = x
		}
		m.Content = append(m.Content, k, v)
	}
	return m
}

// generateJob is the generate-config job: in the released image, which
// has the binary, git and a shell (Dockerfile).
func generateJob(opts ParentOptions) func(*ParentJobs) (*yaml.Node, *yaml.Node) {
	return func(pj *ParentJobs) (*yaml.Node, *yaml.Node) {
		k := str(GenerateJob)
		k.HeadComment = "Writes the child pipeline for the targets the change affects (generate-config init)."
		return k, mapping(
			"stage", pj.GenerateStage,
			"image\x00The released image: generate-config, git and a shell.", ImageRepository+":"+opts.imageTag(),
			"variables", mapping(
				"GIT_DEPTH\x00generate-config deepens a shallow clone itself when the diff base is\nmissing; a full clone is not needed.", "20",
			),
			"script", seq(str("generate-config generate")),
			"artifacts", mapping(
				"paths\x00Only the YAML: the whole archive counts against the 5 MB include:artifact limit.", seq(outputFiles(opts)...),
				"reports\x00GENERATE_CONFIG_TARGETS, _JOBS, _EMPTY, ... for later jobs' scripts and the\nmerge request widget (not for rules: GitLab evaluates them before dotenv\nvariables exist).", mapping("dotenv", "generate-config.env"),
				"expire_in\x00Long enough for a manual or retried trigger job to still find it.", "1 week",
			),
		)
	}
}

// componentInclude is the include of the CI/CD component, with the stages
// init chose as inputs.
func componentInclude(pj *ParentJobs, opts ParentOptions) (*yaml.Node, *yaml.Node) {
	k := str("include")
	k.HeadComment = "The generate-config CI/CD component (generate-config init --component): its\ngenerate-config job writes the child pipeline, its child-pipeline job\ntriggers it. Inputs: README.md, \"The CI/CD component\"."
	return k, seq(mapping(
		"component", ComponentPath+"@"+opts.componentRef(),
		"inputs", mapping(
			"version", opts.imageTag(),
			"generate-stage", pj.GenerateStage,
			"trigger-stage", pj.TriggerStage,
		),
	))
}

// checkJob runs `test` and `lint` beside the generate job, and hands their
// reports to GitLab (artifacts:reports:junit and :codequality), which shows
// them in the merge request. Both always run, so both reports exist; the
// job fails when either does (script lines share one shell, so $failed
// carries over).
func checkJob(pj *ParentJobs) (*yaml.Node, *yaml.Node) {
	k := str(CheckJob)
	k.HeadComment = "Runs the scenarios and lint; the merge request shows both reports (generate-config init)."
	return k, mapping(
		"stage", pj.GenerateStage,
		"image", "golang:1.26",
		"script", seq(
			str("command -v generate-config || go install gitlab.com/generate-config/generate-config/cmd/generate-config@latest"),
			str("generate-config test --junit "+JUnitReport+" || failed=1"),
			str("generate-config lint --format codequality > "+CodeQualityReport+" || failed=1"),
			str(`test -z "$failed"`),
		),
		"artifacts", mapping(
			"when\x00Failing scenarios and lint findings are when the reports matter.", "always",
			"reports", mapping("junit", JUnitReport, "codequality", CodeQualityReport),
		),
	)
}

// outputFiles are the generated files, as scalar nodes.
func outputFiles(opts ParentOptions) []*yaml.Node {
	var out []*yaml.Node
	for _, name := range generator.OutputFiles(GeneratedFile, max(opts.Files, 1)) {
		out = append(out, str(name))
	}
	return out
}

func triggerJob(opts ParentOptions) func(*ParentJobs) (*yaml.Node, *yaml.Node) {
	return func(pj *ParentJobs) (*yaml.Node, *yaml.Node) { return triggerJobFor(pj, opts) }
}

func triggerJobFor(pj *ParentJobs, opts ParentOptions) (*yaml.Node, *yaml.Node) {
	var include []*yaml.Node
	for _, name := range generator.OutputFiles(GeneratedFile, max(opts.Files, 1)) {
		include = append(include, mapping("artifact", name, "job", GenerateJob))
	}
	k := str(TriggerJob)
	k.HeadComment = "Runs the generated child pipeline; this job fails when the child does."
	return k, mapping(
		"stage", pj.TriggerStage,
		"needs", seq(str(GenerateJob)),
		"variables\x00Child jobs can fetch the parent's artifacts with needs:pipeline.", mapping(
			"PARENT_PIPELINE_ID", "$CI_PIPELINE_ID",
		),
		"trigger", mapping(
			"include", seq(include...),
			"strategy", "depend",
		),
	)
}
