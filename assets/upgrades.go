package assets

import "embed"

//go:embed upgrades/*
var upgradesFS embed.FS

// Files of the auto-upgrades step: the shipped 50unattended-upgrades of each distribution family
// (the base the editor starts from when the file is missing), and the 20auto-upgrades hardsail
// writes when there is none (straight quotes: apt rejects the guide's typographic ones).
var (
	DebianUnattendedUpgrades = mustReadUpgrades("upgrades/debian-50unattended-upgrades")
	UbuntuUnattendedUpgrades = mustReadUpgrades("upgrades/ubuntu-50unattended-upgrades")
	AutoUpgrades             = mustReadUpgrades("upgrades/20auto-upgrades")
)

func mustReadUpgrades(name string) []byte {
	b, err := upgradesFS.ReadFile(name)
	if err != nil {
		panic("assets: " + err.Error()) // embedded at build time; missing is a build error
	}
	return b
}
