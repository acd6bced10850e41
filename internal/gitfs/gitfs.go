// Package gitfs serves the files of a git commit as an fs.FS, without a
// checkout: the tree is listed once with `git ls-tree -r -z -l` and file
// contents are read on demand through one `git cat-file --batch` process.
// `generate-config diff` evaluates the manifest and templates of another
// revision with it, through the same data path as the working tree.
//
// A revision given by a user never reaches git where it could be read as an
// option: it is refused if it starts with '-', passed after
// --end-of-options, and resolved once to a full object name that every
// later command uses.
package gitfs

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os/exec"
	"path"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"gitlab.com/generate-config/generate-config/internal/gitrun"
)

// FS is the tree of one commit, optionally below a subdirectory (the
// directory Open was given, when it is not the repository's top level).
// It is safe for concurrent use.
type FS struct {
	commit string
	git    runner

	files map[string]*entry   // every blob, symlink and submodule
	dirs  map[string][]*entry // directory → its entries, sorted by name
	info  map[string]*entry   // directories as entries, "." included

	mu  sync.Mutex
	cat *catFile
	err error // a failed cat-file process: later reads fail too
}

type entry struct {
	name string // base name ("." for the root)
	path string
	mode fs.FileMode
	oid  string
	size int64
}

// Open resolves rev in the repository containing dir and lists the tree of
// that commit below dir's path inside the repository. env is the
// environment git runs with (nil: the process's). Close the FS to stop its
// git process.
func Open(ctx context.Context, dir, rev string, env []string) (*FS, error) {
	if rev == "" || strings.HasPrefix(rev, "-") {
		return nil, fmt.Errorf("invalid revision %q", rev)
	}
	g := runner{dir: dir, git: gitrun.Exec{Env: env}}
	top, err := g.output(ctx, "rev-parse", "--show-toplevel")
	if err != nil {
		return nil, fmt.Errorf("%s is not inside a git work tree: %w", dir, err)
	}
	prefix, err := g.output(ctx, "rev-parse", "--show-prefix")
	if err != nil {
		return nil, err
	}
	commit, err := g.output(ctx, "rev-parse", "--verify", "--quiet", "--end-of-options", rev+"^{commit}")
	if err != nil || commit == "" {
		return nil, fmt.Errorf("unknown revision %q (not a commit in this repository)", rev)
	}
	tree := commit + "^{tree}"
	if p := strings.TrimSuffix(prefix, "/"); p != "" {
		tree = commit + ":" + p
	}
	treeID, err := g.output(ctx, "rev-parse", "--verify", "--quiet", "--end-of-options", tree)
	if err != nil || treeID == "" {
		return nil, fmt.Errorf("the directory %s does not exist at %s", strings.TrimSuffix(prefix, "/"), rev)
	}
	// From here on only full object names reach git, run at the top level
	// so that no path is taken relative to a subdirectory.
	g.dir = top
	list, err := g.raw(ctx, "ls-tree", "-r", "-z", "-l", "--end-of-options", treeID)
	if err != nil {
		return nil, err
	}
	f := &FS{commit: commit, git: g, files: map[string]*entry{}, dirs: map[string][]*entry{}, info: map[string]*entry{}}
	f.info["."] = &entry{name: ".", path: ".", mode: fs.ModeDir | 0o755}
	for _, rec := range bytes.Split(list, []byte{0}) {
		if len(rec) == 0 {
			continue
		}
		e, err := parseEntry(string(rec))
		if err != nil {
			return nil, err
		}
		if !fs.ValidPath(e.path) {
			continue // git never stores such names; do not serve them
		}
		f.files[e.path] = e
		f.addParents(e)
	}
	for _, es := range f.dirs {
		sort.Slice(es, func(i, j int) bool { return es[i].name < es[j].name })
	}
	return f, nil
}

// parseEntry reads "<mode> <type> <object> <size>\t<path>".
func parseEntry(rec string) (*entry, error) {
	meta, p, ok := strings.Cut(rec, "\t")
	fields := strings.Fields(meta)
	if !ok || len(fields) != 4 {
		return nil, fmt.Errorf("git ls-tree: unexpected line %q", rec)
	}
	e := &entry{name: path.Base(p), path: p, oid: fields[2]}
	switch fields[0] {
	case "100644":
		e.mode = 0o644
	case "100755":
		e.mode = 0o755
	case "120000":
		e.mode = fs.ModeSymlink | 0o777
	case "160000": // a submodule: its files are not in this repository
		e.mode = fs.ModeDir | 0o755
		return e, nil
	default:
		return nil, fmt.Errorf("git ls-tree: unexpected mode %s for %s", fields[0], p)
	}
	size, err := strconv.ParseInt(fields[3], 10, 64)
	if err != nil {
		return nil, fmt.Errorf("git ls-tree: bad size in %q", rec)
	}
	e.size = size
	return e, nil
}

func (f *FS) addParents(e *entry) {
	child := e
	for {
		dir := path.Dir(child.path)
		_, known := f.info[dir]
		f.dirs[dir] = append(f.dirs[dir], child)
		if known {
			return
		}
		d := &entry{name: path.Base(dir), path: dir, mode: fs.ModeDir | 0o755}
		f.info[dir] = d
		child = d
	}
}

// Commit is the full name of the commit the FS serves.
func (f *FS) Commit() string { return f.commit }

// Close stops the git process reading contents.
func (f *FS) Close() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.cat != nil {
		err := f.cat.close()
		f.cat = nil
		return err
	}
	return nil
}

// maxLinks bounds symlink chains, as the kernel does.
const maxLinks = 40

// lookup finds name, following symlinks (inside the tree only).
func (f *FS) lookup(op, name string) (*entry, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: op, Path: name, Err: fs.ErrInvalid}
	}
	p := name
	for range maxLinks {
		if d, ok := f.info[p]; ok {
			return d, nil
		}
		e, ok := f.files[p]
		if !ok {
			return nil, &fs.PathError{Op: op, Path: name, Err: fs.ErrNotExist}
		}
		if e.mode&fs.ModeSymlink == 0 {
			return e, nil
		}
		target, err := f.read(e)
		if err != nil {
			return nil, &fs.PathError{Op: op, Path: name, Err: err}
		}
		t := string(target)
		next := path.Join(path.Dir(p), t)
		if path.IsAbs(t) || next == ".." || strings.HasPrefix(next, "../") {
			return nil, &fs.PathError{Op: op, Path: name, Err: fmt.Errorf("symlink to %s leaves the tree", t)}
		}
		p = next
	}
	return nil, &fs.PathError{Op: op, Path: name, Err: errors.New("too many levels of symbolic links")}
}

// Open implements fs.FS.
func (f *FS) Open(name string) (fs.File, error) {
	e, err := f.lookup("open", name)
	if err != nil {
		return nil, err
	}
	if e.mode.IsDir() {
		return &dirFile{e: e, name: name, entries: f.dirs[e.path]}, nil
	}
	data, err := f.read(e)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	return &file{Reader: bytes.NewReader(data), info: info{e, path.Base(name)}}, nil
}

// ReadFile implements fs.ReadFileFS.
func (f *FS) ReadFile(name string) ([]byte, error) {
	e, err := f.lookup("read", name)
	if err != nil {
		return nil, err
	}
	if e.mode.IsDir() {
		return nil, &fs.PathError{Op: "read", Path: name, Err: errors.New("is a directory")}
	}
	data, err := f.read(e)
	if err != nil {
		return nil, &fs.PathError{Op: "read", Path: name, Err: err}
	}
	return append([]byte(nil), data...), nil
}

// Stat implements fs.StatFS.
func (f *FS) Stat(name string) (fs.FileInfo, error) {
	e, err := f.lookup("stat", name)
	if err != nil {
		return nil, err
	}
	return info{e, path.Base(name)}, nil
}

// ReadDir implements fs.ReadDirFS.
func (f *FS) ReadDir(name string) ([]fs.DirEntry, error) {
	e, err := f.lookup("readdir", name)
	if err != nil {
		return nil, err
	}
	if !e.mode.IsDir() {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: errors.New("not a directory")}
	}
	return f.dirEntries(e), nil
}

func (f *FS) dirEntries(e *entry) []fs.DirEntry {
	es := f.dirs[e.path]
	out := make([]fs.DirEntry, len(es))
	for i, c := range es {
		out[i] = fs.FileInfoToDirEntry(info{c, c.name})
	}
	return out
}

// read returns a blob's contents, from the cat-file process.
func (f *FS) read(e *entry) ([]byte, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return nil, f.err
	}
	if f.cat == nil {
		c, err := startCatFile(f.git)
		if err != nil {
			f.err = err
			return nil, err
		}
		f.cat = c
	}
	data, err := f.cat.get(e.oid)
	if err != nil {
		f.err = err
		f.cat.close()
		f.cat = nil
	}
	return data, err
}

type info struct {
	e    *entry
	name string
}

func (i info) Name() string { return i.name }
func (i info) Size() int64  { return i.e.size }
func (i info) Mode() fs.FileMode {
	return i.e.mode
}
func (i info) ModTime() time.Time { return time.Time{} }
func (i info) IsDir() bool        { return i.e.mode.IsDir() }
func (i info) Sys() any           { return nil }

type file struct {
	*bytes.Reader
	info info
}

func (f *file) Stat() (fs.FileInfo, error) { return f.info, nil }
func (f *file) Close() error               { return nil }

type dirFile struct {
	e       *entry
	name    string
	entries []*entry
	off     int
}

func (d *dirFile) Stat() (fs.FileInfo, error) { return info{d.e, path.Base(d.name)}, nil }
func (d *dirFile) Close() error               { return nil }
func (d *dirFile) Read([]byte) (int, error) {
	return 0, &fs.PathError{Op: "read", Path: d.name, Err: errors.New("is a directory")}
}

func (d *dirFile) ReadDir(n int) ([]fs.DirEntry, error) {
	rest := d.entries[d.off:]
	if n > 0 && len(rest) == 0 {
		return nil, io.EOF
	}
	if n > 0 && len(rest) > n {
		rest = rest[:n]
	}
	d.off += len(rest)
	out := make([]fs.DirEntry, len(rest))
	for i, c := range rest {
		out[i] = fs.FileInfoToDirEntry(info{c, c.name})
	}
	return out, nil
}

// runner runs git in a directory through gitrun, the one git runner: the
// scrubbed environment (an inherited GIT_DIR must not make it read another
// repository) and a deadline on every call.
type runner struct {
	dir string
	git gitrun.Exec
}

func (g runner) raw(ctx context.Context, args ...string) ([]byte, error) {
	out, err := g.git.Run(ctx, g.dir, args...)
	if err != nil {
		var ge *gitrun.Error
		if errors.As(err, &ge) && strings.TrimSpace(ge.Stderr) != "" {
			return nil, fmt.Errorf("git %s: %s", args[0], strings.TrimSpace(ge.Stderr))
		}
		return nil, err
	}
	return out, nil
}

func (g runner) output(ctx context.Context, args ...string) (string, error) {
	out, err := g.raw(ctx, args...)
	return strings.TrimSpace(string(out)), err
}

// catFile is a running `git cat-file --batch`: write an object name, read
// "<oid> <type> <size>\n<contents>\n".
type catFile struct {
	cmd    *exec.Cmd
	in     io.WriteCloser
	out    *bufio.Reader
	stop   context.CancelFunc // kills the process
	expiry time.Duration      // the deadline of one read
}

func startCatFile(g runner) (*catFile, error) {
	// Not tied to a request's context: the process serves every later
	// read and ends with Close. Each read has its own deadline instead
	// (see get).
	ctx, stop := context.WithCancel(context.Background())
	cmd := g.git.Command(ctx, g.dir, "cat-file", "--batch")
	in, err := cmd.StdinPipe()
	if err != nil {
		stop()
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		stop()
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		stop()
		return nil, fmt.Errorf("git cat-file: %w", err)
	}
	expiry := g.git.Timeout
	if expiry <= 0 {
		expiry = gitrun.DefaultTimeout
	}
	return &catFile{cmd: cmd, in: in, out: bufio.NewReader(out), stop: stop, expiry: expiry}, nil
}

// get reads one object. A read that takes longer than the runner's
// deadline kills the process, so the read fails instead of hanging.
func (c *catFile) get(oid string) ([]byte, error) {
	timer := time.AfterFunc(c.expiry, c.stop)
	defer timer.Stop()
	if _, err := io.WriteString(c.in, oid+"\n"); err != nil {
		return nil, fmt.Errorf("git cat-file: %w", err)
	}
	header, err := c.out.ReadString('\n')
	if err != nil {
		return nil, fmt.Errorf("git cat-file: %w", err)
	}
	fields := strings.Fields(header)
	if len(fields) != 3 || fields[0] != oid {
		return nil, fmt.Errorf("git cat-file: unexpected answer %q for %s", strings.TrimSpace(header), oid)
	}
	size, err := strconv.Atoi(fields[2])
	if err != nil || size < 0 {
		return nil, fmt.Errorf("git cat-file: bad size in %q", strings.TrimSpace(header))
	}
	data := make([]byte, size+1) // contents and the closing "\n"
	if _, err := io.ReadFull(c.out, data); err != nil {
		return nil, fmt.Errorf("git cat-file: %w", err)
	}
	return data[:size], nil
}

func (c *catFile) close() error {
	c.in.Close()
	err := c.cmd.Wait()
	c.stop()
	return err
}
