package demohost

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/hardsail/hardsail/internal/hostmanifest"
)

// savedVersion is the layout of Save's JSON; a restore refuses any other.
const savedVersion = 1

// saved is the host's filesystem and packages as Save writes them.
type saved struct {
	Version    int
	Flavour    string
	Clock      time.Time // the host's Now when saved: its clock carries on from there
	Files      map[string]File
	Dirs       []string
	Links      map[string]string
	Packages   map[string]string
	LoginGroup map[string]string
}

// Save is the host's files, directories, links and packages as JSON, for Options.Restore in a
// later process: the demo keeps its instance across runs.
func (h *Host) Save() ([]byte, error) {
	h.mu.Lock()
	v := saved{Version: savedVersion, Flavour: h.flavour, Clock: h.Now(), Files: make(map[string]File, len(h.files)),
		Dirs: slices.Sorted(maps.Keys(h.dirs)), Links: h.links, Packages: h.pkgs, LoginGroup: h.loginGroup}
	for p, f := range h.files {
		v.Files[p] = *f
	}
	b, err := json.Marshal(v)
	h.mu.Unlock()
	if err != nil {
		return nil, fmt.Errorf("demo host: save: %w", err)
	}
	return b, nil
}

// restore is the tree and clock start Save wrote, for a host of flavour.
func restore(b []byte, flavour string) (*tree, time.Time, error) {
	var v saved
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	if err := d.Decode(&v); err != nil {
		return nil, time.Time{}, fmt.Errorf("demo host: restore: %w", err)
	}
	if v.Version != savedVersion || v.Flavour != flavour {
		return nil, time.Time{}, fmt.Errorf("demo host: restore: saved layout %d of a %q host, want layout %d of a %q host", v.Version, v.Flavour, savedVersion, flavour)
	}
	t := &tree{files: make(map[string]*File, len(v.Files)), dirs: map[string]bool{}, links: v.Links, pkgs: v.Packages, loginGroup: v.LoginGroup}
	for p, f := range v.Files {
		t.put(p, f)
	}
	for _, dir := range v.Dirs {
		t.mkdirAll(dir)
	}
	for _, m := range []*map[string]string{&t.links, &t.pkgs, &t.loginGroup} {
		if *m == nil {
			*m = map[string]string{}
		}
	}
	// Started so long ago that Now continues from the saved clock.
	started := time.Now().Add(-v.Clock.Sub(hostmanifest.Now))
	return t, started, nil
}
