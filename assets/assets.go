// Package assets holds the files hardsail ships inside its binary: the IAM policy it needs, and
// the templates and scripts the host steps install.
package assets

import "embed"

// IAMPolicy is the least-privilege IAM policy hardsail itself needs (`hardsail policy`).
//
//go:embed iam-policy.json
var IAMPolicy []byte

// Schemas are the JSON Schemas (draft 2020-12) of every --json document, one file per kind, under schema/:
// report (tui/render.Report), fleet (render.FleetReport), version and info (render.Document).
//
//go:embed schema/*.schema.json
var Schemas embed.FS
