// Package output is the last step of the data path: the file is written
// atomically — a temporary file in the same directory, synced, then renamed
// over the target — so GitLab never reads a half-written config, and a failed
// run leaves any previous file exactly as it was.
package output

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// CheckName enforces what GitLab needs from an include: artifact path: '/'
// separators and a lowercase .yml extension.
func CheckName(name string) error {
	switch {
	case name == "":
		return fmt.Errorf("the output file name is empty")
	case strings.Contains(name, `\`):
		return fmt.Errorf("output %q: use '/' separators; GitLab parses the include: artifact path with '/' even for Windows runners", name)
	case !strings.HasSuffix(name, ".yml"):
		return fmt.Errorf("output %q: the name must end in lowercase .yml (GitLab's include: artifact accepts only YAML extensions, and its schema only lowercase)", name)
	}
	return nil
}

// WriteFile writes data to name atomically with mode 0644.
func WriteFile(name string, data []byte) (err error) {
	dir := filepath.Dir(name)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(name)+".*.tmp")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if _, err = tmp.Write(data); err != nil {
		return err
	}
	if err = tmp.Chmod(0o644); err != nil {
		return err
	}
	if err = tmp.Sync(); err != nil {
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), name)
}
