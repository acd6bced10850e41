// Package fromgit is change detection inside a GitLab pipeline: it reads
// GitLab's predefined variables and the clone (deepening a shallow one when
// a commit is missing) and answers a changes.Resolution, following the
// rules of docs/change-detection.md. Git runs through internal/gitrun (a
// scrubbed environment and a deadline on every call). It is apart from
// package changes so that the steps reading a Resolution do not depend on
// git.
package fromgit

import (
	"context"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strings"
	"time"

	"gitlab.com/generate-config/generate-config/generator/changes"
	"gitlab.com/generate-config/generate-config/internal/gitrun"
)

// Rule ids name the decision that chose the base. They are stable: logs, the
// generated file's header and JSON output carry them. docs/change-detection.md
// describes each one.
const (
	RuleExplicitBase         = "explicit-base"
	RuleMergeRequestDiffBase = "merge-request-diff-base"
	RuleMergeRequestTarget   = "merge-request-target-branch"
	RulePushBeforeSHA        = "push-before-sha"
	RuleMergeBaseDefault     = "merge-base-default-branch"
	RuleOnDefaultBranch      = "on-default-branch"
	RuleSourcePolicy         = "source-policy"
	RuleWorkingTree          = "working-tree"
	RuleUnknownBase          = "unknown-base"
)

// Policy values.
const (
	PolicyAll           = "all"
	PolicyDefaultBranch = "default-branch"
	PolicyFail          = "fail"
)

// DefaultMaxFetchDepth bounds deepening when the policy sets no limit.
const DefaultMaxFetchDepth = 1000

// deepenStart is the first deepening step; each later step fetches as many
// commits as all earlier ones together, so the depth doubles.
const deepenStart = 32

// ResolveOptions are the inputs of Resolve.
type ResolveOptions struct {
	// Dir is a directory inside the repository's work tree.
	Dir string
	// LookupEnv reads GitLab's predefined variables; nil means the process
	// environment.
	LookupEnv func(string) (string, bool)
	// Base and Head are --base and --head; Base overrides the CI variables,
	// Head defaults to HEAD.
	Base, Head string
	// NoFetch forbids network git commands.
	NoFetch bool
	// OnUnknownBase is the --on-unknown-base flag; it overrides
	// PolicyOnUnknownBase.
	OnUnknownBase string

	// The policy of the manifest's `changes` field (manifest.ChangesPolicy),
	// copied here by the caller so that change detection does not depend
	// on the manifest package, nor the manifest on git.
	//
	// PolicyOnUnknownBase is "all" (default: select everything and say
	// why) or "fail" when no trustworthy base can be established.
	PolicyOnUnknownBase string
	// Sources maps a CI_PIPELINE_SOURCE (schedule, web, api, trigger,
	// pipeline, tag, ...) to "all" (default), "default-branch" (merge-base
	// with the default branch) or "fail".
	Sources map[string]string
	// MaxFetchDepth bounds how deep a shallow clone may be deepened while
	// looking for the base (0: DefaultMaxFetchDepth).
	MaxFetchDepth int
	// Git runs git; nil means the git CLI from PATH.
	Git GitRunner
}

// validatePolicy checks the values a manifest can set (the manifest's
// schema checks them too; a library caller may not have loaded one).
func (p ResolveOptions) validatePolicy() error {
	switch p.PolicyOnUnknownBase {
	case "", PolicyAll, PolicyFail:
	default:
		return fmt.Errorf("changes.onUnknownBase must be %q or %q, not %q", PolicyAll, PolicyFail, p.PolicyOnUnknownBase)
	}
	for src, v := range p.Sources {
		switch src {
		case "push", "merge_request_event", "parent_pipeline":
			return fmt.Errorf("changes.sources.%s: %s pipelines have their own rule and take no policy", src, src)
		}
		switch v {
		case PolicyAll, PolicyDefaultBranch, PolicyFail:
		default:
			return fmt.Errorf("changes.sources.%s must be %q, %q or %q, not %q", src, PolicyAll, PolicyDefaultBranch, PolicyFail, v)
		}
	}
	if p.MaxFetchDepth < 0 {
		return fmt.Errorf("changes.maxFetchDepth must not be negative, got %d", p.MaxFetchDepth)
	}
	return nil
}

// Resolve works out which paths changed, against which base, in the
// repository at o.Dir, following the rules of docs/change-detection.md. The
// returned Resolution carries the decision trace even when err is non-nil,
// so a failure can be explained. An error means no trustworthy answer: git
// is missing, the repository is unusable, a given revision does not exist,
// or a policy says "fail".
func Resolve(ctx context.Context, o ResolveOptions) (changes.Resolution, error) {
	if err := o.validatePolicy(); err != nil {
		return changes.Resolution{}, err
	}
	switch o.OnUnknownBase {
	case "", PolicyAll, PolicyFail:
	default:
		return changes.Resolution{}, fmt.Errorf("--on-unknown-base must be %q or %q, not %q", PolicyAll, PolicyFail, o.OnUnknownBase)
	}
	// Revisions reach git as arguments; one starting with '-' would be read
	// as an option, and no branch, tag or commit id starts with one.
	if strings.HasPrefix(o.Base, "-") {
		return changes.Resolution{}, fmt.Errorf("--base %q: a revision cannot start with '-'", o.Base)
	}
	if strings.HasPrefix(o.Head, "-") {
		return changes.Resolution{}, fmt.Errorf("--head %q: a revision cannot start with '-'", o.Head)
	}
	if o.LookupEnv == nil {
		o.LookupEnv = os.LookupEnv
	}
	if o.Git == nil {
		o.Git = gitrun.Exec{}
	}
	if o.Dir == "" {
		o.Dir = "."
	}
	r := &resolver{ctx: ctx, o: o, dir: o.Dir, maxDepth: o.MaxFetchDepth, noted: map[string]bool{}, seen: map[string]bool{}}
	if r.maxDepth == 0 {
		r.maxDepth = DefaultMaxFetchDepth
	}
	err := r.run()
	return r.res, err
}

type resolver struct {
	ctx context.Context
	o   ResolveOptions
	res changes.Resolution

	dir  string // the work tree's top level; o.Dir in a bare repository
	bare bool
	// prefix is o.Dir relative to the top level ("testdata/example/"), ""
	// at the top level. git prints paths from the top level; the manifest's
	// patterns are relative to o.Dir, so every path is rebased onto it.
	prefix string

	head string // the commit id of HEAD or --head

	shallow      bool
	maxDepth     int
	deepened     int  // commits fetched by --deepen so far
	deepenFailed bool // a deepening fetch failed: the next would too
	noted        map[string]bool
	seen         map[string]bool // variables already recorded
}

// decision is what a rule chose: either the commits to diff from (several
// when criss-cross merges leave more than one merge-base), or everything.
type decision struct {
	bases    []string
	rule     string
	all      bool
	reason   string
	workTree bool
}

func (r *resolver) run() error {
	if err := r.open(); err != nil {
		return err
	}
	d, err := r.decide()
	if err != nil {
		return err
	}
	return r.apply(d)
}

func (r *resolver) tracef(format string, args ...any) {
	r.res.Trace = append(r.res.Trace, fmt.Sprintf(format, args...))
}

// traceOnce adds a line the first time key is seen, so that repeated
// attempts do not repeat the same explanation.
func (r *resolver) traceOnce(key, format string, args ...any) {
	if !r.noted[key] {
		r.noted[key] = true
		r.tracef(format, args...)
	}
}

func (r *resolver) env(name string) string {
	v, ok := r.o.LookupEnv(name)
	if !r.seen[name] {
		r.seen[name] = true
		r.res.Vars = append(r.res.Vars, changes.Var{Name: name, Value: v, Set: ok})
	}
	return v
}

func (r *resolver) git(args ...string) (string, error) {
	out, err := r.o.Git.Run(r.ctx, r.dir, args...)
	return string(out), err
}

// exitCode is the exit status of a git command that ran, or -1.
func exitCode(err error) int {
	var ge *gitrun.Error
	if errors.As(err, &ge) {
		return ge.ExitCode
	}
	return -1
}

// open checks git and the repository and resolves the head commit.
func (r *resolver) open() error {
	out, err := r.git("rev-parse", "--is-bare-repository")
	if err != nil {
		var ge *gitrun.Error
		if errors.As(err, &ge) {
			return fmt.Errorf("%s is not a usable git repository: %s", r.o.Dir, strings.TrimSpace(ge.Stderr))
		}
		return err
	}
	r.bare = strings.TrimSpace(out) == "true"
	if !r.bare {
		prefix, err := r.git("rev-parse", "--show-prefix")
		if err != nil {
			return fmt.Errorf("%s: cannot find its place in the work tree: %w", r.o.Dir, err)
		}
		r.prefix = strings.TrimSuffix(prefix, "\n")
		top, err := r.git("rev-parse", "--show-toplevel")
		if err != nil {
			return fmt.Errorf("%s: cannot find the work tree's top level: %w", r.o.Dir, err)
		}
		// Run everything from the top level: paths are then relative to the
		// repository root whichever subdirectory Dir names.
		r.dir = strings.TrimSuffix(top, "\n")
	}
	headRev := r.o.Head
	if headRev == "" {
		headRev = "HEAD"
	}
	c, ok, err := r.commit(headRev)
	switch {
	case err != nil:
		return err
	case !ok && r.o.Head != "":
		return fmt.Errorf("--head %q is not a commit in this repository", r.o.Head)
	case !ok:
		return fmt.Errorf("%s: HEAD is not a commit (a repository without commits, or a broken one)", r.o.Dir)
	}
	r.head = c
	r.res.Head = c
	out, err = r.git("rev-parse", "--is-shallow-repository")
	if err != nil {
		return err
	}
	r.shallow = strings.TrimSpace(out) == "true"
	switch {
	case r.shallow && r.o.NoFetch:
		r.tracef("the clone is shallow, and --no-fetch forbids fetching missing commits")
	case r.shallow:
		r.tracef("the clone is shallow: missing commits are fetched in doubling steps up to %d commits", r.maxDepth)
	}
	return nil
}

func (r *resolver) decide() (decision, error) {
	if r.o.Base != "" {
		return r.explicitBase()
	}
	if r.env("CI") == "" {
		return r.local()
	}
	src := r.env("CI_PIPELINE_SOURCE")
	r.res.Source = src
	switch {
	case src == "":
		return r.unknown("CI is set but CI_PIPELINE_SOURCE is not, so this is not a GitLab pipeline (pass --base, --changed or --all)")
	case src == "merge_request_event":
		return r.mergeRequest()
	case src == "push" && r.env("CI_COMMIT_TAG") == "":
		return r.push()
	case src == "parent_pipeline":
		return r.parent()
	case src == "push":
		return r.sourcePolicy("tag")
	}
	return r.sourcePolicy(src)
}

func (r *resolver) explicitBase() (decision, error) {
	b := r.o.Base
	r.tracef("--base %s overrides GitLab's variables; the diff runs from its merge-base with HEAD, as in git diff %s...HEAD", b, b)
	c, ok, err := r.findCommit(b, "--base "+b)
	if err != nil {
		return decision{}, err
	}
	if !ok {
		return decision{}, fmt.Errorf("--base %q is not a commit in this repository", b)
	}
	bases, ok, err := r.mergeBases(c, "--base "+b)
	if err != nil || !ok {
		if err == nil {
			return r.unknown(fmt.Sprintf("--base %s and HEAD have no common ancestor in this clone", b))
		}
		return decision{}, err
	}
	return decision{bases: bases, rule: RuleExplicitBase}, nil
}

func (r *resolver) mergeRequest() (decision, error) {
	r.tracef("merge request pipeline (CI_PIPELINE_SOURCE=merge_request_event, CI_MERGE_REQUEST_EVENT_TYPE=%s)", orUnset(r.env("CI_MERGE_REQUEST_EVENT_TYPE")))
	if d, ok, err := r.mergeRequestDiffBase(); ok || err != nil {
		return d, err
	}
	target := r.env("CI_MERGE_REQUEST_TARGET_BRANCH_NAME")
	if target == "" {
		return r.unknown("merge request pipeline without CI_MERGE_REQUEST_DIFF_BASE_SHA or CI_MERGE_REQUEST_TARGET_BRANCH_NAME")
	}
	r.tracef("comparing with the target branch %s: its merge-base with HEAD is the base", target)
	bases, whyNot, err := r.mergeBaseWithBranch(target)
	if err != nil {
		return decision{}, err
	}
	if whyNot != "" {
		return r.unknown("comparing with the merge request's target branch: " + whyNot)
	}
	return decision{bases: bases, rule: RuleMergeRequestTarget}, nil
}

// mergeRequestDiffBase is the base GitLab's own merge request diff uses.
func (r *resolver) mergeRequestDiffBase() (decision, bool, error) {
	const name = "CI_MERGE_REQUEST_DIFF_BASE_SHA"
	db := r.env(name)
	switch {
	case db == "":
		r.tracef("%s is not set (the merge request is not open?)", name)
		return decision{}, false, nil
	case !isObjectID(db):
		r.tracef("%s=%q is not a commit id", name, db)
		return decision{}, false, nil
	}
	c, ok, err := r.findCommit(db, name)
	if err != nil || !ok {
		if err == nil {
			r.tracef("%s %s is not in the clone", name, db)
		}
		return decision{}, false, err
	}
	bases, ok, err := r.mergeBases(c, name)
	if err != nil || !ok {
		if err == nil {
			r.tracef("%s and HEAD have no common ancestor in the clone", name)
		}
		return decision{}, false, err
	}
	r.tracef("diffing %s...HEAD: the merge request's changes", name)
	return decision{bases: bases, rule: RuleMergeRequestDiffBase}, true, nil
}

func (r *resolver) push() (decision, error) {
	r.tracef("push pipeline for branch %s", orUnset(r.env("CI_COMMIT_BRANCH")))
	if d, ok, err := r.beforeSHA(); ok || err != nil {
		return d, err
	}
	return r.defaultBranch()
}

// parent handles a child pipeline. A child inherits the parent's commit,
// CI_COMMIT_BEFORE_SHA and merge request variables, so it compares the way
// its parent did; without them it compares with the default branch.
func (r *resolver) parent() (decision, error) {
	r.tracef("child pipeline (CI_PIPELINE_SOURCE=parent_pipeline): it inherits the parent's commit and variables")
	if r.env("CI_MERGE_REQUEST_IID") != "" {
		r.tracef("the parent is a merge request pipeline")
		if d, ok, err := r.mergeRequestDiffBase(); ok || err != nil {
			return d, err
		}
	}
	if d, ok, err := r.beforeSHA(); ok || err != nil {
		return d, err
	}
	return r.defaultBranch()
}

// beforeSHA is the push rule: the branch's previous tip, when it is a real
// commit and an ancestor of HEAD.
func (r *resolver) beforeSHA() (decision, bool, error) {
	const name = "CI_COMMIT_BEFORE_SHA"
	b := r.env(name)
	switch {
	case b == "":
		r.tracef("%s is not set", name)
	case isZeroID(b):
		r.tracef("%s is all zeros: a new branch's first push, or a pipeline without push information", name)
	case !isObjectID(b):
		r.tracef("%s=%q is not a commit id", name, b)
	default:
		c, ok, err := r.findCommit(b, name)
		if err != nil {
			return decision{}, false, err
		}
		if !ok {
			r.tracef("%s %s is not in the clone: treated like a force push", name, b)
			break
		}
		anc, err := r.isAncestor(c, r.head)
		if err != nil {
			return decision{}, false, err
		}
		if !anc {
			r.tracef("%s %s is not an ancestor of HEAD: a force push", name, b)
			break
		}
		r.tracef("%s %s is an ancestor of HEAD: diffing the pushed commits", name, b)
		return decision{bases: []string{c}, rule: RulePushBeforeSHA}, true, nil
	}
	return decision{}, false, nil
}

// defaultBranch compares with the merge-base of HEAD and the default branch.
func (r *resolver) defaultBranch() (decision, error) {
	def := r.env("CI_DEFAULT_BRANCH")
	if def == "" {
		return r.unknown("CI_DEFAULT_BRANCH is not set, so there is no default branch to compare with")
	}
	if br := r.env("CI_COMMIT_BRANCH"); br == def {
		return decision{all: true, rule: RuleOnDefaultBranch,
			reason: fmt.Sprintf("the pipeline runs on the default branch %s with no usable CI_COMMIT_BEFORE_SHA, so there is nothing to compare with", def)}, nil
	}
	r.tracef("comparing with the default branch %s: its merge-base with HEAD is the base", def)
	bases, whyNot, err := r.mergeBaseWithBranch(def)
	if err != nil {
		return decision{}, err
	}
	if whyNot != "" {
		return r.unknown("comparing with the default branch: " + whyNot)
	}
	if len(bases) == 1 && bases[0] == r.head {
		// The comparison is empty by construction and says nothing about
		// what this pipeline (a tag, a branch without commits of its own)
		// should build.
		return decision{all: true, rule: RuleOnDefaultBranch,
			reason: fmt.Sprintf("HEAD is already part of the default branch %s, so comparing with it shows nothing", def)}, nil
	}
	return decision{bases: bases, rule: RuleMergeBaseDefault}, nil
}

func (r *resolver) sourcePolicy(src string) (decision, error) {
	p, from := r.o.Sources[src], "the manifest"
	if p == "" {
		p, from = PolicyAll, "the default"
	}
	r.tracef("%s pipeline: no push or merge request to compare with; the policy for %s is %q (%s)", src, src, p, from)
	switch p {
	case PolicyDefaultBranch:
		return r.defaultBranch()
	case PolicyFail:
		return decision{}, fmt.Errorf("%s pipeline: the manifest's changes policy for %s is %q (give --changed, --all or --base)", src, src, PolicyFail)
	}
	return decision{all: true, rule: RuleSourcePolicy,
		reason: fmt.Sprintf("a %s pipeline has no push or merge request to compare with, and its policy is %q", src, PolicyAll)}, nil
}

// localDefaults are where the default branch is looked for outside CI.
var localDefaults = []string{"refs/remotes/origin/HEAD", "refs/remotes/origin/main", "refs/heads/main"}

func (r *resolver) local() (decision, error) {
	r.tracef("CI is not set: outside CI, comparing with the default branch")
	for _, ref := range localDefaults {
		c, ok, err := r.commit(ref)
		if err != nil {
			return decision{}, err
		}
		if !ok {
			r.tracef("%s does not exist", ref)
			continue
		}
		r.tracef("the default branch is %s (%s)", ref, c)
		bases, ok, err := r.mergeBases(c, ref)
		if err != nil {
			return decision{}, err
		}
		if !ok {
			return r.unknown(fmt.Sprintf("no merge-base of HEAD with %s", ref))
		}
		if r.o.Head != "" || r.bare {
			return decision{bases: bases, rule: RuleMergeBaseDefault}, nil
		}
		r.tracef("adding staged, unstaged and untracked files of the working tree")
		return decision{bases: bases, rule: RuleWorkingTree, workTree: true}, nil
	}
	return r.unknown("no default branch to compare with: none of origin/HEAD, origin/main and main exists")
}

// unknown applies the on-unknown-base policy: the flag, else the manifest,
// else "all".
func (r *resolver) unknown(why string) (decision, error) {
	mode, from := r.o.OnUnknownBase, "--on-unknown-base"
	if mode == "" {
		mode, from = r.o.PolicyOnUnknownBase, "the manifest's changes.onUnknownBase"
	}
	if mode == "" {
		mode, from = PolicyAll, "the default"
	}
	if mode == PolicyFail {
		return decision{}, fmt.Errorf("cannot establish a diff base: %s (on-unknown-base is %q, from %s)", why, PolicyFail, from)
	}
	return decision{all: true, rule: RuleUnknownBase,
		reason: fmt.Sprintf("%s; everything is selected (on-unknown-base is %q, from %s)", why, PolicyAll, from)}, nil
}

// apply turns a decision into the Resolution: everything, or the diff.
func (r *resolver) apply(d decision) error {
	r.res.Rule = d.rule
	if d.all {
		r.res.All, r.res.Reason = true, d.reason
		r.tracef("everything is selected: %s", d.reason)
		return nil
	}
	r.res.Base = d.bases[0]
	if len(d.bases) > 1 {
		r.tracef("%d merge-bases (criss-cross merges): the changes are the union of the diffs from each", len(d.bases))
	}
	var lists [][]changes.Change
	for _, b := range d.bases {
		cs, err := r.diff(b, r.head)
		if err != nil {
			return err
		}
		lists = append(lists, cs)
	}
	if d.workTree {
		staged, err := r.diff("--cached", r.head)
		if err != nil {
			return err
		}
		unstaged, err := r.diff()
		if err != nil {
			return err
		}
		out, err := r.git("ls-files", "-z", "--others", "--exclude-standard")
		if err != nil {
			return err
		}
		var untracked []changes.Change
		for _, p := range parseNULList([]byte(out)) {
			untracked = append(untracked, changes.Change{Status: changes.Added, Path: p})
		}
		r.tracef("working tree: %d staged, %d unstaged, %d untracked", len(staged), len(unstaged), len(untracked))
		lists = append(lists, staged, unstaged, untracked)
	}
	r.res.Changes = r.rebase(mergeChanges(lists...))
	if r.res.Changes == nil {
		r.res.Changes = []changes.Change{}
	}
	r.tracef("%d changed path(s) between %s and %s", len(r.res.Changes), short(r.res.Base), short(r.head))
	return nil
}

// rebase makes paths relative to o.Dir when it is a subdirectory of the work
// tree. A change outside it cannot belong to any target of this manifest; it
// is named in the trace, never dropped silently. A rename across the boundary
// counts inside as the addition or deletion it is there.
func (r *resolver) rebase(cs []changes.Change) []changes.Change {
	if r.prefix == "" {
		return cs
	}
	out := cs[:0]
	var outside []string
	for _, c := range cs {
		newPath, newIn := strings.CutPrefix(c.Path, r.prefix)
		oldPath, oldIn := strings.CutPrefix(c.OldPath, r.prefix)
		switch {
		case c.OldPath == "" && newIn:
			c.Path = newPath
		case c.OldPath == "":
			outside = append(outside, c.Path)
			continue
		case newIn && oldIn:
			c.Path, c.OldPath = newPath, oldPath
		case newIn: // moved in from outside
			c = changes.Change{Status: changes.Added, Path: newPath}
		case oldIn: // moved out: gone from here
			c = changes.Change{Status: changes.Deleted, Path: oldPath}
		default:
			outside = append(outside, c.Path)
			continue
		}
		out = append(out, c)
	}
	if len(outside) > 0 {
		shown := strings.Join(outside, ", ")
		if len(outside) > 5 {
			shown = strings.Join(outside[:5], ", ") + ", ..."
		}
		r.tracef("%d changed path(s) outside %s cannot belong to its targets (patterns are relative to it): %s",
			len(outside), strings.TrimSuffix(r.prefix, "/"), shown)
	}
	return out
}

func (r *resolver) diff(revs ...string) ([]changes.Change, error) {
	args := append(append(append([]string(nil), diffArgs...), revs...), "--")
	out, err := r.git(args...)
	if err != nil {
		return nil, fmt.Errorf("reading the diff: %w", err)
	}
	return parseNameStatus([]byte(out))
}

// commit resolves rev to a commit id; ok is false when there is no such
// commit in the repository.
func (r *resolver) commit(rev string) (string, bool, error) {
	out, err := r.git("rev-parse", "--verify", "--quiet", rev+"^{commit}")
	switch {
	case err == nil:
		return strings.TrimSpace(out), true, nil
	case exitCode(err) == 1:
		return "", false, nil
	}
	return "", false, err
}

// findCommit is commit, deepening a shallow clone until the commit appears.
// Only commit ids are looked for that way: a missing name stays missing.
func (r *resolver) findCommit(rev, what string) (string, bool, error) {
	for {
		c, ok, err := r.commit(rev)
		if err != nil || ok || !isObjectID(rev) {
			return c, ok, err
		}
		more, err := r.deepen(what + " " + short(rev) + " is not in the clone")
		if err != nil || !more {
			return "", false, err
		}
	}
}

// mergeBases returns the best common ancestors of c and HEAD, deepening a
// shallow clone until there is one.
func (r *resolver) mergeBases(c, what string) ([]string, bool, error) {
	for {
		out, err := r.git("merge-base", "--all", c, r.head)
		if err == nil {
			bases := strings.Fields(out)
			r.tracef("merge-base of %s and HEAD: %s", what, strings.Join(bases, ", "))
			return bases, true, nil
		}
		if exitCode(err) != 1 {
			return nil, false, err
		}
		more, err := r.deepen("no merge-base of " + what + " and HEAD in the clone")
		if err != nil || !more {
			return nil, false, err
		}
	}
}

func (r *resolver) isAncestor(a, b string) (bool, error) {
	_, err := r.git("merge-base", "--is-ancestor", a, b)
	switch {
	case err == nil:
		return true, nil
	case exitCode(err) == 1:
		return false, nil
	}
	return false, err
}

// mergeBaseWithBranch compares HEAD with origin/<name>, fetching that branch
// when the clone lacks it (GitLab clones only the pipeline's own ref). When
// there is no merge-base, whyNot says why.
func (r *resolver) mergeBaseWithBranch(name string) (bases []string, whyNot string, err error) {
	if _, err := r.git("check-ref-format", "refs/heads/"+name); err != nil {
		if exitCode(err) < 0 {
			return nil, "", err
		}
		return nil, fmt.Sprintf("%q is not a valid branch name", name), nil
	}
	ref := "refs/remotes/origin/" + name
	c, ok, err := r.commit(ref)
	if err != nil {
		return nil, "", err
	}
	if !ok {
		if r.o.NoFetch {
			return nil, fmt.Sprintf("origin/%s is not in the clone, and --no-fetch forbids fetching it", name), nil
		}
		args := []string{"fetch", "--no-tags", "--recurse-submodules=no"}
		if r.shallow {
			// Keep the clone shallow: deepening walks this branch too.
			args = append(args, fmt.Sprintf("--depth=%d", deepenStart))
		}
		args = append(args, "origin", "+refs/heads/"+name+":"+ref)
		if _, err := r.fetch(args, "origin/"+name+" is not in the clone"); err != nil {
			return nil, "", err
		}
		if c, ok, err = r.commit(ref); err != nil || !ok {
			return nil, fmt.Sprintf("origin/%s is not in the clone and could not be fetched", name), err
		}
	}
	r.tracef("origin/%s is at %s", name, c)
	bases, ok, err = r.mergeBases(c, "origin/"+name)
	if err != nil || ok {
		return bases, "", err
	}
	if r.shallow {
		return nil, fmt.Sprintf("HEAD and origin/%s have no common ancestor in the part of the history fetched", name), nil
	}
	return nil, fmt.Sprintf("HEAD and origin/%s have no common ancestor", name), nil
}

// deepen fetches more history into a shallow clone. It reports whether
// anything was fetched, so callers can try again.
func (r *resolver) deepen(why string) (bool, error) {
	switch {
	case r.o.NoFetch:
		r.traceOnce("nofetch"+why, "%s; --no-fetch forbids deepening the clone", why)
		return false, nil
	case !r.shallow:
		r.traceOnce("full"+why, "%s, and the clone has its full history: nothing more to fetch", why)
		return false, nil
	case r.deepenFailed:
		return false, nil
	case r.deepened >= r.maxDepth:
		r.traceOnce("limit"+why, "%s after fetching %d more commits, the limit (changes.maxFetchDepth)", why, r.deepened)
		return false, nil
	}
	step := max(deepenStart, r.deepened)
	step = min(step, r.maxDepth-r.deepened)
	// Deepening from HEAD's commit deepens every shallow boundary the server
	// can reach, including that of a branch fetched by name.
	ok, err := r.fetch([]string{"fetch", "--no-tags", "--recurse-submodules=no", fmt.Sprintf("--deepen=%d", step), "origin", r.head}, why)
	if err != nil || !ok {
		r.deepenFailed = true
		return false, err
	}
	r.deepened += step
	out, err := r.git("rev-parse", "--is-shallow-repository")
	if err != nil {
		return false, err
	}
	r.shallow = strings.TrimSpace(out) == "true"
	if !r.shallow {
		r.tracef("the clone now has its full history")
	}
	return true, nil
}

// fetch runs a network git command and records it. A failed fetch is not an
// error — the resolver goes on without what it would have brought — unless
// the context ended; ok reports whether it succeeded.
func (r *resolver) fetch(args []string, why string) (ok bool, err error) {
	start := time.Now()
	_, err = r.git(args...)
	f := changes.Fetch{Command: "git " + strings.Join(args, " "), Reason: why, Duration: time.Since(start)}
	if err != nil {
		if r.ctx.Err() != nil {
			return false, r.ctx.Err()
		}
		f.Err = err.Error()
		// The command is in f.Command already.
		var ge *gitrun.Error
		var te *gitrun.TimeoutError
		switch {
		case errors.As(err, &ge) && strings.TrimSpace(ge.Stderr) != "":
			f.Err = strings.TrimSpace(ge.Stderr)
		case errors.As(err, &te):
			f.Err = te.Reason()
		}
		f.Err = redactURLs(f.Err)
		r.tracef("%s: %s failed in %s: %s", why, f.Command, f.Duration.Round(time.Millisecond), f.Err)
	} else {
		r.tracef("%s: ran %s (%s)", why, f.Command, f.Duration.Round(time.Millisecond))
	}
	r.res.Fetches = append(r.res.Fetches, f)
	return err == nil, nil
}

// userinfo matches the credentials of a URL ("https://user:token@host").
var userinfo = regexp.MustCompile(`(://)[^/@\s]+@`)

// redactURLs hides credentials in git's messages: the runner's remote URL
// carries the job token, and fetch errors end up in logs and JSON.
func redactURLs(s string) string { return userinfo.ReplaceAllString(s, "${1}***@") }

func isZeroID(s string) bool {
	return (len(s) == 40 || len(s) == 64) && strings.Trim(s, "0") == ""
}

// isObjectID reports whether s looks like a full or abbreviated commit id.
func isObjectID(s string) bool {
	if len(s) < 7 || len(s) > 64 {
		return false
	}
	for _, c := range s {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

func short(id string) string {
	if isObjectID(id) && len(id) > 12 {
		return id[:12]
	}
	return id
}

func orUnset(v string) string {
	if v == "" {
		return "(unset)"
	}
	return v
}
