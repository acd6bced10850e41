//go:build unix

package gitrun

import (
	"os/exec"
	"syscall"
)

// killGroup starts git in a process group of its own and, when the context
// ends, kills the group: a fetch's transport helper (git-remote-https) dies
// with git instead of keeping the connection and the pipes open.
func killGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error {
		return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
}
