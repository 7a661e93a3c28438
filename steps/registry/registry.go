// Package registry lists the steps hardsail runs, in the order the wizard walks them. A new step
// is one folder under steps/ and one line here.
package registry

import (
	"github.com/hardsail/hardsail/steps"
	"github.com/hardsail/hardsail/steps/account"
	"github.com/hardsail/hardsail/steps/certs"
	"github.com/hardsail/hardsail/steps/firewall"
	"github.com/hardsail/hardsail/steps/https"
	"github.com/hardsail/hardsail/steps/iamadmin"
	"github.com/hardsail/hardsail/steps/imds"
	"github.com/hardsail/hardsail/steps/logcleanup"
	"github.com/hardsail/hardsail/steps/patches"
	"github.com/hardsail/hardsail/steps/snapshot"
	"github.com/hardsail/hardsail/steps/sshd"
	"github.com/hardsail/hardsail/steps/staticip"
	"github.com/hardsail/hardsail/steps/upgrades"
	"github.com/hardsail/hardsail/steps/wordpress"
)

// All returns every step, in order.
func All() []steps.Step {
	return []steps.Step{
		snapshot.New(),
		iamadmin.New(),
		firewall.New(),
		imds.New(),
		sshd.New(),
		https.New(),
		upgrades.New(),
		logcleanup.New(),
		wordpress.New(),
		certs.New(),
		patches.New(),
		account.New(),
		// Last: attaching a static IP moves the instance's address, and with it this run's SSH session.
		staticip.New(),
	}
}
