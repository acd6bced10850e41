package core

// Version is the library version.
const Version = "1.0.0"
