// Command generate-config writes a GitLab child pipeline for the targets of a
// monorepo that a change affects. All work lives in package cli and below;
// this is the only place that exits.
package main

import (
	"os"

	"gitlab.com/generate-config/generate-config/internal/cli"
)

func main() { os.Exit(cli.Main()) }
