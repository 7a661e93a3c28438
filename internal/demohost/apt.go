package demohost

import (
	"fmt"
	"strings"

	"github.com/hardsail/hardsail/steps/upgrades"
)

// aptError is apt's message on stderr.
type aptError string

func (e aptError) Error() string { return string(e) }

// aptNode is one node of apt's configuration tree; an unnamed child is a list item.
type aptNode struct {
	name     string
	value    string
	children []*aptNode
}

func (n *aptNode) child(name string) *aptNode {
	for _, c := range n.children {
		if c.name != "" && strings.EqualFold(c.name, name) {
			return c
		}
	}
	c := &aptNode{name: name}
	n.children = append(n.children, c)
	return c
}

// aptDefaults are the built-in values apt-config dump prints before any file's (a short Debian 12 amd64 subset).
var aptDefaults = []upgrades.Assignment{
	{Key: "APT::Architecture", Value: "amd64"},
	{Key: "APT::Build-Essential::", Value: "build-essential"},
	{Key: "APT::Install-Recommends", Value: "1"},
	{Key: "APT::Install-Suggests", Value: "0"},
	{Key: "Dir", Value: "/"},
	{Key: "Dir::Etc", Value: "etc/apt/"},
	{Key: "Dir::Etc::parts", Value: "apt.conf.d"},
}

// aptDump is `apt-config dump` over the files in /etc/apt/apt.conf.d, parsed with the auto-upgrades
// step's own apt.conf parser. A file it refuses is apt's syntax error (exit 100).
func (h *Host) aptDump() (string, error) {
	root := &aptNode{}
	set := func(a upgrades.Assignment) {
		key, item := strings.CutSuffix(a.Key, "::")
		n := root
		for _, part := range strings.Split(key, "::") {
			n = n.child(part)
		}
		if item {
			n.children = append(n.children, &aptNode{value: a.Value})
			return
		}
		n.value = a.Value
	}
	for _, a := range aptDefaults {
		set(a)
	}
	for _, p := range aptConfFiles(h.files) {
		cfg, err := upgrades.ParseConfig(h.files[p].Body)
		if err != nil {
			// apt's own words, as apt-config prints them on stderr.
			return "", aptError(fmt.Sprintf("E: Syntax error %s: %v", p, err))
		}
		for _, a := range cfg.Values() {
			set(a)
		}
	}
	var b strings.Builder
	var walk func(prefix string, n *aptNode)
	walk = func(prefix string, n *aptNode) {
		for _, c := range n.children {
			key := c.name
			if prefix != "" {
				key = prefix + "::" + c.name
			}
			fmt.Fprintf(&b, "%s \"%s\";\n", key, c.value)
			walk(key, c)
		}
	}
	walk("", root)
	return b.String(), nil
}
