package cli

import (
	"bytes"
	"fmt"
	"io"
)

// maxInputBytes caps what is read from a file or stream a user names
// (validate FILE, --changed-from FILE): /dev/zero, a fifo or a wrong file
// must end in a clear error, not in running out of memory. It is far above
// anything real: GitLab refuses a child pipeline file over 5 MiB, and a
// change list of 64 MiB would name a million files.
const maxInputBytes = 64 << 20

// readCapped reads r to its end, or fails once more than limit bytes came.
func readCapped(r io.Reader, limit int64, what string) ([]byte, error) {
	var buf bytes.Buffer
	n, err := io.Copy(&buf, io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if n > limit {
		return nil, fmt.Errorf("%s is larger than %d bytes (%d MiB), the most generate-config reads; it was not read further", what, limit, limit>>20)
	}
	return buf.Bytes(), nil
}
