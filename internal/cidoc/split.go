package cidoc

import (
	"bytes"
	"runtime"

	"go.yaml.in/yaml/v3"

	"gitlab.com/generate-config/generate-config/internal/par"
)

// ParseEntries is Parse of a file whose writer knows where each entry of
// its top-level block mapping begins (starts: byte offsets, in order). A
// large file is then read in parts, each a run of whole entries, on
// several goroutines, and the parts' trees are joined into the one Parse
// builds: the same nodes with the same lines, columns, styles and tags
// (TestParseEntriesIsParse in generator/render compares them on rendered
// pipelines).
//
// The offsets are a hint, not trusted: an offset that is not at the start
// of a line or that follows a comment line, a file with a document marker,
// a byte order mark or a line break other than '\n', a part that is not
// exactly one document holding one block mapping in column 1 whose first
// key opens its first line, or that holds an anchor or an alias (which
// could refer across parts), or that fails to parse, makes ParseEntries
// read the file whole with Parse, which also gives syntax errors their
// lines. A wrong offset therefore
// costs time, never a different reading. The generator's renderer writes
// files for which the parts always hold.
func ParseEntries(data []byte, starts []int) (*Document, error) {
	parts := splitAt(data, starts, runtime.GOMAXPROCS(0))
	if len(parts) < 2 {
		return Parse(data)
	}
	roots := make([]*yaml.Node, len(parts))
	docs := make([]*yaml.Node, len(parts))
	par.Do(len(parts), func(i int) {
		p := parts[i]
		ds, err := decodeAll(data[p[0]:p[1]])
		if err != nil || len(ds) != 1 || len(ds[0].Content) != 1 {
			return
		}
		root := ds[0].Content[0]
		if root.Kind != yaml.MappingNode || root.Style != 0 || root.Tag != "!!map" || root.Anchor != "" {
			return
		}
		// A later part must open with a top-level key, on its first
		// line and not indented: a cut inside an entry would open with
		// the entry's indented lines. (The first part opens the file.)
		if c := data[p[0]]; i > 0 && (c == ' ' || c == '\t' || c == '-' || c == '#' || len(root.Content) == 0 || root.Content[0].Line != 1) {
			return
		}
		// Every part's mapping, the first's too, is the top level: its
		// keys start in column 1 (or 3, after the "? " of a long key).
		if root.Column != 1 && !(root.Column == 3 && data[p[0]] == '?') {
			return
		}
		if !shiftLines(root, bytes.Count(data[:p[0]], []byte("\n"))) {
			return
		}
		docs[i], roots[i] = ds[0], root
	})
	for _, r := range roots {
		if r == nil {
			return Parse(data)
		}
	}
	doc, root := docs[0], roots[0]
	for _, r := range roots[1:] {
		root.Content = append(root.Content, r.Content...)
	}
	// A comment after the last entry is the document's foot comment.
	doc.FootComment = docs[len(docs)-1].FootComment
	d := newDocument([]*yaml.Node{doc})
	d.Parts = len(parts)
	return d, nil
}

// splitAt cuts data into at most n runs of whole entries of about the same
// size, the first from offset 0 (with what precedes the first entry). It
// returns nothing worth splitting for a small file or bad offsets.
func splitAt(data []byte, starts []int, n int) [][2]int {
	const minBytes = 256 << 10 // below this one parse is cheaper than goroutines
	if n < 2 || len(data) < minBytes || len(starts) < 2*n {
		return nil
	}
	// A part's lines are counted from the '\n' before it, so the file must
	// have no other line break YAML counts: \r, NEL, LS, PS.
	if bytes.IndexByte(data, '\r') >= 0 || bytes.Contains(data, []byte("\u0085")) ||
		bytes.Contains(data, []byte("\u2028")) || bytes.Contains(data, []byte("\u2029")) {
		return nil
	}
	// One document, so no marker (a part ending with "..." parses alone
	// but ends the file's document), and no byte order mark (yaml.v3 skips
	// one only at the start of its input).
	if bytes.HasPrefix(data, []byte("---")) || bytes.HasPrefix(data, []byte("...")) ||
		bytes.Contains(data, []byte("\n---")) || bytes.Contains(data, []byte("\n...")) ||
		bytes.Contains(data, []byte("\uFEFF")) {
		return nil
	}
	for i, s := range starts {
		if s <= 0 && i > 0 || s >= len(data) || i > 0 && s <= starts[i-1] || s > 0 && data[s-1] != '\n' {
			return nil
		}
	}
	var parts [][2]int
	from := 0
	for _, s := range starts[1:] {
		if len(parts) < n-1 && s-from >= len(data)/n && !commentBefore(data, s) {
			parts = append(parts, [2]int{from, s})
			from = s
		}
	}
	return append(parts, [2]int{from, len(data)})
}

// commentBefore reports whether a comment line comes before offset s with
// only blank or comment lines between: yaml.v3 makes such a comment the
// head comment of the entry at s, which a part ending there would make a
// foot comment or drop. (It may also be a line of a block scalar; the cut
// is then only not taken there.)
func commentBefore(data []byte, s int) bool {
	end := s - 1 // the '\n' ending the previous line
	for end > 0 {
		start := bytes.LastIndexByte(data[:end], '\n') + 1
		line := bytes.TrimLeft(data[start:end], " \t")
		switch {
		case len(line) > 0 && line[0] == '#':
			return true
		case len(line) > 0:
			return false
		}
		end = start - 1
	}
	return false
}

// shiftLines adds off to the line of every node under n (a part read on
// its own starts at line 1), and reports false if it meets an alias or an
// anchor.
func shiftLines(n *yaml.Node, off int) bool {
	if n.Kind == yaml.AliasNode || n.Anchor != "" {
		return false
	}
	n.Line += off
	for _, c := range n.Content {
		if !shiftLines(c, off) {
			return false
		}
	}
	return true
}
