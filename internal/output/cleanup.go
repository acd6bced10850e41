package output

import (
	"os"
	"os/signal"
	"sync"
	"syscall"
)

// The temporary files being written, so that an interrupted run (SIGINT,
// SIGTERM: a cancelled GitLab job, Ctrl-C) leaves none behind. The handler
// is installed with the first temporary file and removes them all, then
// lets the signal do what it would have done.
var temps = struct {
	sync.Mutex
	live    map[tempFile]bool
	handler sync.Once
}{live: map[tempFile]bool{}}

type tempFile struct {
	root *os.Root
	name string
}

func track(root *os.Root, name string) {
	temps.handler.Do(installHandler)
	temps.Lock()
	temps.live[tempFile{root, name}] = true
	temps.Unlock()
}

func untrack(root *os.Root, name string) {
	temps.Lock()
	delete(temps.live, tempFile{root, name})
	temps.Unlock()
}

// removeTemp removes a temporary file and forgets it.
func removeTemp(root *os.Root, name string) {
	root.Remove(name)
	untrack(root, name)
}

func installHandler() {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	go func() {
		sig := <-ch
		temps.Lock() // held to the end: no new temporary file is created
		for t := range temps.live {
			t.root.Remove(t.name)
		}
		// Die of the signal, as without this handler.
		signal.Reset(os.Interrupt, syscall.SIGTERM)
		if p, err := os.FindProcess(os.Getpid()); err == nil {
			p.Signal(sig)
		}
		os.Exit(1)
	}()
}

// RemoveTemps removes every temporary file being written, for a run that
// is about to be stopped (--timeout); no new one can be created after.
func RemoveTemps() {
	temps.Lock()
	for t := range temps.live {
		t.root.Remove(t.name)
		delete(temps.live, t)
	}
	// Left locked: the process exits next.
}
