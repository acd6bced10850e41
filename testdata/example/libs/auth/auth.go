package auth

// Check reports whether a token is non-empty.
func Check(token string) bool { return token != "" }
