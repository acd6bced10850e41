//go:build !unix

package gitrun

import "os/exec"

// killGroup keeps exec's default (kill git only) where process groups do
// not exist; WaitDelay still keeps Wait from blocking on a grandchild.
func killGroup(*exec.Cmd) {}
