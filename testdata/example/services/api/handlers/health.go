package handlers

// Health answers liveness probes.
func Health() string { return "ok" }
