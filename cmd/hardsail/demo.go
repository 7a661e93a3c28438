package main

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/hardsail/hardsail/internal/demohost"
	"github.com/hardsail/hardsail/internal/emulator"
	"github.com/hardsail/hardsail/internal/hostmanifest"
	"github.com/hardsail/hardsail/remote/wporg"
	"github.com/hardsail/hardsail/remote/wporg/recorded"
)

// demoDefault is --demo without a value: the blueprint new Lightsail instances get.
const demoDefault = "lightsail"

// demoBlueprints are the demo instances by --demo value: each blueprint's emulated account and host.
// The Lightsail-packaged one starts as a new instance does, with SSH closed to this computer.
var demoBlueprints = map[string]struct{ scenario, flavour string }{
	"lightsail": {emulator.ScenarioLightsailFresh, hostmanifest.Lightsail},
	"bitnami":   {"wordpress-fresh", hostmanifest.Bitnami},
}

// startDemo serves the emulated account in-process and points the real AWS SDK at it through
// the SDK's own environment variables; journal and log go to a temporary state dir.
func startDemo(o *options) (stop func(), err error) {
	bp := demoBlueprints[o.demo]
	em, err := emulator.New(emulator.Options{Scenario: bp.scenario})
	if err != nil {
		return nil, err
	}
	if _, err := em.Listen("127.0.0.1:0"); err != nil {
		em.Close()
		return nil, err
	}
	// The instance's host steps talk to an in-process Debian 12 stand-in behind the emulator's firewall.
	host, err := demohost.StartWith(em.CAPublicKey(), demohost.Options{Flavour: bp.flavour})
	if err != nil {
		em.Close()
		return nil, err
	}
	if err := em.BindSSH("WordPress-1", host.Addr()); err != nil {
		host.Close()
		em.Close()
		return nil, err
	}
	// Not root, the firewall proxy cannot take port 22 of its own address: dial where it listens.
	if h, port, err := net.SplitHostPort(em.InstanceAddr("WordPress-1")); err == nil && port != "22" {
		o.sshHost = h
		o.sshPort, _ = strconv.Atoi(port)
	}
	// WordPress.org's answers are recorded ones, served on loopback.
	wpURL, wpStop, err := recorded.Serve()
	if err != nil {
		host.Close()
		em.Close()
		return nil, err
	}
	dir, err := os.MkdirTemp("", "hardsail-demo-")
	if err != nil {
		wpStop()
		host.Close()
		em.Close()
		return nil, err
	}
	env := append(em.Env(),
		"HARDSAIL_STATE_DIR="+dir, wporg.EnvURL+"="+wpURL,
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
		wpStop()
		em.Close()
		host.Close()
		os.RemoveAll(dir)
	}, nil
}
