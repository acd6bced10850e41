package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// openRoot opens the repository root. Every command reads the repository
// through root.FS(): os.Root confines each read, symlinks included, to the
// directory, so no manifest, template or import can reach outside it.
func openRoot(repoDir string) (*os.Root, error) {
	root, err := os.OpenRoot(repoDir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("repository root %s: no such directory (see -C/--dir)", repoDir)
	case err != nil:
		return nil, fmt.Errorf("repository root %s: %w", repoDir, err)
	}
	return root, nil
}
