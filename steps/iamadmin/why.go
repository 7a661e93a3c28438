package iamadmin

// Why says why the step matters, in plain sentences taken from the guide "Securing WordPress on
// Lightsail" (the wizard shows it before the step's questions).
func (s *Step) Why() string {
	return "The account's root user can do anything, and AWS strongly recommends against using it for everyday " +
		"tasks, even administrative ones. Create an administrator user in an Administrators group, protect it" +
		" with multi-factor authentication, and lock the root credentials away."
}
