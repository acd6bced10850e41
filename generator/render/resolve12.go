package render

import (
	"regexp"
	"strconv"
	"strings"
	"time"
)

// resolve12 is the tag go-yaml v3 resolves a plain scalar to (resolve in
// go.yaml.in/yaml/v3 v3.0.6 resolve.go, Apache-2.0, Copyright (c)
// 2011-2019 Canonical Ltd): "!!str", "!!int", "!!float", "!!bool",
// "!!null", "!!timestamp" or "!!merge". go-yaml double-quotes a string
// whose plain form resolves to anything but "!!str", and keeps the tag of a
// number whose text resolves to another type; the emitter does the same.
func resolve12(in string) string {
	hint := byte('N')
	if in != "" {
		hint = resolveHint(in[0])
	}
	if hint == 0 {
		return "!!str"
	}
	if tag, ok := resolveMap[in]; ok {
		return tag
	}
	switch hint {
	case 'M':
		// Only the map above.
	case '.':
		if _, err := strconv.ParseFloat(in, 64); err == nil {
			return "!!float"
		}
	case 'D', 'S':
		if isTimestamp(in) {
			return "!!timestamp"
		}
		plain := strings.ReplaceAll(in, "_", "")
		if _, err := strconv.ParseInt(plain, 0, 64); err == nil {
			return "!!int"
		}
		if _, err := strconv.ParseUint(plain, 0, 64); err == nil {
			return "!!int"
		}
		if yamlStyleFloat.MatchString(plain) {
			if _, err := strconv.ParseFloat(plain, 64); err == nil {
				return "!!float"
			}
		}
		switch {
		case strings.HasPrefix(plain, "0b"):
			if _, err := strconv.ParseInt(plain[2:], 2, 64); err == nil {
				return "!!int"
			}
			if _, err := strconv.ParseUint(plain[2:], 2, 64); err == nil {
				return "!!int"
			}
		case strings.HasPrefix(plain, "-0b"):
			if _, err := strconv.ParseInt("-"+plain[3:], 2, 64); err == nil {
				return "!!int"
			}
		}
		switch {
		case strings.HasPrefix(plain, "0o"):
			if _, err := strconv.ParseInt(plain[2:], 8, 64); err == nil {
				return "!!int"
			}
			if _, err := strconv.ParseUint(plain[2:], 8, 64); err == nil {
				return "!!int"
			}
		case strings.HasPrefix(plain, "-0o"):
			if _, err := strconv.ParseInt("-"+plain[3:], 8, 64); err == nil {
				return "!!int"
			}
		}
	}
	return "!!str"
}

func resolveHint(c byte) byte {
	switch {
	case c == '+' || c == '-':
		return 'S'
	case c >= '0' && c <= '9':
		return 'D'
	case strings.IndexByte("yYnNtTfFoO~<", c) >= 0:
		return 'M'
	case c == '.':
		return '.'
	}
	return 0
}

var resolveMap = func() map[string]string {
	m := map[string]string{}
	for tag, l := range map[string][]string{
		"!!bool":  {"true", "True", "TRUE", "false", "False", "FALSE"},
		"!!null":  {"", "~", "null", "Null", "NULL"},
		"!!float": {".nan", ".NaN", ".NAN", ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF"},
		"!!merge": {"<<"},
	} {
		for _, s := range l {
			m[s] = tag
		}
	}
	return m
}()

var yamlStyleFloat = regexp.MustCompile(`^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`)

var allowedTimestampFormats = []string{
	"2006-1-2T15:4:5.999999999Z07:00",
	"2006-1-2t15:4:5.999999999Z07:00",
	"2006-1-2 15:4:5.999999999",
	"2006-1-2",
}

// isTimestamp is go-yaml's parseTimestamp succeeding.
func isTimestamp(s string) bool {
	i := 0
	for ; i < len(s); i++ {
		if c := s[i]; c < '0' || c > '9' {
			break
		}
	}
	if i != 4 || i == len(s) || s[i] != '-' {
		return false
	}
	for _, format := range allowedTimestampFormats {
		if _, err := time.Parse(format, s); err == nil {
			return true
		}
	}
	return false
}
