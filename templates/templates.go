// Package templates embeds the Jsonnet library that every template can import
// as 'generate-config.libsonnet' without any file on disk.
package templates

import "embed"

// LibraryName is the import path templates use for the library.
const LibraryName = "generate-config.libsonnet"

// Library holds the embedded Jsonnet library files.
//
//go:embed generate-config.libsonnet
var Library embed.FS
