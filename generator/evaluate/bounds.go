package evaluate

import (
	"strings"

	"github.com/google/go-jsonnet/ast"
	"github.com/google/go-jsonnet/toolutils"

	"gitlab.com/generate-config/generate-config/internal/jsonnetfmt"
)

// boundRecursion makes every call in the template and the files it imports
// count against the VM's stack limit (jsonnetvm.MaxStack).
//
// go-jsonnet drops the frame of a call marked `tailstrict` before making it,
// so such a call never reaches the limit, yet each one still nests Go
// calls: `local f(n) = f(n + 1) tailstrict; f(0)` grows the goroutine's
// stack to Go's 1 GB maximum and ends in `fatal error: stack overflow`,
// which no recover can catch. Clearing the flag in the parsed files (the
// VM caches them, so the change holds for every later evaluation) turns
// that into go-jsonnet's positioned "max stack frames exceeded". The cost:
// arguments of such calls are no longer forced before the call, and a
// tail-recursive loop is bounded by the stack limit like any recursion.
// The standard library keeps its own tail calls (it lives in the VM, not in
// an imported file); its loops are bounded by their input.
//
// The same pass rewrites each file's % with a literal format string of
// plain %s into string concatenation (jsonnetfmt.Rewrite): same results
// and errors, at the cost of a +.
func (e *evaluator) boundRecursion(file string) {
	var visit func(from, p string)
	visit = func(from, p string) {
		node, foundAt, err := e.vm.ImportAST(from, p)
		if err != nil || e.bounded[foundAt] {
			return // evaluation reports the error
		}
		e.bounded[foundAt] = true
		jsonnetfmt.Rewrite(&node)
		stack := []ast.Node{node}
		for len(stack) > 0 {
			n := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			switch n := n.(type) {
			case *ast.Apply:
				n.TailStrict = false
			case *ast.Import:
				if n.File != nil {
					visit(foundAt, n.File.Value)
				}
			}
			stack = append(stack, toolutils.Children(n)...)
		}
	}
	visit("", file)
}

// minYAMLLen is a lower bound on the bytes that the value in go-jsonnet's
// JSON output s takes in the generated YAML file, whatever the renderer's
// style: every character of every key and string (an escape sequence
// counts as one; a character, not its UTF-8 bytes, as YAML may escape
// U+2028 in two), one byte per number, true, false or null, and the ':'
// after every key. Indentation, line ends, quotes and "- " are not
// counted, so a cell over the file-size limit by this measure is over it
// for certain.
func minYAMLLen(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case ' ', '\n', '\t', '\r', '[', ']', '{', '}', ',':
		case ':':
			n++
		case '"':
			for i++; i < len(s) && s[i] != '"'; i++ {
				if s[i] == '\\' {
					i++
					if i < len(s) && s[i] == 'u' {
						i += 4
					}
				}
				if i < len(s) && s[i]&0xC0 != 0x80 { // characters, not bytes
					n++
				}
			}
		default: // a number, true, false or null
			n++
			for i+1 < len(s) && !strings.ContainsRune(" \n\t\r[]{},:\"", rune(s[i+1])) {
				i++
			}
		}
	}
	return n
}

// splitArray splits go-jsonnet's JSON output for an array into the JSON
// texts of its elements. ok is false if s is not an array.
func splitArray(s string) (elems []string, ok bool) {
	i := skipSpace(s, 0)
	if i >= len(s) || s[i] != '[' {
		return nil, false
	}
	depth, start := 0, -1
	for ; i < len(s); i++ {
		switch c := s[i]; c {
		case '"':
			if depth == 1 && start < 0 {
				start = i
			}
			for i++; i < len(s) && s[i] != '"'; i++ {
				if s[i] == '\\' {
					i++
				}
			}
		case '[', '{':
			if depth == 1 && start < 0 {
				start = i
			}
			depth++
		case ']', '}':
			depth--
			if depth == 0 {
				if start >= 0 {
					elems = append(elems, s[start:i])
				} else if len(elems) > 0 {
					return nil, false // a trailing comma
				}
				if skipSpace(s, i+1) != len(s) {
					return nil, false
				}
				return elems, true
			}
		case ',':
			if depth == 1 {
				if start < 0 {
					return nil, false
				}
				elems = append(elems, s[start:i])
				start = -1
			}
		case ' ', '\n', '\t', '\r':
		default:
			if depth == 1 && start < 0 {
				start = i
			}
		}
	}
	return nil, false
}

func skipSpace(s string, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\n' || s[i] == '\t' || s[i] == '\r') {
		i++
	}
	return i
}
