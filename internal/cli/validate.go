package cli

import (
	"fmt"
	"os"
	"strings"
	"unicode"

	"github.com/spf13/cobra"

	"gitlab.com/generate-config/generate-config/schema"
)

// ValidateOptions are the inputs of `validate`.
type ValidateOptions struct {
	Factory *Factory
	Files   []string // as given; "-" is standard input
	Format  string   // text, json or codequality
	Strict  bool     // warnings fail too
	Level   int      // pipeline nesting level of the files (1 = child)
	Limits  schema.Limits
	// Together: the files are the trigger:include list of one child
	// pipeline (output.files), checked each on its own for GitLab's
	// per-file limits and merged for the rest.
	Together bool
}

// NewCmdValidate builds `validate`; runF replaces validateRun in tests.
func NewCmdValidate(f *Factory, runF func(*ValidateOptions) error) *cobra.Command {
	opts := &ValidateOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "validate FILE...",
		Short: "Check child pipeline files against GitLab's rules and limits",
		Long: `Check child pipeline configuration files for everything GitLab would reject
when it creates a child pipeline from them (trigger: include: artifact), and
for a few things it would accept but not run as meant. generate and preview
run the same checks on what they produce.

One line per finding: FILE:LINE:COL: error|warning: message (rule-id). The
messages use GitLab's own wording where it has one; docs/validation.md
explains every rule id, its limit and its source. With --format json the
findings are printed as {schemaVersion, findings: [...]}
(schema/output/validate.schema.json); --format codequality prints GitLab's
Code Quality report for artifacts:reports:codequality (errors are major,
warnings minor).

Exit status: 1 if any error was found (with --strict, any warning too), 0
otherwise, 2 for bad usage. The limits default to GitLab's (GitLab.com and
self-managed agree); the flags below set the ones a self-managed
administrator can change. FILE "-" reads standard input.`,
		Example: `  # Check the generated child pipeline before triggering it:
  generate-config validate generated-config.yml

  # Fail on warnings too, and print JSON for another tool:
  generate-config validate --strict --format json generated-config.yml

  # A self-managed instance with larger limits:
  generate-config validate --max-yaml-size-bytes 4194304 --max-includes 300 generated-config.yml

  # The files of one child pipeline (the manifest's output.files: 3):
  generate-config validate --together generated-config*.yml

  # A grandchild pipeline's file (it may not trigger further children):
  generate-config validate --pipeline-level 2 generated-config.yml`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Files = args
			if err := checkFormat(opts.Format, findingFormats); err != nil {
				return err
			}
			if opts.Level < 1 {
				return usagef("--pipeline-level must be 1 (a child) or more, not %d", opts.Level)
			}
			for _, li := range schema.LimitTable {
				if p, _ := opts.Limits.Field(li.Name); *p < 0 {
					return usagef("--%s must not be negative", limitFlag(li.Name))
				}
			}
			if runF != nil {
				return runF(opts)
			}
			return validateRun(opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Format, "format", "text", "output `FORMAT`: text, json or codequality")
	fl.BoolVar(&opts.Strict, "strict", false, "exit 1 on warnings too")
	fl.BoolVar(&opts.Together, "together", false, "the files are one child pipeline's trigger:include list: each is checked against the per-file limits, their merged configuration against the rest")
	fl.IntVar(&opts.Level, "pipeline-level", 1, "nesting level the files run at: 1 for a child of the parent pipeline, 2 for a grandchild")
	for _, li := range schema.LimitTable {
		if !li.Admin {
			continue
		}
		p, _ := opts.Limits.Field(li.Name)
		fl.IntVar(p, limitFlag(li.Name), 0, fmt.Sprintf("GitLab's %s in %s (0: the default, %d)", li.Setting, li.Unit, li.Default))
	}
	return cmd
}

// limitFlag turns a limit's JSON name into its flag: maxYamlSizeBytes is
// --max-yaml-size-bytes.
func limitFlag(name string) string {
	var b strings.Builder
	for _, r := range name {
		if unicode.IsUpper(r) {
			b.WriteByte('-')
			r = unicode.ToLower(r)
		}
		b.WriteRune(r)
	}
	return b.String()
}

func validateRun(opts *ValidateOptions) error {
	f := opts.Factory
	all := []schema.Finding{}
	failed := false
	var together []schema.File
	for _, name := range opts.Files {
		data, display, err := readValidateInput(f, name)
		if err != nil {
			fmt.Fprintf(f.IO.ErrOut, "generate-config: error: %s: %v\n", name, stripPathErr(err))
			failed = true
			continue
		}
		if opts.Together {
			together = append(together, schema.File{Name: display, Data: data})
			continue
		}
		all = append(all, schema.Validate(display, data, schema.Options{Limits: opts.Limits, Level: opts.Level})...)
	}
	if len(together) > 0 && !failed {
		all = schema.ValidateFiles(together, schema.Options{Limits: opts.Limits, Level: opts.Level})
	}
	errs, warns := 0, 0
	for _, fd := range all {
		if fd.Severity == schema.SeverityError {
			errs++
		} else {
			warns++
		}
	}
	if err := writeFindings(f.IO.Out, opts.Format, all, ""); err != nil {
		return err
	}
	if opts.Format != "json" && opts.Format != "codequality" && errs+warns > 0 {
		fmt.Fprintf(f.IO.ErrOut, "generate-config: %s, %s\n", plural(errs, "error"), plural(warns, "warning"))
	}
	if failed || errs > 0 || (opts.Strict && warns > 0) {
		return errSilent
	}
	return nil
}

func readValidateInput(f *Factory, name string) (data []byte, display string, err error) {
	if name == "-" {
		data, err = readCapped(f.IO.In, maxInputBytes, "standard input")
		return data, "<stdin>", err
	}
	file, err := os.Open(resolvePath(f, name))
	if err != nil {
		return nil, name, err
	}
	defer file.Close()
	if st, err := file.Stat(); err == nil && st.IsDir() {
		return nil, name, fmt.Errorf("is a directory, not a file")
	}
	data, err = readCapped(file, maxInputBytes, "the file")
	return data, name, err
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}
