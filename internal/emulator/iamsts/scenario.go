package iamsts

import "fmt"

// Scenario names accepted by LoadScenario.
const (
	ScenarioEmpty             = "empty"
	ScenarioWordPressFresh    = "wordpress-fresh"
	ScenarioWordPressHardened = "wordpress-hardened"
	// ScenarioWordPressLightsailFresh is the Lightsail scenario of a new instance of the WordPress
	// blueprint packaged by Lightsail; the account's IAM is that of "wordpress-fresh".
	ScenarioWordPressLightsailFresh = "wordpress-lightsail-fresh"
	// ScenarioUbuntuFresh is the Lightsail scenario of a new OS-only Ubuntu 24.04 instance; the
	// account's IAM is that of "wordpress-fresh".
	ScenarioUbuntuFresh = "ubuntu-24.04-fresh"
	// ScenarioFleet is the Lightsail scenario of an account with many instances in several
	// regions; the account's IAM is that of "wordpress-fresh".
	ScenarioFleet = "fleet"
)

// LoadScenario replaces all state with a named starting point:
//   - "empty": root caller, nothing else.
//   - "wordpress-fresh": a new account as a Lightsail user has it: root caller
//     with access keys and no MFA, no users or groups.
//   - "wordpress-lightsail-fresh", "ubuntu-24.04-fresh", "fleet": the same account (the Lightsail side differs).
//   - "wordpress-hardened": what iam-admin leaves behind: group Administrators
//     with AdministratorAccess, user administrator in it with a console password
//     and an enabled virtual MFA device, root with MFA and no keys; the caller is
//     administrator.
func (s *Service) LoadScenario(name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch name {
	case ScenarioEmpty:
		s.loadEmpty()
	case ScenarioWordPressFresh, ScenarioWordPressLightsailFresh, ScenarioUbuntuFresh, ScenarioFleet:
		s.loadEmpty()
		s.st.root.AccessKeys = []AccessKey{{ID: s.newAccessKeyID(), Status: "Active", Created: scenarioEpoch}}
	case ScenarioWordPressHardened:
		s.loadEmpty()
		s.loadHardened()
	default:
		return fmt.Errorf("IAM scenario %q is not %q, %q, %q, %q, %q or %q",
			name, ScenarioEmpty, ScenarioWordPressFresh, ScenarioWordPressLightsailFresh, ScenarioUbuntuFresh, ScenarioFleet, ScenarioWordPressHardened)
	}
	return nil
}

func (s *Service) loadEmpty() {
	s.seq = 0
	s.st = newStore()
	s.caller = s.rootARN()
}

func (s *Service) loadHardened() {
	const admin, group = "administrator", "Administrators"
	s.st.users[admin] = &User{
		Name: admin, ID: s.newID("AIDA"), ARN: s.userARN("/", admin), Path: "/", Created: scenarioEpoch,
		LoginProfile: &LoginProfile{Created: scenarioEpoch},
	}
	s.st.groups[group] = &Group{
		Name: group, ID: s.newID("AGPA"), ARN: s.groupARN("/", group), Path: "/", Created: scenarioEpoch,
		Members:            []string{admin},
		AttachedPolicyARNs: []string{"arn:aws:iam::aws:policy/AdministratorAccess"},
	}
	userMFA := s.mfaSerial("/", admin)
	s.st.mfa[userMFA] = &VirtualMFADevice{SerialNumber: userMFA, Base32Seed: s.newSeed(), UserName: admin, EnableDate: scenarioEpoch}
	// AWS names the root user's virtual device root-account-mfa-device.
	rootMFA := s.mfaSerial("/", "root-account-mfa-device")
	s.st.mfa[rootMFA] = &VirtualMFADevice{SerialNumber: rootMFA, Base32Seed: s.newSeed(), ForRoot: true, EnableDate: scenarioEpoch}
	s.st.root.MFASerial = rootMFA
	s.caller = s.st.users[admin].ARN
}
