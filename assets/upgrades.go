package assets

import _ "embed" // the files below are compiled in as static data: no copy at start-up

// Files of the auto-upgrades step: the shipped 50unattended-upgrades of each distribution family
// (the base the editor starts from when the file is missing), and the 20auto-upgrades hardsail
// writes when there is none (straight quotes: apt rejects the guide's typographic ones).
var (
	//go:embed upgrades/debian-50unattended-upgrades
	DebianUnattendedUpgrades []byte
	//go:embed upgrades/ubuntu-50unattended-upgrades
	UbuntuUnattendedUpgrades []byte
	//go:embed upgrades/20auto-upgrades
	AutoUpgrades []byte
)
