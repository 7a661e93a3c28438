package upgrades

// Why says why the step matters, in plain sentences taken from the guide "Securing WordPress on
// Lightsail" (the wizard shows it before the step's questions).
func (s *Step) Why() string {
	return "Keeping the operating system patched is your side of the shared responsibility model. Unattended " +
		"upgrades install security and stable updates every day, remove old kernels and unused packages, and " +
		"reboot at a quiet hour when an update needs it."
}
