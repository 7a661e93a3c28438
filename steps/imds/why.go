package imds

// Why says why the step matters, in plain sentences (the wizard shows it before the step).
func (s *Step) Why() string {
	return "Every Lightsail instance has a private metadata service that hands out, among other things, the " +
		"instance's credentials. In its old mode (IMDSv1) one plain web request reads them, so a WordPress plugin " +
		"with a flaw that lets an attacker make it fetch an address of their choosing can leak them. Requiring " +
		"tokens (IMDSv2) blocks such forged requests; WordPress itself does not use the metadata service."
}
