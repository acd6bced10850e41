package cilog

import "testing"

func TestQuote(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"libs/auth/auth.go", "libs/auth/auth.go"},
		{"dir with space/naïve.txt", "dir with space/naïve.txt"},
		{"x\x1b[0Ksection_end:1:run\r\x1b[0K\nFAKE.go", `"x\x1b[0Ksection_end:1:run\r\x1b[0K\nFAKE.go"`},
		{"tab\there", `"tab\there"`},
		{"bidi\u202eog.txt", `"bidi\u202eog.txt"`},
		{"bad\xffutf8", `"bad\xffutf8"`},
		{"line\u2028sep", `"line\u2028sep"`},
	} {
		if got := Quote(tc.in); got != tc.want {
			t.Errorf("Quote(%q) = %s, want %s", tc.in, got, tc.want)
		}
	}
}

func TestEscapeKeepsLinesButNoControls(t *testing.T) {
	in := "job \"a\x1b[0Kb\" failed\n\tsee x\r"
	want := "job \"a\\x1b[0Kb\" failed\n\tsee x\\r"
	if got := Escape(in); got != want {
		t.Errorf("Escape = %q, want %q", got, want)
	}
	if got := Escape("plain\nmessage"); got != "plain\nmessage" {
		t.Errorf("Escape changed a plain message: %q", got)
	}
}
