package graph

import (
	"fmt"
	"strings"
	"unicode"
)

// Mermaid draws the GitLab CI YAML document cfg as a Mermaid flowchart
// (`flowchart LR`, one subgraph per stage). See the package documentation for
// what is drawn.
//
// GitLab renders Mermaid in Markdown up to Mermaid's own limits (50,000
// characters of diagram text and 500 edges by default); a very large
// pipeline is better drawn with DOT.
func Mermaid(cfg []byte) (string, error) {
	p, err := parse(cfg)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	b.WriteString("flowchart LR\n")
	// Every statement ends with ';': Mermaid strips the last ';' of any line
	// that looks like `style…:…#…;` before decoding entity codes, and the
	// terminator is what it then strips instead of the one ending an entity
	// code inside a label (a job called "style:#1" would otherwise lose it).
	for i, s := range p.stages {
		fmt.Fprintf(&b, "  subgraph s%d[\"%s\"];\n", i, mermaidText(s.name))
		b.WriteString("    direction TB;\n")
		for _, j := range s.jobs {
			fmt.Fprintf(&b, "    %s[\"%s\"];\n", j.id, mermaidText(j.label))
		}
		b.WriteString("  end;\n")
	}
	for _, e := range p.externals {
		fmt.Fprintf(&b, "  %s[\"%s\"];\n", e.id, mermaidText(e.label))
	}
	// Layout only: invisible links keep the stage columns in order.
	for i := 1; i < len(p.stages); i++ {
		fmt.Fprintf(&b, "  s%d ~~~ s%d;\n", i-1, i)
	}
	for _, e := range p.edges {
		arrow := "-->"
		if e.dashed {
			arrow = "-.->"
		}
		fmt.Fprintf(&b, "  %s %s %s;\n", e.from.id, arrow, e.to.id)
	}
	return b.String(), nil
}

// mermaidPlain are the ASCII characters kept as they are in a Mermaid label;
// every other ASCII character is written as an entity code. Letters and
// digits of any script are kept too.
const mermaidPlain = " -_.:/@+,=()[]'!?$~^*"

// mermaidText escapes s for a double-quoted Mermaid label. Mermaid has no
// backslash escapes inside strings; it has entity codes, `#quot;` or the
// decimal `#34;`, which it turns into HTML entities when rendering. Quotes
// end the string; '#' and ';' would form entity codes; '<', '>' and '&' are
// HTML; '%' could start a `%%{init}%%` directive (Mermaid looks for those
// anywhere in the text); '`' starts a Markdown string; '{', '}', '|' and '\'
// are escaped because nothing is lost by doing so. U+FB02 and U+00B6 are the
// markers Mermaid itself uses for entity codes, so they are escaped too.
func mermaidText(s string) string {
	var b strings.Builder
	for _, r := range visible(s) {
		switch {
		case r == 0xFB02 || r == 0xB6:
			fmt.Fprintf(&b, "#%d;", r)
		case r < 0x80 && (unicode.IsLetter(r) || unicode.IsDigit(r) || strings.ContainsRune(mermaidPlain, r)):
			b.WriteRune(r)
		case r < 0x80:
			fmt.Fprintf(&b, "#%d;", r)
		default:
			b.WriteRune(r) // printable non-ASCII, thanks to visible
		}
	}
	return b.String()
}

// DOT draws the GitLab CI YAML document cfg as a Graphviz graph (`rankdir=LR`,
// one cluster per stage, each stage one rank). See the package documentation
// for what is drawn. Render it with `dot -Tsvg`.
func DOT(cfg []byte) (string, error) {
	p, err := parse(cfg)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	b.WriteString("digraph pipeline {\n")
	// newrank lets rank=same work inside clusters: each stage is one column.
	b.WriteString("  rankdir=LR;\n  newrank=true;\n  node [shape=box];\n")
	for i, s := range p.stages {
		fmt.Fprintf(&b, "  subgraph cluster_%d {\n", i)
		fmt.Fprintf(&b, "    label=%s;\n", dotQuote(s.name))
		b.WriteString("    rank=same;\n")
		for _, j := range s.jobs {
			fmt.Fprintf(&b, "    %s [label=%s];\n", j.id, dotQuote(j.label))
		}
		b.WriteString("  }\n")
	}
	for _, e := range p.externals {
		fmt.Fprintf(&b, "  %s [label=%s, style=dashed];\n", e.id, dotQuote(e.label))
	}
	// Layout only: an invisible edge between the first jobs of consecutive
	// stages puts the columns in stage order.
	for i := 1; i < len(p.stages); i++ {
		fmt.Fprintf(&b, "  %s -> %s [style=invis];\n", p.stages[i-1].jobs[0].id, p.stages[i].jobs[0].id)
	}
	for _, e := range p.edges {
		if e.dashed {
			fmt.Fprintf(&b, "  %s -> %s [style=dashed];\n", e.from.id, e.to.id)
		} else {
			fmt.Fprintf(&b, "  %s -> %s;\n", e.from.id, e.to.id)
		}
	}
	b.WriteString("}\n")
	return b.String(), nil
}

// dotQuote makes s a DOT double-quoted string. Inside one only '"' ends the
// string and '\' starts an escape (Graphviz gives \n, \l, \N, \G… meanings
// in labels, and a backslash before a newline continues the line), so both
// are escaped. Graphviz also decodes HTML entities (&amp;, &#60;) in every
// label, so '&' is written as &amp;. Everything else, non-ASCII included, is
// literal UTF-8.
func dotQuote(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "&", "&amp;")
	return `"` + r.Replace(visible(s)) + `"`
}
