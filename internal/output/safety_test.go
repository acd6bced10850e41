package output

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
)

// A write that fails part-way (a full disk, the file-size limit) leaves no
// temporary file and the target as it was. writeTemp used to return
// ("", err) from a function with a named result, which cleared the name
// before the deferred remove ran.
func TestFailedWriteLeavesNoTemporaryFile(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "generated-config.yml")
	if err := os.WriteFile(target, []byte("old\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	defer func(w func(*os.File, []byte) error) { writeData = w }(writeData)
	writeData = func(f *os.File, data []byte) error {
		f.Write(data[:len(data)/2])
		return syscall.ENOSPC
	}
	for _, write := range []func() error{
		func() error { return WriteFile(target, []byte("new content\n")) },
		func() error { return CreateFile(filepath.Join(dir, "fresh.yml"), []byte("new content\n")) },
	} {
		if err := write(); !errors.Is(err, syscall.ENOSPC) {
			t.Fatalf("err = %v, want ENOSPC", err)
		}
	}
	assertOnly(t, dir, "generated-config.yml")
	if b, _ := os.ReadFile(target); string(b) != "old\n" {
		t.Errorf("target holds %q, want the old content", b)
	}
}

// WriteFiles renames nothing until every file is written: when the second
// file cannot be written, the first keeps its old content.
func TestWriteFilesAllOrNothing(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "generated-config.yml")
	if err := os.WriteFile(cfg, []byte("old\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// The dotenv report's directory is blocked by a file.
	if err := os.WriteFile(filepath.Join(dir, "blocked"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	err := WriteFiles(File{Name: cfg, Data: []byte("new\n")}, File{Name: filepath.Join(dir, "blocked", "generate-config.env"), Data: []byte("A=1\n")})
	if err == nil {
		t.Fatal("writing under a file succeeded")
	}
	if b, _ := os.ReadFile(cfg); string(b) != "old\n" {
		t.Errorf("generated-config.yml holds %q after a failed run, want the old content", b)
	}
	assertOnly(t, dir, "blocked", "generated-config.yml")

	// A target that is a directory is found before anything is renamed.
	if err := os.Mkdir(filepath.Join(dir, "out.env"), 0o755); err != nil {
		t.Fatal(err)
	}
	err = WriteFiles(File{Name: cfg, Data: []byte("new\n")}, File{Name: filepath.Join(dir, "out.env"), Data: []byte("A=1\n")})
	if err == nil || !strings.Contains(err.Error(), "is a directory") {
		t.Fatalf("err = %v, want 'is a directory'", err)
	}
	if b, _ := os.ReadFile(cfg); string(b) != "old\n" {
		t.Errorf("generated-config.yml holds %q, want the old content", b)
	}
	assertOnly(t, dir, "blocked", "generated-config.yml", "out.env")

	// Both fine: both written.
	env := filepath.Join(dir, "generate-config.env")
	if err := WriteFiles(File{Name: cfg, Data: []byte("new\n")}, File{Name: env, Data: []byte("A=1\n")}); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(env); string(b) != "A=1\n" {
		t.Errorf("dotenv holds %q", b)
	}
	assertOnly(t, dir, "blocked", "generate-config.env", "generated-config.yml", "out.env")
}

// SIGTERM while a temporary file is being written removes it.
func TestSignalRemovesTemporaryFile(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no SIGTERM on Windows")
	}
	if dir := os.Getenv("OUTPUT_SIGNAL_HELPER"); dir != "" {
		writeData = func(f *os.File, data []byte) error {
			f.Write(data[:1])
			os.WriteFile(filepath.Join(dir, "started"), nil, 0o644)
			time.Sleep(time.Minute) // killed before this ends
			return nil
		}
		WriteFile(filepath.Join(dir, "work", "out.yml"), []byte("partial"))
		os.Exit(0)
	}
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "work"), 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestSignalRemovesTemporaryFile$")
	cmd.Env = append(os.Environ(), "OUTPUT_SIGNAL_HELPER="+dir)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		if _, err := os.Stat(filepath.Join(dir, "started")); err == nil {
			break
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatal("the helper never started writing")
		}
		time.Sleep(10 * time.Millisecond)
	}
	entries, _ := os.ReadDir(filepath.Join(dir, "work"))
	if len(entries) != 1 || !strings.HasSuffix(entries[0].Name(), ".tmp") {
		t.Fatalf("while writing, work/ holds %v, want one temporary file", entries)
	}
	cmd.Process.Signal(syscall.SIGTERM)
	err := cmd.Wait()
	if err == nil {
		t.Error("the helper exited 0 after SIGTERM")
	}
	assertOnly(t, filepath.Join(dir, "work"))
}

func assertOnly(t *testing.T, dir string, names ...string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.Name())
	}
	if strings.Join(got, ",") != strings.Join(names, ",") {
		t.Errorf("%s holds %v, want %v", dir, got, names)
	}
}

// With a Root, a file is written inside it only: a directory linked out of
// it is refused, and nothing appears outside.
func TestWriteFilesInRootStaysInside(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("symbolic links need privileges on Windows")
	}
	repo, outside := t.TempDir(), t.TempDir()
	if err := os.Symlink(outside, filepath.Join(repo, "out")); err != nil {
		t.Fatal(err)
	}
	root, err := os.OpenRoot(repo)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	err = WriteFiles(File{Root: root, Name: "generated-config.yml", Data: []byte("a\n")}, File{Root: root, Name: "out/generate-config.env", Data: []byte("A=1\n")})
	if !errors.Is(err, ErrOutside) {
		t.Fatalf("err = %v, want ErrOutside", err)
	}
	assertOnly(t, outside)
	assertOnly(t, repo, "out")
	if err := WriteFiles(File{Root: root, Name: "generated-config.yml", Data: []byte("a\n")}); err != nil {
		t.Fatal(err)
	}
	assertOnly(t, repo, "generated-config.yml", "out")
}
