// Package gitruntest holds test doubles for the tests of code that runs
// git, shared by the Go tests and the testscript commands.
package gitruntest

import (
	"net"
	"sync"
)

// StalledRemote listens on 127.0.0.1 and accepts connections that it never
// answers: a remote that hangs after the TCP handshake (issue 11). It
// returns an http:// URL of a repository there, and stop, which closes the
// listener and every connection held open.
func StalledRemote() (url string, stop func(), err error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c) // held open, never read nor written
			mu.Unlock()
		}
	}()
	stop = func() {
		ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	}
	return "http://" + ln.Addr().String() + "/repo.git", stop, nil
}
