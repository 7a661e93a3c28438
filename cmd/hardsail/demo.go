package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"github.com/hardsail/hardsail/internal/demohost"
	"github.com/hardsail/hardsail/internal/emulator"
	"github.com/hardsail/hardsail/internal/hostmanifest"
	"github.com/hardsail/hardsail/remote/wporg"
	"github.com/hardsail/hardsail/remote/wporg/recorded"
	"github.com/hardsail/hardsail/steps"
)

// demoDefault is --demo without a value: the blueprint new Lightsail instances get.
const demoDefault = "lightsail"

// demoBlueprints are the demo instances by --demo value: each blueprint's emulated account and host.
// The Lightsail-packaged one starts as a new instance does, with SSH closed to this computer.
var demoBlueprints = map[string]struct{ scenario, flavour string }{
	"lightsail": {emulator.ScenarioLightsailFresh, hostmanifest.Lightsail},
	"bitnami":   {"wordpress-fresh", hostmanifest.Bitnami},
}

// demoWorldFile holds the demo's emulated account and instance between runs, in its state dir.
const demoWorldFile = "world.json"

// demoSavedVersion is the layout of demoWorldFile.
const demoSavedVersion = 1

// demoSaved is demoWorldFile: the emulator's account and the demo host's files.
type demoSaved struct {
	Version   int             `json:"version"`
	Blueprint string          `json:"blueprint"`
	Emulator  json.RawMessage `json:"emulator"`
	Host      json.RawMessage `json:"host"`
}

// demoWorld is a running demo: the emulated account, the instance behind it, and where both are kept.
type demoWorld struct {
	dir       string
	blueprint string
	em        *emulator.Emulator
	host      *demohost.Host
	mu        sync.Mutex // one save at a time
}

// demoStateDir is where the demo of blueprint keeps its journal, settings, log and world: a
// subdirectory of the state dir, one per blueprint (their instances share a name).
func demoStateDir(blueprint string) string {
	return filepath.Join(steps.StateDir(), "demo", blueprint)
}

// loadDemo reads what an earlier run of the demo saved in dir; nil when there is none.
func loadDemo(dir, blueprint string) (*demoSaved, error) {
	path := filepath.Join(dir, demoWorldFile)
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	var v demoSaved
	if err == nil {
		err = json.Unmarshal(b, &v)
	}
	if err == nil && (v.Version != demoSavedVersion || v.Blueprint != blueprint) {
		err = fmt.Errorf("layout %d of blueprint %q, want layout %d of %q", v.Version, v.Blueprint, demoSavedVersion, blueprint)
	}
	if err != nil {
		return nil, demoStateError(path, err)
	}
	return &v, nil
}

func demoStateError(path string, err error) error {
	return &steps.UsageError{Msg: fmt.Sprintf("the demo's saved state %s cannot be read: %v", path, err),
		Hint: "Start the demo over with --demo-reset (only the demo's state is removed)."}
}

// save writes the account and instance as they are now, atomically.
func (w *demoWorld) save() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	v := demoSaved{Version: demoSavedVersion, Blueprint: w.blueprint}
	var err error
	if v.Emulator, err = w.em.Save(); err != nil {
		return err
	}
	if v.Host, err = w.host.Save(); err != nil {
		return err
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("save the demo: %w", err)
	}
	return steps.WriteStateFile(filepath.Join(w.dir, demoWorldFile), b)
}

// observe saves the demo after every step applied or undone, so a crash loses at most the step
// under way; errors go to the log (the screen may be the wizard's).
func (w *demoWorld) observe(e steps.Event, log func(msg string, args ...any)) {
	if w == nil || e.Kind != steps.EventApplyDone && e.Kind != steps.EventUndoDone {
		return
	}
	if err := w.save(); err != nil {
		log("save the demo", "error", err.Error())
	}
}

// startWorld starts the emulated account and its instance, as saved or anew.
func startWorld(dir, blueprint string, saved *demoSaved) (*demoWorld, error) {
	bp := demoBlueprints[blueprint]
	em, err := emulator.New(emulator.Options{Scenario: bp.scenario})
	if err != nil {
		return nil, err
	}
	hostOpts := demohost.Options{Flavour: bp.flavour}
	if saved != nil {
		if err := em.Restore(saved.Emulator); err != nil {
			return nil, demoStateError(filepath.Join(dir, demoWorldFile), err)
		}
		hostOpts.Restore = saved.Host
	}
	if _, err := em.Listen("127.0.0.1:0"); err != nil {
		em.Close()
		return nil, err
	}
	// The instance's host steps talk to an in-process Debian 12 stand-in behind the emulator's firewall.
	host, err := demohost.StartWith(em.CAPublicKey(), hostOpts)
	if err != nil {
		em.Close()
		if saved != nil {
			err = demoStateError(filepath.Join(dir, demoWorldFile), err)
		}
		return nil, err
	}
	if err := em.BindSSH("WordPress-1", host.Addr()); err != nil {
		host.Close()
		em.Close()
		return nil, err
	}
	return &demoWorld{dir: dir, blueprint: blueprint, em: em, host: host}, nil
}

// startDemo serves the emulated account in-process and points the real AWS SDK at it through
// the SDK's own environment variables. The demo's journal, settings, log and world live in its
// own state dir and carry over to the next run; --demo-reset starts over.
func startDemo(o *Factory) (stop func(), err error) {
	dir := demoStateDir(o.demo)
	if o.demoReset {
		if err := os.RemoveAll(dir); err != nil {
			return nil, fmt.Errorf("start the demo over: %w", err)
		}
	}
	if err := steps.PrepareStateDir(dir); err != nil {
		return nil, err
	}
	saved, err := loadDemo(dir, o.demo)
	if err != nil {
		return nil, err
	}
	w, err := startWorld(dir, o.demo, saved)
	if err != nil {
		return nil, err
	}
	// Not root, the firewall proxy cannot take port 22 of its own address: dial where it listens.
	if h, port, err := net.SplitHostPort(w.em.InstanceAddr("WordPress-1")); err == nil && port != "22" {
		o.sshHost = h
		o.sshPort, _ = strconv.Atoi(port)
	}
	// WordPress.org's answers are recorded ones, served on loopback.
	wpURL, wpStop, err := recorded.Serve()
	if err != nil {
		w.em.Close()
		w.host.Close()
		return nil, err
	}
	restoreEnv := setEnv(append(w.em.Env(),
		"HARDSAIL_STATE_DIR="+dir, wporg.EnvURL+"="+wpURL,
		// The user's own AWS files must not leak into the demo (SSO, credential_process…).
		"AWS_CONFIG_FILE="+filepath.Join(dir, "aws-config"),
		"AWS_SHARED_CREDENTIALS_FILE="+filepath.Join(dir, "aws-credentials"),
		"AWS_PROFILE=", "AWS_DEFAULT_PROFILE=", "AWS_SESSION_TOKEN=",
	))
	o.profile, o.region = "", ""
	o.demoWorld = w
	how := "a new emulated AWS account and instance"
	if saved != nil {
		how = "the emulated AWS account and instance as you left them (--demo-reset starts over)"
	}
	fmt.Fprintln(o.io.ErrOut, o.io.Theme().Banner.Render("DEMO — nothing real is changed")+" "+how+"; kept in "+dir)
	return func() {
		if err := w.save(); err != nil {
			fmt.Fprintln(o.io.ErrOut, "warning: the demo could not be saved: "+err.Error())
		}
		wpStop()
		w.em.Close()
		w.host.Close()
		restoreEnv()
	}, nil
}

// setEnv sets each KEY=VALUE and returns what puts the environment back as it was.
func setEnv(kvs []string) (restore func()) {
	type prior struct {
		key, value string
		set        bool
	}
	var before []prior
	for _, kv := range kvs {
		k, v, _ := strings.Cut(kv, "=")
		old, set := os.LookupEnv(k)
		before = append(before, prior{k, old, set})
		os.Setenv(k, v)
	}
	return func() {
		for i := len(before) - 1; i >= 0; i-- {
			if p := before[i]; p.set {
				os.Setenv(p.key, p.value)
			} else {
				os.Unsetenv(p.key)
			}
		}
	}
}
