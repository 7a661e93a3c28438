package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/hardsail/hardsail/internal/emulator"
)

// startDemo serves the emulated account in-process and points the real AWS SDK at it through
// the SDK's own environment variables; journal and log go to a temporary state dir.
func startDemo(o *options) (stop func(), err error) {
	em, err := emulator.New(emulator.Options{Scenario: "wordpress-fresh"})
	if err != nil {
		return nil, err
	}
	if _, err := em.Listen("127.0.0.1:0"); err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "hardsail-demo-")
	if err != nil {
		em.Close()
		return nil, err
	}
	env := append(em.Env(),
		"HARDSAIL_STATE_DIR="+dir,
		// The user's own AWS files must not leak into the demo (SSO, credential_process…).
		"AWS_CONFIG_FILE="+filepath.Join(dir, "aws-config"),
		"AWS_SHARED_CREDENTIALS_FILE="+filepath.Join(dir, "aws-credentials"),
		"AWS_PROFILE=", "AWS_DEFAULT_PROFILE=", "AWS_SESSION_TOKEN=",
	)
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		os.Setenv(k, v)
	}
	o.profile, o.region = "", ""
	fmt.Fprintln(o.io.ErrOut, o.io.Theme().Banner.Render("DEMO — nothing real is changed")+" an emulated AWS account and instance; state in "+dir)
	return func() {
		em.Close()
		os.RemoveAll(dir)
	}, nil
}
